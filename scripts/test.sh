#!/usr/bin/env bash
# Runs every test project and ends with one line "N passed, N failed", computed from the xunit XML reports.
# Exits non-zero when anything failed, a project did not report, or nothing ran.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
results="$root/artifacts/test-results"

bash scripts/setup.sh || exit 2
rm -rf "$results" && mkdir -p "$results"

# The PostgreSQL store's tests: setup.sh wrote the connection string of the cluster it started. Under this script
# (which CI runs) PostgreSQL is required: without it those tests fail, naming the cause, instead of skipping.
export CONVERGE_REQUIRE_POSTGRES=1
if [ -s artifacts/postgres-connection ]; then
  CONVERGE_TEST_POSTGRES=$(cat artifacts/postgres-connection)
  export CONVERGE_TEST_POSTGRES
else
  unset CONVERGE_TEST_POSTGRES
fi

echo "== build"
if ! dotnet build Converge.slnx --no-restore --verbosity quiet -nologo; then
  echo "0 passed, 1 failed"
  echo "The build failed." >&2
  exit 1
fi

projects=$(grep -l '<PackageReference Include="xunit.v3"' tests/*/*.csproj | sort)
missing=0
for project in $projects; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  # The xunit.v3 in-process runner; -result-xml writes the report we count from. A hung test must not hang CI:
  # -longRunning names tests still running after 60 s, and the timeout ends the project (it then counts as failed).
  timeout -k 15 "${CONVERGE_TEST_PROJECT_TIMEOUT:-600}" \
    dotnet run --project "$project" --no-build -- -result-xml "$results/$name.xml" -noColor -longRunning 60 || true
  if [ ! -s "$results/$name.xml" ]; then
    echo "!! $name wrote no report (crashed or did not start)" >&2
    missing=$((missing + 1))
  fi
done

sum() { # attribute name -> total over every <assembly> element of every report
  cat "$results"/*.xml 2>/dev/null | grep -o '<assembly [^>]*>' | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' | awk '{s+=$1} END {print s+0}'
}
passed=$(sum passed)
failed=$(( $(sum failed) + $(sum errors) + missing ))
skipped=$(sum skipped)

echo
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi

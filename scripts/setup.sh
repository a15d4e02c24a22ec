#!/usr/bin/env bash
# Installs and starts what the tests and the demo need, on a fresh machine. Idempotent; quiet when all is there.
#   - the .NET 10 SDK must already be on the machine (it cannot be fetched here);
#   - Debian's chromium (browser tests; never a downloaded browser) and node/npm for the Playwright scripts;
#   - tests/browser's npm packages (playwright-core, pinned by package-lock.json);
#   - Debian's postgresql: a cluster started on 127.0.0.1 only, with a role and database for the tests; the connection
#     string goes to artifacts/postgres-connection, which scripts/test.sh exports as CONVERGE_TEST_POSTGRES. When the
#     cluster cannot be started this says so loudly and carries on: the PostgreSQL tests then FAIL under test.sh
#     (they never skip there), naming this as the cause;
#   - a NuGet restore.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK is required (dotnet not on PATH)." >&2
  exit 2
fi

apt_install() { # package...
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: need root to apt-get install $*; install them and re-run." >&2
    exit 2
  fi
  if [ -z "${CONVERGE_APT_UPDATED:-}" ]; then
    apt-get update -qq >/dev/null
    export CONVERGE_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} from Debian"
  apt_install "${missing[@]}"
fi

if [ ! -d tests/browser/node_modules/playwright-core ]; then
  echo "setup: installing tests/browser npm packages"
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# PostgreSQL for the store tests (tests/Converge.Server.Tests/Storage, the kill -9 tests).
postgres_file=artifacts/postgres-connection
mkdir -p artifacts && rm -f "$postgres_file"
start_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "setup: installing postgresql from Debian"
    apt_install postgresql
  fi
  [ "$(id -u)" -eq 0 ] || { echo "setup: need root to start a PostgreSQL cluster" >&2; return 1; }
  local version cluster=main port password=converge_test
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version $cluster"; then
    echo "setup: creating PostgreSQL cluster $version/$cluster"
    pg_createcluster "$version" "$cluster" >/dev/null
  fi
  # Loopback only: the tests' database must never be reachable from the network.
  # (A drop-in in Debian's conf.d, read after postgresql.conf, so the main file stays as the package wrote it.)
  local conf_dir=/etc/postgresql/$version/$cluster/conf.d
  mkdir -p "$conf_dir"
  echo "listen_addresses = '127.0.0.1'  # scripts/setup.sh: loopback only" >"$conf_dir/converge-tests.conf"
  port=$(pg_conftool -s "$version" "$cluster" show port)
  if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {print $4}' | grep -qx online; then
    echo "setup: starting PostgreSQL $version/$cluster on 127.0.0.1:$port"
    pg_ctlcluster "$version" "$cluster" start || return 1
  fi
  for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
  done
  pg_isready -q -h 127.0.0.1 -p "$port" || { echo "setup: PostgreSQL did not become ready" >&2; return 1; }
  # The role and database, idempotently (CREATE DATABASE cannot run inside DO, hence the \gexec).
  su postgres -c "psql -q -p $port -v ON_ERROR_STOP=1" >/dev/null <<SQL || return 1
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'converge_test') THEN
    CREATE ROLE converge_test LOGIN PASSWORD '$password';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE converge_test OWNER converge_test' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'converge_test')\gexec
SQL
  echo "Host=127.0.0.1;Port=$port;Username=converge_test;Password=$password;Database=converge_test" >"$postgres_file"
}
if ! start_postgres; then
  echo "setup: WARNING: PostgreSQL could not be started; the PostgreSQL store tests will fail under scripts/test.sh." >&2
  rm -f "$postgres_file"
fi

dotnet restore Converge.slnx --verbosity quiet

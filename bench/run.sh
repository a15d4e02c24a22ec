#!/usr/bin/env bash
# Issue 9's benchmarks in one run on this machine: fan-out (throughput, latency, server CPU and memory, memory per
# idle connection) of Converge vs a raw Kestrel WebSocket broadcast vs an ASP.NET Core SignalR hub, each server in its
# own process; durable acknowledged changes/s vs a raw SQLite loop; reconnect with 10,000 offline changes.
# Rewrites the section of docs/benchmarks.md between the loadbench markers (everything else is kept) and
# bench/results/last.json. Extra arguments go to the load generator (sizes: bench/Converge.LoadBench/Settings.cs),
# e.g. bash bench/run.sh --clients 500 --rounds 1
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

echo "== build (Release)" >&2
dotnet build -c Release bench/Converge.BenchServer -nologo -v q >&2
dotnet build -c Release bench/Converge.LoadBench -nologo -v q >&2

mkdir -p bench/results
section=$(mktemp)
trap 'rm -f "$section" "$section.doc"' EXIT
echo "== run" >&2
dotnet bench/Converge.LoadBench/bin/Release/net10.0/Converge.LoadBench.dll \
  --server "$root/bench/Converge.BenchServer/bin/Release/net10.0/Converge.BenchServer.dll" \
  --out bench/results/last.json --markdown "$section" \
  --command "bash bench/run.sh${*:+ $*}" --sdk "$(dotnet --version)" "$@"

doc=docs/benchmarks.md
begin='<!-- loadbench:begin (written by bench/run.sh; edit outside the markers) -->'
end='<!-- loadbench:end -->'
if grep -qF '<!-- loadbench:begin' "$doc"; then
  awk -v f="$section" '
    /<!-- loadbench:begin/ { print; while ((getline line < f) > 0) print line; skip = 1; next }
    /<!-- loadbench:end -->/ { skip = 0 }
    !skip { print }' "$doc" > "$section.doc"
  mv "$section.doc" "$doc"
else
  { printf '\n%s\n' "$begin"; cat "$section"; printf '%s\n' "$end"; } >> "$doc"
fi
echo "== wrote $doc (section between the loadbench markers) and bench/results/last.json" >&2

#!/usr/bin/env bash
# Installs and starts what the tests and the demo need, on a fresh machine. Idempotent.
# Today that is only the .NET SDK (present on our machines; it cannot be fetched here) and a NuGet restore.
# Later issues add Chromium (Debian package), PostgreSQL and Redis here, never elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK is required (dotnet not on PATH)." >&2
  exit 2
fi

dotnet restore Converge.slnx --verbosity quiet

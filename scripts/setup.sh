#!/usr/bin/env bash
# Installs and starts what the tests and the demo need, on a fresh machine. Idempotent; quiet when all is there.
#   - the .NET 10 SDK must already be on the machine (it cannot be fetched here);
#   - Debian's chromium (browser tests; never a downloaded browser) and node/npm for the Playwright scripts;
#   - tests/browser's npm packages (playwright-core, pinned by package-lock.json);
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

dotnet restore Converge.slnx --verbosity quiet

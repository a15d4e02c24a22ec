#!/usr/bin/env bash
# The main job: the Converge server and the board demo (docs/board.md) on http://127.0.0.1:5000,
# with its SQLite change log under ./data. Ctrl+C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p data
# dotnet run starts the app in the project folder, so the data path is made absolute here.
exec dotnet run --project samples/Converge.Board.Server -c Release -- --Converge:DatabasePath="$(pwd)/data/converge.db" "$@"

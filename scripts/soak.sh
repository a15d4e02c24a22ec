#!/usr/bin/env bash
# The randomized convergence test (tests/Converge.IntegrationTests/Sync/RandomizedConvergenceTests.cs) over many seeds:
#   CONVERGE_SOAK_SEEDS=5000 [CONVERGE_SOAK_FIRST_SEED=1] bash scripts/soak.sh
# A failing seed reproduces alone with CONVERGE_SOAK_SEEDS=1 CONVERGE_SOAK_FIRST_SEED=<seed>.
set -euo pipefail
cd "$(dirname "$0")/.."
export CONVERGE_SOAK_SEEDS="${CONVERGE_SOAK_SEEDS:-2000}"
dotnet build tests/Converge.IntegrationTests --verbosity quiet -nologo
dotnet run --project tests/Converge.IntegrationTests --no-build -- \
  -class "Converge.IntegrationTests.Sync.RandomizedConvergenceTests" -longRunning 60 -noColor

#!/usr/bin/env bash
# ./lifeboat test — installs what the tests need, starts a Docker engine when none answers, then builds every
# module and runs every unit test (Surefire) and integration test (Failsafe, against the containerised lab).
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cd "$root"
started=$(date +%s)

"$root/scripts/install-deps.sh"
"$root/scripts/ensure-docker.sh"

# Lab containers run without the Ryuk reaper (its image cannot be pulled offline); the lab sweeps its own.
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_HOST_OVERRIDE=localhost

status=0
"$root/mvnw" -B -ntp verify "$@" || status=$?

echo "lifeboat test: finished in $(( $(date +%s) - started )) s with exit code $status"
exit "$status"

#!/usr/bin/env bash
# Makes sure a Docker engine answers `docker info`.
# - If one already answers (the user's own engine), it is used as is.
# - Otherwise installs Debian's docker.io when dockerd is missing, starts
#   `dockerd --iptables=false` (overlay2) in the background, logging to a file,
#   and waits (bounded) until `docker info` answers.
# Idempotent: running it again while the engine is up does nothing.
set -euo pipefail

LOG=${LIFEBOAT_DOCKERD_LOG:-/var/log/lifeboat-dockerd.log}
WAIT_SECONDS=${LIFEBOAT_DOCKERD_WAIT_SECONDS:-60}

say() { echo "ensure-docker: $*" >&2; }

if docker info >/dev/null 2>&1; then
  say "engine already answers"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  say "no Docker engine answers and not root: cannot install or start dockerd; start your engine and retry"
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  say "dockerd missing: installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi

if ! command -v docker >/dev/null 2>&1; then
  say "docker client missing after install"
  exit 1
fi

# A dockerd may be starting already (another run of this script); only start one
# when no dockerd process exists.
if ! pgrep -x dockerd >/dev/null 2>&1; then
  # A stale pid file from a killed engine prevents a new one from starting.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  mkdir -p "$(dirname "$LOG")"
  say "starting dockerd --iptables=false --storage-driver=overlay2 (log: $LOG)"
  nohup dockerd --iptables=false --storage-driver=overlay2 >>"$LOG" 2>&1 </dev/null &
  disown || true
fi

for _ in $(seq 1 "$WAIT_SECONDS"); do
  if docker info >/dev/null 2>&1; then
    say "engine answers"
    exit 0
  fi
  sleep 1
done

say "dockerd did not answer within ${WAIT_SECONDS}s; last lines of $LOG:"
tail -n 20 "$LOG" >&2 || true
exit 1

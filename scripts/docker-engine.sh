#!/usr/bin/env bash
# Make sure a Docker engine answers on /var/run/docker.sock: install Debian's docker.io and
# start dockerd in the background when none runs. Used by .ci/run and by developers.
# dockerd runs with --iptables=false --ip-forward=false so containers reach the host's bridge
# address (host.docker.internal) and nothing beyond it.
set -euo pipefail

SOCK=/var/run/docker.sock
LOG=${QMS_DOCKERD_LOG:-/var/log/qms-dockerd.log}

engine_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if engine_answers; then
  echo "docker engine: running ($(docker version --format '{{.Server.Version}}'))"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "docker engine: installing Debian's docker.io"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker.io >/dev/null
fi

echo "docker engine: starting dockerd (log: $LOG)"
$SUDO bash -c "nohup dockerd --iptables=false --ip-forward=false >>'$LOG' 2>&1 &"
for _ in $(seq 1 120); do
  if [ -S "$SOCK" ] && engine_answers; then
    echo "docker engine: ready ($(docker version --format '{{.Server.Version}}'))"
    exit 0
  fi
  sleep 0.5
done
echo "docker engine: dockerd did not answer within 60 s; last lines of $LOG:" >&2
tail -n 20 "$LOG" >&2 || true
exit 1

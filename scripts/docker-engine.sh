#!/usr/bin/env bash
# `npm run docker:engine`: make sure a Docker engine answers. Installs Debian's docker.io when
# dockerd is missing (a package install is the one thing qms itself never does), then runs the
# same code `qms up` uses to start dockerd (plugins/docker-engine/start-engine.ts).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! command -v dockerd >/dev/null 2>&1 && ! [ -x /usr/sbin/dockerd ]; then
  echo "docker engine: installing Debian's docker.io"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker.io >/dev/null
fi
[ -f dist/plugins/docker-engine/engine-main.js ] || npm run build >/dev/null
exec node dist/plugins/docker-engine/engine-main.js

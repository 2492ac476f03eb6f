#!/usr/bin/env bash
# `npm run docker:base [-- TAG]`: build the local Debian base ahead of time (qms up builds it
# by itself when it needs it). Installs debootstrap when missing (a package install is the one
# thing qms itself never does), then runs the build task's own code
# (plugins/docker-image/local-base.ts): the content-addressed tag qms-base:bookworm-<hash>,
# also tagged TAG when given.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! command -v debootstrap >/dev/null 2>&1 && ! [ -x /usr/sbin/debootstrap ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq debootstrap >/dev/null
fi
[ -f dist/plugins/docker-image/base-image-main.js ] || npm run build >/dev/null
exec node dist/plugins/docker-image/base-image-main.js "$@"

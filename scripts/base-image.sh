#!/usr/bin/env bash
# Build a Debian base image locally, without any registry: debootstrap a minimal bookworm
# root, make it trust the host's extra CA certificates (TLS-intercepting proxies), and
# `docker import` it. Usage: scripts/base-image.sh [TAG]   (default qms-base:bookworm)
# Then: QMS_BASE_IMAGE=qms-base:bookworm npx qms up
set -euo pipefail

TAG=${1:-${QMS_BASE_IMAGE:-qms-base:bookworm}}
if docker image inspect "$TAG" >/dev/null 2>&1 && [ "${QMS_FORCE_BASE:-}" != "1" ]; then
  echo "base image: $TAG already exists (QMS_FORCE_BASE=1 rebuilds)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! command -v debootstrap >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq debootstrap >/dev/null
fi

# Use the mirror apt already uses on this machine.
MIRROR=${QMS_DEBIAN_MIRROR:-}
if [ -z "$MIRROR" ]; then
  MIRROR=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)
fi
if [ -z "$MIRROR" ]; then
  MIRROR=$(grep -h '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -n1 || true)
fi
MIRROR=${MIRROR:-http://deb.debian.org/debian}

ROOT=$(mktemp -d /tmp/qms-base.XXXXXX)
trap '$SUDO rm -rf "$ROOT"' EXIT
echo "base image: debootstrap bookworm from $MIRROR"
$SUDO debootstrap --variant=minbase --include=git,curl,ca-certificates bookworm "$ROOT" "$MIRROR" >/tmp/qms-debootstrap.log 2>&1 || {
  tail -n 30 /tmp/qms-debootstrap.log >&2; exit 1; }

# Trust the host's extra CAs (a TLS-intercepting proxy's, say) inside the image.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  $SUDO cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
  $SUDO chroot "$ROOT" update-ca-certificates >/dev/null 2>&1 || true
fi
# Keep the apt sources of this machine's mirror, and a small image.
$SUDO rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*

$SUDO tar -C "$ROOT" -c . | docker import -c 'CMD ["/bin/bash"]' - "$TAG" >/dev/null
echo "base image: built $TAG"

#!/usr/bin/env bash
# Health check of the qms agent container (installed as /usr/local/bin/qms-healthcheck):
# healthy when the agent's workspace is mounted writable and its disk is under 90 % full.
set -euo pipefail

WORKSPACE="${QMS_WORKSPACE:-/pipe-dream/.claude/users/${QMS_AGENT:-claude}/workspace}"
LIMIT="${QMS_DISK_LIMIT:-90}"

if [ ! -d "$WORKSPACE" ]; then
  echo "unhealthy: workspace $WORKSPACE is not mounted"
  exit 1
fi
# access(2) reports EROFS for a read-only mount, so this catches a missing rw bind mount.
if [ ! -w "$WORKSPACE" ]; then
  echo "unhealthy: workspace $WORKSPACE is not writable"
  exit 1
fi
usage=$(df -P "$WORKSPACE" | awk 'NR==2 { sub("%", "", $5); print $5 }')
if [ "${usage:-0}" -ge "$LIMIT" ]; then
  echo "unhealthy: disk of $WORKSPACE is ${usage}% full (limit ${LIMIT}%)"
  exit 1
fi
echo "healthy: workspace writable, disk ${usage}% full"

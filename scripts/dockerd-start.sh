#!/usr/bin/env bash
# Start a private dockerd (Debian's docker.io) that shares nothing with any other daemon on the
# machine: its own data root, exec root (and so its own containerd), pidfile and unix socket.
# No network (no bridge, no iptables); containers get 1 s to stop when it stops. Needs root.
# Prints the DOCKER_HOST to use.
#
# Usage: [STORAGE_DRIVER=overlay2|vfs|btrfs] dockerd-start.sh DIR [DATA_ROOT]
#   DIR/root      data root (unless DATA_ROOT is given)
#   DIR/exec      exec root (containerd's state and sockets)
#   DIR/pid       dockerd's pid           DIR/sock        its socket: DOCKER_HOST=unix://DIR/sock
#   DIR/dockerd.log
# Keep DIR short (/tmp/...): unix socket paths under it must stay within 108 bytes.
# Stop it with dockerd-stop.sh DIR.
set -euo pipefail
DIR="$(mkdir -p "$1" && cd "$1" && pwd)"
ROOT="${2:-$DIR/root}"
HOST="unix://$DIR/sock"
command -v dockerd >/dev/null || { echo "dockerd is not installed (apt-get install docker.io)" >&2; exit 1; }
mkdir -p "$ROOT" "$DIR/exec"
setsid dockerd --data-root "$ROOT" --exec-root "$DIR/exec" --pidfile "$DIR/pid" -H "$HOST" \
  --iptables=false --bridge=none --ip-forward=false --ip-masq=false --shutdown-timeout 1 \
  ${STORAGE_DRIVER:+--storage-driver "$STORAGE_DRIVER"} >"$DIR/dockerd.log" 2>&1 </dev/null &
echo $! >"$DIR/launched.pid"
for _ in $(seq 240); do
  DOCKER_HOST="$HOST" docker info >/dev/null 2>&1 && { echo "$HOST"; exit 0; }
  kill -0 "$(cat "$DIR/launched.pid")" 2>/dev/null || break
  sleep 0.25
done
echo "dockerd did not start; $DIR/dockerd.log says: $(tail -n 3 "$DIR/dockerd.log" | tr '\n' ' ')" >&2
"$(dirname "$0")/dockerd-stop.sh" "$DIR"
exit 1

#!/usr/bin/env bash
# Stop the dockerd that dockerd-start.sh DIR started (by its pid; it stops its containers and its
# containerd), then unmount anything still mounted under DIR. Leaves DIR itself in place.
set -uo pipefail
DIR="$(cd "$1" && pwd)"
for f in pid launched.pid; do
  [ -f "$DIR/$f" ] || continue
  P=$(cat "$DIR/$f")
  if kill -0 "$P" 2>/dev/null; then
    kill -TERM "$P"
    for _ in $(seq 120); do kill -0 "$P" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$P" 2>/dev/null && kill -KILL "$P"
  fi
done
# Mounts a killed daemon may leave (overlay merged dirs, shm, netns), deepest first.
awk -v d="$DIR/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
exit 0

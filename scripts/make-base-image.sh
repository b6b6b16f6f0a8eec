#!/usr/bin/env bash
# The busybox base image localbase:1 (no registry or network needed): busybox and its applet
# links, /etc/passwd and /etc/group for root, a few empty directories. Needs busybox
# (Debian's busybox-static).
#   make-base-image.sh              docker import it as localbase:1 into the daemon DOCKER_HOST names
#   make-base-image.sh --tar FILE   only write the root filesystem tar (for `layerscope import`)
set -euo pipefail
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
mkdir -p "$T/rootfs/bin"; cd "$T/rootfs"
cp "$(command -v busybox)" bin/busybox
for a in $(./bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "bin/$a"; done
mkdir -p etc tmp var/log usr/lib opt root
echo "root:x:0:0:root:/root:/bin/sh" > etc/passwd; echo "root:x:0:" > etc/group
if [ "${1:-}" = --tar ]; then
  tar -C "$T/rootfs" -cf "$2" .
else
  [ -n "${DOCKER_HOST:-}" ] || { echo "set DOCKER_HOST to a private daemon (dockerd-start.sh prints it)" >&2; exit 1; }
  tar -C "$T/rootfs" -cf "$T/rootfs.tar" . && docker import "$T/rootfs.tar" localbase:1 >/dev/null
fi

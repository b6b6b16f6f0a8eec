#!/usr/bin/env bash
# Import a minimal image that holds this machine's node binary and the libraries it links: a base
# for layerscope's Dockerfile with no registry (docker build --build-arg BASE=TAG).
# Usage: DOCKER_HOST=... scripts/make-node-image.sh [TAG]   (default layerscope-node:local)
set -euo pipefail
TAG=${1:-layerscope-node:local}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
NODE=$(readlink -f "$(command -v node)")
mkdir -p "$W/usr/local/bin" "$W/tmp" "$W/etc" "$W/root"
cp "$NODE" "$W/usr/local/bin/node"
for lib in $(ldd "$NODE" | grep -o '/[^ ]*'); do
  mkdir -p "$W$(dirname "$lib")"
  cp -L "$lib" "$W$lib"
done
chmod 1777 "$W/tmp"
echo 'root:x:0:0:root:/root:/bin/sh' >"$W/etc/passwd"
tar -C "$W" --numeric-owner -c . | docker import - "$TAG" >/dev/null
echo "$TAG"

#!/usr/bin/env bash
# `npm run test:node`: the test suite under the other Node majors package.json's engines admits
# (NODE_MAJORS, default "22 24"), each the official Linux binary as npm's node-linux-<arch>
# package carries it (what `npm install node@22` runs), kept in /var/tmp/layerscope-node (any user
# may run it there: some tests run the CLI as nobody).
# The native addons were built by `npm ci` for the Node that ran it: under another ABI they do not
# load, and the tests that need them skip, as on a clone whose `npm ci` could not build them.
# Extra arguments go to vitest (e.g. a single file).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
arch=$(node -p process.arch)
cache=${LAYERSCOPE_NODE_CACHE:-/var/tmp/layerscope-node}
status=0
mkdir -p -m 755 "$cache"
# /var/tmp is everyone's: run nothing from a cache another user made or can write.
if [ -L "$cache" ] || [ "$(stat -c %u "$cache")" != "$(id -u)" ] || [ -n "$(find "$cache" -maxdepth 0 -perm /022)" ]; then
  echo "test:node: $cache is not ours alone (owner, mode or a link); remove it or set LAYERSCOPE_NODE_CACHE" >&2
  exit 1
fi
for major in ${NODE_MAJORS:-22 24}; do
  dir=$cache/$arch-$major
  if [ ! -x "$dir/package/bin/node" ]; then
    rm -rf "$dir" && mkdir -p -m 755 "$dir"
    tgz=$(cd "$dir" && npm pack --silent "node-linux-$arch@$major")
    tar -xzf "$dir/$tgz" -C "$dir" && rm "$dir/$tgz"
  fi
  echo "== Node $("$dir/package/bin/node" --version)"
  PATH="$dir/package/bin:$PATH" node node_modules/vitest/vitest.mjs run --config test/vitest.config.ts "$@" || status=1
done
exit $status

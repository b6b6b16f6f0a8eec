#!/usr/bin/env node
// One measurement in a fresh process (run.js spawns it): prints one JSON line.
//   node bench/probe.js first ROOT      catalog + the first image's layer list
//   node bench/probe.js index ROOT      every layer tree scanned + the merged view of every image and container
//   node bench/probe.js containerd ROOT the same on a containerd root (opened as the CLI opens it)
//   node bench/probe.js archive FILE    ArchiveStore.open (indexes every layer) + merged view of every image
// `ms` is measured from process start (node's own start-up and module loading included).
// Merged views are built a directory at a time when first read: after `ms`, `walkMs` is the time
// to then read every image's and container's merged view in full (every directory built), as a
// search over all of them would.
import {performance} from 'node:perf_hooks';

const [mode, path] = process.argv.slice(2);
const out = {mode};

function count(node) {
  let n = 1;
  if (node.children) for (const c of node.children.values()) n += count(c);
  return n;
}

function walkViews(store, tops) {
  let n = 0;
  for (const id of tops) if (id) n += count(store.merged(id)) - 1;
  out.walkMs = performance.now() - out.ms;
  out.mergedEntries = n;
}

if (mode === 'first') {
  const {DockerStore} = await import('../dist/store/store.js');
  const {historyRows} = await import('../dist/store/history.js');
  const store = new DockerStore(path);
  // The image list as the explorer sorts it, then the first image's layers.
  const images = [...store.images.values()].sort((a, b) => ((a.tags[0] ?? '~') < (b.tags[0] ?? '~') ? -1 : 1));
  const first = images[0];
  const rows = first ? historyRows(store, first) : [];
  const chain = first ? store.chain(first.layers.at(-1)) : [];
  out.ms = performance.now();
  out.images = store.images.size;
  out.layerRows = rows.length;
  out.chain = chain.length;
  out.problems = store.problemList.length;
} else if (mode === 'index' || mode === 'containerd' || mode === 'podman') {
  // `containerd`, `podman`: the root as `layerscope --root` opens it (detected).
  const store =
    mode === 'index' ? new (await import('../dist/store/store.js')).DockerStore(path) : await (await import('../dist/store/open.js')).openSource(path);
  await store.indexAll(); // every layer on both cores
  let entries = 0;
  for (const id of store.layers.keys()) entries += count(store.tree(id)) - 1;
  for (const image of store.images.values()) store.merged(image.layers.at(-1));
  for (const c of store.containers) if (c.rwLayer) store.merged(c.rwLayer);
  out.ms = performance.now();
  out.entries = entries;
  out.layers = store.layers.size;
  out.problems = store.problemList.length;
  walkViews(store, [...store.images.values()].map((i) => i.layers.at(-1)).concat(store.containers.map((c) => c.rwLayer)));
} else if (mode === 'archive') {
  const {ArchiveStore} = await import('../dist/store/archive.js');
  const store = await ArchiveStore.open(path);
  let entries = 0;
  for (const id of store.layers.keys()) entries += count(store.tree(id)) - 1;
  for (const image of store.images.values()) store.merged(image.layers.at(-1));
  out.ms = performance.now();
  out.entries = entries;
  out.layers = store.layers.size;
  out.problems = store.problemList.length;
  walkViews(
    store,
    [...store.images.values()].map((i) => i.layers.at(-1)),
  );
} else {
  throw new Error(`unknown probe ${mode}`);
}
out.maxRssMB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);

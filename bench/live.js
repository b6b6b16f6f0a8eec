#!/usr/bin/env node
// Live updates: files written into a container's writable layer (its overlay2 upper dir) until the
// store's merged view of that container shows them, through the committed watcher
// (source/store/watch.ts). Then a burst of 10k writes from another process: how long until all
// are visible, how long the event loop (the UI's thread) is blocked, and how much is re-read
// (layer tree loads, directory reads) while it happens.
//   node bench/live.js ROOT UPPER_DIR [--writes 100] [--burst 10000]
// Prints one JSON line. Everything written is removed afterwards.
import {spawn} from 'node:child_process';
import fs, {existsSync, mkdirSync, rmSync, writeFileSync} from 'node:fs';
import {syncBuiltinESMExports} from 'node:module';
import {join} from 'node:path';
import {monitorEventLoopDelay, performance} from 'node:perf_hooks';

const [root, upper, ...rest] = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = rest.indexOf(name);
  return i === -1 ? fallback : Number(rest[i + 1]);
};
const WRITES = opt('--writes', 100);
const BURST = opt('--burst', 10_000);

// Count directory reads and lstats made by anyone in this process (the store, the watcher).
const calls = {readdir: 0, lstat: 0};
for (const [name, key] of [
  ['readdirSync', 'readdir'],
  ['lstatSync', 'lstat'],
]) {
  const orig = fs[name];
  fs[name] = function (...a) {
    calls[key]++;
    return orig.apply(this, a);
  };
}
syncBuiltinESMExports();

const out = {notes: []};
if (!existsSync(new URL('../dist/store/watch.js', import.meta.url))) {
  console.log(JSON.stringify({unavailable: 'dist/store/watch.js is not built'}));
  process.exit(0);
}
const {DockerStore} = await import('../dist/store/store.js');
const {watchStore} = await import('../dist/store/watch.js');
const {lookup} = await import('../dist/tree/entry.js');

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let layerScans = 0;
const loadTree = DockerStore.prototype.loadTree;
DockerStore.prototype.loadTree = function (layer) {
  layerScans++;
  return loadTree.call(this, layer);
};

const store = new DockerStore(root);
const container = store.containers.find((c) => c.rwLayer && store.layers.get(c.rwLayer).dir === upper);
if (!container) throw new Error(`no container has ${upper} as its writable layer`);
const rw = container.rwLayer;
// What the explorer holds after opening: every layer read, the merged views built.
for (const id of store.layers.keys()) store.tree(id);
for (const image of store.images.values()) store.merged(image.layers.at(-1));
store.merged(rw);

const liveDir = join(upper, `bench-live-${process.pid}`);
const burstDir = join(upper, `bench-burst-${process.pid}`);
let waiters = [];
let eventCount = 0;
const watcher = watchStore(store, (events) => {
  eventCount += events.length;
  store.merged(rw); // the UI redraws the container's view
  const still = [];
  for (const w of waiters) w.check() ? w.resolve() : still.push(w);
  waiters = still;
});
await watcher.ready;

/** Resolves when `path` (in the writable layer) is in the store's merged view of the container. */
const visible = (path, timeoutMs = 10_000) =>
  new Promise((resolve, reject) => {
    const check = () => lookup(store.merged(rw), path) !== undefined;
    if (check()) return resolve();
    const w = {check, resolve};
    waiters.push(w);
    setTimeout(() => reject(new Error(`${path} not visible after ${timeoutMs} ms`)), timeoutMs).unref();
  });

try {
  mkdirSync(liveDir);
  await visible(`/${liveDir.slice(upper.length + 1)}`);
  const lat = [];
  for (let i = 0; i < WRITES; i++) {
    const name = `f${i}.txt`;
    const t0 = performance.now();
    writeFileSync(join(liveDir, name), `live ${i}\n`);
    await visible(`/${liveDir.slice(upper.length + 1)}/${name}`);
    lat.push(performance.now() - t0);
    await sleep(10 + (i % 7) * 3);
  }
  out.single = {n: lat.length, p50: pct(lat, 50), p95: pct(lat, 95), max: Math.max(...lat)};

  // Burst: another process writes BURST files as fast as it can.
  mkdirSync(burstDir);
  const rel = `/${burstDir.slice(upper.length + 1)}`;
  await visible(rel);
  await sleep(200);
  const rootDirs = countDirs(root);
  const before = {...calls, scans: layerScans};
  const hist = monitorEventLoopDelay({resolution: 5});
  hist.enable();
  const t0 = performance.now();
  const writer = spawn(
    process.execPath,
    ['-e', `const fs=require('fs');for(let i=0;i<${BURST};i++)fs.writeFileSync(${JSON.stringify(burstDir)}+'/b'+i,'x'+i)`],
    {stdio: 'ignore'},
  );
  const done = new Promise((r) => writer.on('exit', r));
  let allVisible;
  const deadline = t0 + 120_000;
  for (;;) {
    await sleep(20);
    const dir = lookup(store.merged(rw), rel);
    if ((dir?.children?.size ?? 0) >= BURST) {
      allVisible = performance.now() - t0;
      break;
    }
    if (performance.now() > deadline) {
      out.notes.push(`after 120 s only ${dir?.children?.size ?? 0} of ${BURST} burst files were visible`);
      break;
    }
  }
  await done;
  hist.disable();
  out.burst = {
    writes: BURST,
    visibleMs: allVisible,
    loopP99: hist.percentile(99) / 1e6,
    loopMax: hist.max / 1e6,
    layerScans: layerScans - before.scans,
    readdirs: calls.readdir - before.readdir,
    lstats: calls.lstat - before.lstat,
    rootDirs,
  };
  out.events = eventCount;
} finally {
  await watcher.close();
  rmSync(liveDir, {recursive: true, force: true});
  rmSync(burstDir, {recursive: true, force: true});
}

function countDirs(dir) {
  // Directories under every layer directory (what a whole-root rescan would read).
  let n = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, {withFileTypes: true})) {
      if (e.isDirectory()) {
        n++;
        walk(join(d, e.name));
      }
    }
  };
  for (const l of store.layers.values()) walk(l.dir);
  void dir;
  return n;
}

console.log(JSON.stringify(out));
process.exit(0);

#!/usr/bin/env node
// Key press → rendered frame in the explorer (dist/ui/App.js, rendered by ink-testing-library),
// on the merged view of the biggest image of ROOT (the bench makes one of ~100k entries):
// scrolling, expanding directories, searching in Files; scrolling Details (that image's
// efficiency) and Enter on an inefficient file; opening a comparison of two images and scrolling
// it. The time of a key is from writing it to stdin to the first frame Ink writes that differs
// from the one before. The floor, in the same app and run: a key that only changes the footer
// (a hint for a key bound in another pane).
//   node bench/ui.js ROOT [--keys 60]
// Prints one JSON line ({unavailable} when the explorer is not built).
import {existsSync} from 'node:fs';
import {performance} from 'node:perf_hooks';

const [root, ...rest] = process.argv.slice(2);
const N = Number(rest[rest.indexOf('--keys') + 1] || 60);
const KEYS = {up: '\u001B[A', down: '\u001B[B', right: '\u001B[C', left: '\u001B[D', pageDown: '\u001B[6~', enter: '\r', escape: '\u001B'};

if (!existsSync(new URL('../dist/ui/App.js', import.meta.url))) {
  console.log(JSON.stringify({unavailable: 'the explorer (dist/ui/App.js) is not built'}));
  process.exit(0);
}
// Colours on, as in a terminal: a cursor move inside the window changes only the reverse-video row,
// which a frame without escape codes would not show (no new frame to time).
process.env.FORCE_COLOR ??= '1';
const {render} = await import('ink-testing-library');
const {createElement} = await import('react');
const {App} = await import('../dist/ui/App.js');
const {DockerStore} = await import('../dist/store/store.js');

const store = new DockerStore(root);
const count = (n) => {
  let c = 1;
  if (n.children) for (const k of n.children.values()) c += count(k);
  return c;
};
// The image with the biggest merged view.
let best;
for (const image of store.images.values()) {
  const n = count(store.merged(image.layers.at(-1))) - 1;
  if (!best || n > best.n) best = {image, n};
}
const select = best.image.tags[0] ?? best.image.id;

const ui = render(createElement(App, {store, select, live: false}));
// Every frame Ink writes goes through stdout.write: note when.
let lastWrite = {frame: ui.lastFrame() ?? '', at: performance.now()};
let waiter;
const write = ui.stdout.write.bind(ui.stdout);
ui.stdout.write = (frame) => {
  write(frame);
  lastWrite = {frame, at: performance.now()};
  if (waiter && waiter.test(frame)) {
    const w = waiter;
    waiter = undefined;
    w.resolve(lastWrite.at);
  }
};
const frame = () => ui.lastFrame() ?? '';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nextFrame = (test, timeoutMs = 5000) =>
  new Promise((resolve) => {
    if (test(frame())) return resolve(performance.now());
    waiter = {test, resolve};
    setTimeout(() => {
      if (waiter?.resolve === resolve) {
        waiter = undefined;
        resolve(undefined);
      }
    }, timeoutMs);
  });
const waitFor = async (test, what, timeoutMs = 120_000) => {
  const t = await nextFrame(test, timeoutMs);
  if (t === undefined) throw new Error(`timed out waiting for ${what}; last frame:\n${frame()}`);
};

const notes = [];
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
/** Press `key`; resolve with ms until a different frame. */
async function timeKey(key) {
  await sleep(8); // let the previous key's frames settle
  const before = frame();
  const t0 = performance.now();
  ui.stdin.write(key);
  const t1 = await nextFrame((f) => f !== before, 3000);
  return t1 === undefined ? undefined : t1 - t0;
}
async function series(name, keys) {
  const times = [];
  let missed = 0;
  for (const k of keys) {
    const t = await timeKey(k);
    if (t === undefined) missed++;
    else times.push(t);
  }
  if (missed) notes.push(`${name}: ${missed} of ${keys.length} keys drew no new frame in 3 s`);
  return {n: times.length, p50: pct(times, 50), p95: pct(times, 95), max: Math.max(...times)};
}

const t0 = performance.now();
await waitFor((f) => !f.includes('reading layer'), 'the layers to be read');
// Files pane, merged view of the top layer.
ui.stdin.write('3');
await sleep(30);
ui.stdin.write('t');
await waitFor((f) => f.includes('merged view'), 'the merged view');
const openMs = performance.now() - t0;
const keys = {};
keys.scroll = await series('scroll', [...Array(N).fill(KEYS.down), ...Array(Math.ceil(N / 6)).fill(KEYS.pageDown), ...Array(Math.ceil(N / 3)).fill(KEYS.up)]);
// Collapse everything, then on each top-level directory in turn: expand it, collapse it (Space).
ui.stdin.write('z');
await sleep(300);
ui.stdin.write('g');
await sleep(100);
const topDirs = [...store.merged(best.image.layers.at(-1)).children.values()].filter((c) => c.children).length;
const expandTimes = [];
let expandMissed = 0;
for (let i = 0; expandTimes.length + expandMissed < N; i++) {
  for (const k of [' ', ' ']) {
    const t = await timeKey(k);
    if (t === undefined) expandMissed++;
    else expandTimes.push(t);
  }
  ui.stdin.write((i + 1) % topDirs === 0 ? 'g' : KEYS.down);
  await sleep(30);
}
if (expandMissed) notes.push(`expand: ${expandMissed} of ${N} keys drew no new frame in 3 s`);
keys.expand = {n: expandTimes.length, p50: pct(expandTimes, 50), p95: pct(expandTimes, 95), max: Math.max(...expandTimes)};
ui.stdin.write('z');
await sleep(300);
// Search for names from the bottom half of the tree: type the name, time the Enter.
const names = [];
const walk = (n) => {
  for (const [name, c] of n.children ?? []) {
    if (c.children) walk(c);
    else if (names.length < 5000) names.push(name);
  }
};
walk(store.merged(best.image.layers.at(-1)));
const searchTimes = [];
let missed = 0;
const searches = Math.min(20, names.length);
for (let i = 0; i < searches; i++) {
  const name = names[Math.floor(names.length / 2 + (i * (names.length / 2)) / searches)];
  ui.stdin.write('/');
  await sleep(20);
  ui.stdin.write(name);
  await waitFor((f) => f.includes(`/${name}`), 'the search text', 5000).catch(() => {});
  const t = await timeKey(KEYS.enter);
  if (t === undefined) missed++;
  else searchTimes.push(t);
}
if (missed) notes.push(`search: ${missed} of ${searches} searches drew no new frame in 3 s`);
keys.search = {n: searchTimes.length, p50: pct(searchTimes, 50), p95: pct(searchTimes, 95), max: Math.max(...searchTimes)};

// The floor: in the store pane, x and d in turn only put a hint in the footer (they work in View).
ui.stdin.write('1');
await sleep(50);
const floor = await series(
  'floor',
  Array.from({length: N}, (_, i) => (i % 2 ? 'x' : 'd')),
);

// Details (8): the image's efficiency, computed in the background (wait for it), then scroll.
ui.stdin.write('8');
await waitFor((f) => /Inefficient files \(\d+\)/.test(f) && !f.includes('computing'), 'the image details');
const inefficient = Number(/Inefficient files \((\d+)\)/.exec(frame())[1]);
keys.details = await series('details', [...Array(N).fill(KEYS.down), ...Array(Math.ceil(N / 6)).fill(KEYS.pageDown), ...Array(Math.ceil(N / 3)).fill(KEYS.up)]);
// Enter on an inefficient file (rows 10 on are files: the headings take fewer): the merged view
// of the image's top layer, the file revealed in it; then back to Details, one row down.
ui.stdin.write('g');
await sleep(30);
for (let i = 0; i < 10; i++) {
  ui.stdin.write(KEYS.down);
  await sleep(10);
}
const jumps = Math.min(10, inefficient - 10);
keys.detailsEnter = await (async () => {
  const times = [];
  for (let i = 0; i < jumps; i++) {
    ui.stdin.write('8');
    await waitFor((f) => f.includes('▶ Details'), 'the details', 5000);
    ui.stdin.write(KEYS.down);
    await sleep(30);
    const t = await timeKey(KEYS.enter);
    if (t !== undefined) times.push(t);
  }
  if (times.length < jumps) notes.push(`detailsEnter: ${jumps - times.length} of ${jumps} keys drew no new frame in 3 s`);
  return {n: times.length, p50: pct(times, 50), p95: pct(times, 95), max: Math.max(...times)};
})();

// Compare: mark an image in the store, select the other, c: the key's frame (the pane and which
// layers are shared), then the frame with the compared tree (worked out off the render). The mark
// and the other image swap each time, so each c compares anew.
let compareTree;
if (store.images.size >= 2) {
  const first = [];
  const tree = [];
  for (let i = 0; i < 10; i++) {
    ui.stdin.write('1');
    await sleep(30);
    ui.stdin.write('m');
    await sleep(30);
    ui.stdin.write(i % 2 ? KEYS.up : KEYS.down);
    await sleep(60);
    const before = frame();
    const t0 = performance.now();
    ui.stdin.write('c');
    const t1 = await nextFrame((f) => f !== before, 3000);
    const t2 = await nextFrame((f) => /▶ Compare[^\n]* 1\/[\d…]/.test(f), 5000);
    if (t1 !== undefined) first.push(t1 - t0);
    if (t2 !== undefined) tree.push(t2 - t0);
  }
  if (tree.length < 10) notes.push(`compareOpen: ${10 - tree.length} of 10 comparisons not shown in 5 s`);
  keys.compareOpen = {n: first.length, p50: pct(first, 50), p95: pct(first, 95), max: Math.max(...first)};
  compareTree = {n: tree.length, p50: pct(tree, 50), p95: pct(tree, 95), max: Math.max(...tree)};
  const plain = frame().replace(/\x1b\[[0-9;]*m/g, '');
  const shown = /▶ Compare[^\n]* 1\/(\d+)/.exec(plain);
  notes.push(`compare: ${/▶ Compare ([^\n]*?) {2}/.exec(plain)?.[1] ?? '?'}, ${shown ? `${shown[1]} rows` : 'rows not counted yet'}`);
  keys.compareScroll = await series('compareScroll', [
    ...Array(N).fill(KEYS.down),
    ...Array(Math.ceil(N / 6)).fill(KEYS.pageDown),
    ...Array(Math.ceil(N / 3)).fill(KEYS.up),
  ]);
} else notes.push('compare: the store has one image, nothing to compare');
ui.unmount();
console.log(JSON.stringify({entries: best.n, image: select, openMs, keys, floor, inefficient, compareTree, notes}));
process.exit(0);

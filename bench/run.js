#!/usr/bin/env node
// `npm run bench [-- --full] [-- --repeat N] [-- --data DIR] [-- --no-build] [-- --only open,archive,memory,ui,live]`
//
// Prints one table: figure, value, floor, ratio, target, PASS/FAIL. Every time is a ratio against
// a floor measured in the same run, interleaved with it, each in a fresh process: the median of
// the per-repeat ratios is what is judged (other work on the machine slows both alike).
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {cpus, freemem, loadavg, totalmem} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {makeStore} from './make-store.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = dirname(here);

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1];
};
const FULL = flag('--full');
const REPEAT = Number(option('--repeat', FULL ? 3 : 5));
const DATA = option('--data', '/tmp/layerscope-bench');
const ONLY = new Set(option('--only', 'open,archive,memory,ui,live').split(','));

const SIZES = [
  {label: '10k', files: 10_000, layers: 5, containers: 2},
  {label: '100k', files: 100_000, layers: 20, containers: 5, archive: true},
  ...(FULL ? [{label: '1M', files: 1_000_000, layers: 60, containers: 10}] : []),
];

const log = (m) => process.stderr.write(`${m}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------------------------------------
// Build: dist/ is what the benchmark measures.

if (!flag('--no-build')) {
  log('building dist/ (npx tsc -p .)');
  // Type errors elsewhere in the tree do not stop the emit; a missing dist/store/store.js does.
  spawnSync('npx', ['tsc', '-p', '.'], {cwd: repo, stdio: 'ignore'});
}
if (!existsSync(join(repo, 'dist', 'store', 'store.js'))) {
  log('dist/store/store.js is missing: run `npx tsc -p .` first');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Timing helpers: wall time of a whole process, start to exit.

function timeProcess(cmd, argv, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, {encoding: 'utf8', maxBuffer: 64 << 20, ...opts});
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return {ms, stdout: r.stdout};
}

function probe(mode, path) {
  const {ms, stdout} = timeProcess(process.execPath, [join(here, 'probe.js'), mode, path]);
  const out = JSON.parse(stdout.trim().split('\n').at(-1));
  return {...out, wallMs: ms};
}

const findFloor = (root) => timeProcess('sh', ['-c', `find ${root}/overlay2/*/diff -printf '%s\\n' > /dev/null`]).ms;
/** Listing every file of every layer of a docker save archive: the outer tar streams its layer
 *  tars, the inner tar lists them (`-i`: the layer tars are concatenated). */
const tarFloor = (archive) => timeProcess('sh', ['-c', `tar -xOf ${archive} --wildcards '*/layer.tar' | tar -tvif - > /dev/null`]).ms;
const tarOuter = (archive) => timeProcess('sh', ['-c', `tar -tvf ${archive} > /dev/null`]).ms;

// ---------------------------------------------------------------------------------------------

const rows = [];
const notes = [];
function row(figure, value, floor, ratio, target, pass) {
  rows.push({figure, value, floor, ratio, target, result: pass === undefined ? 'n/a' : pass ? 'PASS' : 'FAIL'});
}
const fmtMs = (ms) => (ms === undefined ? '-' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`);
const fmtX = (x) => (x === undefined ? '-' : `${x.toFixed(2)}×`);

const stores = new Map();
for (const size of SIZES) {
  if (!ONLY.has('open') && !ONLY.has('memory') && !(size.archive && ONLY.has('archive')) && !(size.label === '100k' && ONLY.has('live'))) continue;
  const t0 = Date.now();
  const info = makeStore({
    files: size.files,
    layers: size.layers,
    containers: size.containers,
    seed: 1,
    out: join(DATA, `root-${size.label}`),
    archive: size.archive ? join(DATA, `images-${size.label}.tar`) : undefined,
    log,
  });
  if (Date.now() - t0 > 1000) log(`  store ${size.label} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  stores.set(size.label, info);
}

if (ONLY.has('ui')) {
  // One image whose merged view holds ~100k entries (95% in its base layer).
  stores.set('ui', makeStore({files: 100_000, layers: 2, containers: 1, seed: 2, baseShare: 0.95, out: join(DATA, 'root-ui-100k'), log}));
}

const indexResults = new Map();
if (ONLY.has('open') || ONLY.has('memory')) {
  for (const size of SIZES) {
    const info = stores.get(size.label);
    const root = info.root;
    log(`open/index ${size.label}: ${info.entries} entries, ${REPEAT} repeats`);
    findFloor(root); // warm the page cache and dentries for both sides
    probe('index', root);
    const first = [];
    const index = [];
    const floors = [];
    for (let r = 0; r < REPEAT; r++) {
      const f1 = findFloor(root);
      const a = probe('first', root);
      const b = probe('index', root);
      const f2 = findFloor(root);
      const floor = (f1 + f2) / 2;
      floors.push(floor);
      first.push({ms: a.wallMs, ratio: a.wallMs / floor});
      // The probe reads every merged view in full after its index is complete, before it exits.
      const indexMs = b.wallMs - b.walkMs;
      index.push({ms: indexMs, ratio: indexMs / floor, rss: b.maxRssMB, entries: b.entries, problems: b.problems, walk: b.walkMs, walkRatio: b.wallMs / floor, merged: b.mergedEntries});
      if (b.problems) notes.push(`${size.label}: the store reported ${b.problems} problems`);
    }
    const res = {
      entries: index[0].entries,
      floor: median(floors),
      first: median(first.map((x) => x.ms)),
      firstRatio: median(first.map((x) => x.ratio)),
      index: median(index.map((x) => x.ms)),
      indexRatio: median(index.map((x) => x.ratio)),
      rss: Math.max(...index.map((x) => x.rss)),
      walk: median(index.map((x) => x.walk)),
      walkRatio: median(index.map((x) => x.walkRatio)),
      merged: index[0].merged,
    };
    indexResults.set(size.label, res);
    if (ONLY.has('open')) {
      const gated = size.label !== '10k';
      row(`first screen, ${size.label} (${res.entries} entries)`, fmtMs(res.first), fmtMs(res.floor), fmtX(res.firstRatio), gated ? '≤ 2×' : 'info', gated ? res.firstRatio <= 2 : undefined);
      row(`complete index, ${size.label}`, fmtMs(res.index), fmtMs(res.floor), fmtX(res.indexRatio), gated ? '≤ 2×' : 'info', gated ? res.indexRatio <= 2 : undefined);
      row(`  (info) + every merged view then read in full (${res.merged} entries); ratio of both`, `+${fmtMs(res.walk)}`, fmtMs(res.floor), fmtX(res.walkRatio), 'info', undefined);
    }
  }
  const a = indexResults.get('100k');
  const b = indexResults.get('1M');
  if (ONLY.has('open') && a && b) {
    // Linear growth: the cost per entry at 1M over the cost per entry at 100k, as a ratio of ratios
    // (how much worse than the floor's own growth).
    const growth = b.indexRatio / a.indexRatio;
    row('index growth 100k→1M (ratio at 1M / ratio at 100k)', fmtX(growth), '1.00×', fmtX(growth), '≤ 1.25× (linear)', growth <= 1.25);
  }
  if (ONLY.has('memory')) {
    for (const [label, limit] of [['100k', 300], ['1M', 2048]]) {
      const r = indexResults.get(label);
      if (!r) {
        if (label === '1M') row('peak RSS, complete index, 1M', 'not run', '-', '-', '< 2 GB', undefined), notes.push('1M figures need --full');
        continue;
      }
      row(`peak RSS, complete index, ${label}`, `${r.rss.toFixed(0)} MB`, '-', '-', `< ${limit >= 1024 ? `${limit / 1024} GB` : `${limit} MB`}`, r.rss < limit);
    }
  }
}

if (ONLY.has('archive')) {
  const info = stores.get('100k');
  const archive = info.archive;
  log(`archive 100k: ${REPEAT} repeats`);
  tarFloor(archive);
  probe('archive', archive);
  const res = [];
  for (let r = 0; r < REPEAT; r++) {
    const f1 = tarFloor(archive);
    const a = probe('archive', archive);
    const f2 = tarFloor(archive);
    const outer = tarOuter(archive);
    const floor = (f1 + f2) / 2;
    const ms = a.wallMs - a.walkMs; // as for the index: the full read of the merged views comes after
    res.push({ms, floor, ratio: ms / floor, rss: a.maxRssMB, outer, problems: a.problems, walk: a.walkMs, walkRatio: a.wallMs / floor, merged: a.mergedEntries});
    if (a.problems) notes.push(`archive: ${a.problems} problems`);
  }
  const ratio = median(res.map((x) => x.ratio));
  row('archive index, 100k (vs tar -tv of every layer)', fmtMs(median(res.map((x) => x.ms))), fmtMs(median(res.map((x) => x.floor))), fmtX(ratio), '≤ 1.5×', ratio <= 1.5);
  const outer = median(res.map((x) => x.outer));
  const ratioOuter = median(res.map((x) => x.ms / x.outer));
  row(`  (info) + every image's merged view then read in full (${res[0].merged} entries); ratio of both`, `+${fmtMs(median(res.map((x) => x.walk)))}`, fmtMs(median(res.map((x) => x.floor))), fmtX(median(res.map((x) => x.walkRatio))), 'info', undefined);
  row('  (info) vs tar -tvf of the outer archive only', fmtMs(median(res.map((x) => x.ms))), fmtMs(outer), fmtX(ratioOuter), 'info', undefined);
  if (ONLY.has('memory')) row('peak RSS, archive index, 100k', `${Math.max(...res.map((x) => x.rss)).toFixed(0)} MB`, '-', '-', '< 300 MB', Math.max(...res.map((x) => x.rss)) < 300);
}

function childJson(script, argv) {
  // NODE_ENV=production, as the CLI runs React (see source/cli.ts).
  const r = spawnSync(process.execPath, [join(here, script), ...argv], {encoding: 'utf8', maxBuffer: 64 << 20, timeout: 10 * 60_000, env: {...process.env, NODE_ENV: 'production'}});
  const line = (r.stdout ?? '').trim().split('\n').at(-1);
  try {
    return JSON.parse(line);
  } catch {
    return {error: `${script} failed (${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' ')}`};
  }
}

if (ONLY.has('ui')) {
  log('ui: key press to frame on a 100k-entry tree');
  const info = stores.get('ui');
  const ui = childJson('ui.js', [info.root]);
  if (ui.unavailable || ui.error) {
    row('UI key→frame p95 (scroll, expand, search)', 'not available yet', '-', '-', '< 30 ms', undefined);
    notes.push(`ui: ${ui.unavailable ?? ui.error}`);
  } else {
    for (const [name, s] of Object.entries(ui.keys)) {
      row(`UI ${name}: key→frame p50 / p95 (${s.n} keys, ${ui.entries} entries)`, `${fmtMs(s.p50)} / ${fmtMs(s.p95)}`, '-', '-', 'p95 < 30 ms', s.p95 < 30);
    }
    notes.push(`ui: ${ui.image}, merged view of ${ui.entries} entries; first frame of that view ${fmtMs(ui.openMs)} after mount`);
    for (const n of ui.notes ?? []) notes.push(`ui: ${n}`);
  }
}

if (ONLY.has('live')) {
  log('live: writes into a container writable layer');
  const info = stores.get('100k');
  const live = childJson('live.js', [info.root, info.containers[0].upper]);
  if (live.unavailable || live.error) {
    row('live: write → visible p95', 'not available yet', '-', '-', '< 250 ms', undefined);
    notes.push(`live: ${live.unavailable ?? live.error}`);
  } else {
    row(`live: write → visible p50 / p95 (${live.single.n} writes)`, `${fmtMs(live.single.p50)} / ${fmtMs(live.single.p95)}`, '-', '-', 'p95 < 250 ms', live.single.p95 < 250);
    row(`live: burst of ${live.burst.writes} writes, all visible after`, fmtMs(live.burst.visibleMs), '-', '-', 'info', undefined);
    row('live: burst, event-loop delay p99 / max', `${fmtMs(live.burst.loopP99)} / ${fmtMs(live.burst.loopMax)}`, '-', '-', 'p99 < 30 ms', live.burst.loopP99 < 30);
    row('live: burst, layer rescans / dirs read', `${live.burst.layerScans} / ${live.burst.readdirs}`, `${live.burst.rootDirs} dirs in root`, '-', '0 rescans', live.burst.layerScans === 0 && live.burst.readdirs < live.burst.rootDirs / 10);
    for (const n of live.notes ?? []) notes.push(`live: ${n}`);
  }
}

// ---------------------------------------------------------------------------------------------

const heads = ['figure', 'value', 'floor', 'ratio', 'target', 'result'];
const widths = heads.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h]).length)));
const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
console.log(line(heads));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(heads.map((h) => r[h])));
const load = loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`\n${new Date().toISOString()} · ${cpus().length} cores · ${(totalmem() / 2 ** 30).toFixed(0)} GiB (${(freemem() / 2 ** 30).toFixed(0)} free) · load ${load} · repeats ${REPEAT} · node ${process.version}`);
for (const n of notes) console.log(`note: ${n}`);
try {
  console.log(`kernel ${execFileSync('uname', ['-r'], {encoding: 'utf8'}).trim()}${process.getuid?.() === 0 ? ', as root (char-device whiteouts, trusted xattrs)' : ''}`);
} catch {}

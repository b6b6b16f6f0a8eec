#!/usr/bin/env node
// `npm run bench [-- --full] [-- --repeat N] [-- --data DIR] [-- --no-build] [-- --only startup,open,archive,compression,memory,ui,live,containerd] [-- --dive PATH]`
//
// Prints one table: figure, value, floor, ratio, target, PASS/FAIL. Every time is a ratio against
// a floor measured in the same run, interleaved with it, each in a fresh process: the median of
// the per-repeat ratios is what is judged (other work on the machine slows both alike).
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync} from 'node:fs';
import {cpus, freemem, loadavg, totalmem} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {makePodman} from './make-podman.js';
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
const ONLY = new Set(option('--only', 'startup,open,archive,compression,memory,ui,live,containerd,podman').split(','));
/** A dive binary to compare with (never built or fetched by the project). */
const DIVE = option('--dive', undefined);

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
  log('building dist/ (npx tsc -p .) and the bundle (scripts/bundle.mjs)');
  // Type errors elsewhere in the tree do not stop the emit; a missing dist/store/store.js does.
  spawnSync('npx', ['tsc', '-p', '.'], {cwd: repo, stdio: 'ignore'});
  spawnSync(process.execPath, ['scripts/bundle.mjs'], {cwd: repo, stdio: 'ignore'});
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
  if (r.status !== 0 && !(opts.codes ?? []).includes(r.status)) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return {ms, stdout: r.stdout};
}

function probe(mode, path) {
  const {ms, stdout} = timeProcess(process.execPath, [join(here, 'probe.js'), mode, path]);
  const out = JSON.parse(stdout.trim().split('\n').at(-1));
  return {...out, wallMs: ms};
}

const findFloor = (root) => timeProcess('sh', ['-c', `find ${root}/overlay2/*/diff -printf '%s\\n' > /dev/null`]).ms;
/** The same floor over a containerd root's snapshot dirs (image layers and active snapshots). */
const snapshotFloor = (root) => timeProcess('sh', ['-c', `find ${root}/io.containerd.snapshotter.v1.overlayfs/snapshots/*/fs -printf '%s\\n' > /dev/null`]).ms;
/** Listing every file of every layer of a docker save archive: the outer tar streams its layer
 *  tars, the inner tar lists them (`-i`: the layer tars are concatenated). */
const tarFloor = (archive) => tarFloorRun(archive).ms;
/** The same floor with its CPU time (user + system of both tars, from the shell's `times`). */
function tarFloorRun(archive) {
  const {ms, stdout} = timeProcess('sh', ['-c', `tar -xOf ${archive} --wildcards '*/layer.tar' | tar -tvif - > /dev/null; times`]);
  const children = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s\s*$/.exec(stdout.trim());
  return {ms, cpu: children ? (Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4])) * 1000 : NaN};
}
const tarOuter = (archive) => timeProcess('sh', ['-c', `tar -tvf ${archive} > /dev/null`]).ms;

// ---------------------------------------------------------------------------------------------

const rows = [];
const notes = [];
function row(figure, value, floor, ratio, target, pass) {
  rows.push({figure, value, floor, ratio, target, result: pass === undefined ? 'n/a' : pass ? 'PASS' : 'FAIL'});
}
const fmtMs = (ms) => (ms === undefined ? '-' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`);
const fmtX = (x) => (x === undefined ? '-' : `${x.toFixed(2)}×`);

// ---------------------------------------------------------------------------------------------
// Start-up: the installed CLI (the bundle) against a bare `node -e 0`, pair by pair; the
// explorer's first frame in a real terminal (tmux); `ci` against the tar floor and against dive.

const BUNDLE = join(repo, 'dist', 'bundle', 'cli.js');
const CPU_REPORT = join(here, 'cpu-report.cjs');
/** Wall ms and CPU ms (the process's own user + system time, reported by the preload) of one run. */
function timeNode(argv, codes = []) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--require', CPU_REPORT, ...argv], {encoding: 'utf8', maxBuffer: 64 << 20});
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && !codes.includes(r.status)) throw new Error(`node ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  const cpu = /cpu-us (\d+)\s*$/.exec(r.stderr);
  return {ms, cpu: cpu ? Number(cpu[1]) / 1000 : NaN};
}
// `ci` exits 1 when a rule fails, as dive does: a synthetic image may well fail one.
const cliRun = (argv) => timeNode([BUNDLE, ...argv], [1]);

/** Medians of per-pair ratios (wall and CPU), A and B alternating, after one warm-up of each. */
function paired(a, b, n) {
  a();
  b();
  const pairs = [];
  for (let i = 0; i < n; i++) pairs.push([a(), b()]);
  return {
    a: median(pairs.map(([x]) => x.ms)),
    b: median(pairs.map(([, y]) => y.ms)),
    ratio: median(pairs.map(([x, y]) => x.ms / y.ms)),
    aCpu: median(pairs.map(([x]) => x.cpu)),
    bCpu: median(pairs.map(([, y]) => y.cpu)),
    cpuRatio: median(pairs.map(([x, y]) => x.cpu / y.cpu)),
  };
}

/**
 * The bench's own tmux server, kept up by an idle session while frames are timed: a user's
 * terminal is there before the explorer starts, and a server exiting with its last session could
 * refuse the next new-session (a lost run).
 */
const TMUX = ['-L', `lsbench${process.pid}`];

/**
 * Starting `layerscope PATH` in a detached tmux session: ms to a frame showing `expect`, and the
 * CPU ms the process had used when it first wrote `expect` (bench/first-frame.cjs).
 */
function firstFrame(path, expect) {
  const session = `lsbench${process.pid}`;
  const cpuFile = join(DATA, `first-frame-cpu.${process.pid}`);
  rmSync(cpuFile, {force: true});
  const env = [`LAYERSCOPE_BENCH_EXPECT=${expect}`, `LAYERSCOPE_BENCH_OUT=${cpuFile}`];
  const t0 = process.hrtime.bigint();
  spawnSync('tmux', [
    ...TMUX,
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    '120',
    '-y',
    '40',
    'env',
    ...env,
    process.execPath,
    '--require',
    join(here, 'first-frame.cjs'),
    BUNDLE,
    path,
  ]);
  try {
    for (;;) {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const screen = spawnSync('tmux', [...TMUX, 'capture-pane', '-p', '-t', session], {encoding: 'utf8'}).stdout ?? '';
      if (screen.includes(expect)) {
        for (let i = 0; i < 200 && !existsSync(cpuFile); i++) spawnSync('sleep', ['0.005']);
        const cpu = existsSync(cpuFile) ? Number(readFileSync(cpuFile, 'utf8')) : undefined;
        return {ms, cpu};
      }
      if (ms > 10_000) return undefined;
      spawnSync('sleep', ['0.005']);
    }
  } finally {
    spawnSync('tmux', [...TMUX, 'kill-session', '-t', session]);
    rmSync(cpuFile, {force: true});
  }
}

if (ONLY.has('startup')) {
  if (!existsSync(BUNDLE)) {
    row('start-up figures', 'not available', '-', '-', '-', undefined);
    notes.push('startup: dist/bundle/cli.js is missing (node scripts/bundle.mjs)');
  } else {
    log('startup: --help, ci on a small image, the explorer first frame');
    const small = makeStore({files: 400, layers: 3, containers: 1, seed: 3, out: join(DATA, 'root-small'), archive: join(DATA, 'image-small.tar'), log});
    const archive = `${small.archive}:${small.images[0].name}`;
    const n = Math.max(REPEAT * 3, 11);
    const nodeZero = () => timeNode(['-e', '0']);
    // Both: wall time (what a user waits on a quiet machine) and CPU time (the work, which a
    // loaded machine does not inflate); the target is judged on CPU time.
    const startup = (label, r, target) => {
      row(`${label} (vs node -e 0), CPU`, fmtMs(r.aCpu), fmtMs(r.bCpu), fmtX(r.cpuRatio), `≤ ${target}×`, r.cpuRatio <= target);
      row(`${label} (vs node -e 0), wall`, fmtMs(r.a), fmtMs(r.b), fmtX(r.ratio), '(info)', undefined);
    };
    startup(
      'start-up: layerscope --help',
      paired(() => cliRun(['--help']), nodeZero, n),
      1.3,
    );
    startup(
      `start-up: layerscope ci, small image (${small.entries} entries)`,
      paired(() => cliRun(['ci', archive]), nodeZero, n),
      1.6,
    );
    if (spawnSync('tmux', ['-V']).status === 0) {
      const frames = [];
      spawnSync('tmux', [...TMUX, 'new-session', '-d', '-s', 'idle', 'sleep', '3600']);
      try {
        for (let i = 0; i < REPEAT; i++) frames.push(firstFrame(small.root, 'Store'));
      } finally {
        spawnSync('tmux', [...TMUX, 'kill-server']);
      }
      const ok = frames.filter((x) => x !== undefined);
      const ms = ok.length ? median(ok.map((f) => f.ms)) : undefined;
      const frameCpu = ok.map((f) => f.cpu).filter((x) => x !== undefined);
      row('start-up: explorer first frame, small root (tmux)', ms === undefined ? 'no frame' : fmtMs(ms), '-', '-', '≤ 300 ms', ms !== undefined && ms <= 300);
      if (frameCpu.length) row('start-up: explorer first frame, CPU used by then (all threads)', fmtMs(median(frameCpu)), '-', '-', '(info)', undefined);
    } else notes.push('startup: tmux is not installed; the explorer first frame is not measured');
  }
}

const stores = new Map();
for (const size of SIZES) {
  if (
    !ONLY.has('open') &&
    !ONLY.has('memory') &&
    !(size.archive && (ONLY.has('archive') || ONLY.has('compression') || ONLY.has('containerd'))) &&
    !(size.label === '100k' && (ONLY.has('live') || ONLY.has('podman')))
  )
    continue;
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
      index.push({
        ms: indexMs,
        ratio: indexMs / floor,
        rss: b.maxRssMB,
        entries: b.entries,
        problems: b.problems,
        walk: b.walkMs,
        walkRatio: b.wallMs / floor,
        merged: b.mergedEntries,
      });
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
      row(
        `first screen, ${size.label} (${res.entries} entries)`,
        fmtMs(res.first),
        fmtMs(res.floor),
        fmtX(res.firstRatio),
        gated ? '≤ 2×' : 'info',
        gated ? res.firstRatio <= 2 : undefined,
      );
      row(
        `complete index, ${size.label}`,
        fmtMs(res.index),
        fmtMs(res.floor),
        fmtX(res.indexRatio),
        gated ? '≤ 2×' : 'info',
        gated ? res.indexRatio <= 2 : undefined,
      );
      row(
        `  (info) + every merged view then read in full (${res.merged} entries); ratio of both`,
        `+${fmtMs(res.walk)}`,
        fmtMs(res.floor),
        fmtX(res.walkRatio),
        'info',
        undefined,
      );
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
    for (const [label, limit] of [
      ['100k', 300],
      ['1M', 2048],
    ]) {
      const r = indexResults.get(label);
      if (!r) {
        if (label === '1M') (row('peak RSS, complete index, 1M', 'not run', '-', '-', '< 2 GB', undefined), notes.push('1M figures need --full'));
        continue;
      }
      row(`peak RSS, complete index, ${label}`, `${r.rss.toFixed(0)} MB`, '-', '-', `< ${limit >= 1024 ? `${limit / 1024} GB` : `${limit} MB`}`, r.rss < limit);
    }
  }
}

if (ONLY.has('podman')) {
  // The 100k store's files in podman's layout (hard links): indexing must cost what overlay2's does.
  const root = makePodman(stores.get('100k').root, join(DATA, 'podman-100k'));
  const floor = () => timeProcess('sh', ['-c', `find ${root}/overlay/*/diff -printf '%s\\n' > /dev/null`]).ms;
  log(`podman index 100k, ${REPEAT} repeats`);
  floor();
  probe('podman', root);
  const res = [];
  for (let r = 0; r < REPEAT; r++) {
    const f1 = floor();
    const b = probe('podman', root);
    const f = (f1 + floor()) / 2;
    res.push({ms: b.wallMs - b.walkMs, floor: f, ratio: (b.wallMs - b.walkMs) / f, entries: b.entries, problems: b.problems});
  }
  const ratio = median(res.map((x) => x.ratio));
  if (res[0].problems) notes.push(`podman 100k: the store reported ${res[0].problems} problems`);
  row(
    `complete index, podman 100k (${res[0].entries} entries)`,
    fmtMs(median(res.map((x) => x.ms))),
    fmtMs(median(res.map((x) => x.floor))),
    fmtX(ratio),
    '≤ 2×',
    ratio <= 2,
  );
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
    res.push({
      ms,
      floor,
      ratio: ms / floor,
      rss: a.maxRssMB,
      outer,
      problems: a.problems,
      walk: a.walkMs,
      walkRatio: a.wallMs / floor,
      merged: a.mergedEntries,
    });
    if (a.problems) notes.push(`archive: ${a.problems} problems`);
  }
  const ratio = median(res.map((x) => x.ratio));
  row(
    'archive index, 100k (vs tar -tv of every layer)',
    fmtMs(median(res.map((x) => x.ms))),
    fmtMs(median(res.map((x) => x.floor))),
    fmtX(ratio),
    '≤ 1.5×',
    ratio <= 1.5,
  );
  const outer = median(res.map((x) => x.outer));
  const ratioOuter = median(res.map((x) => x.ms / x.outer));
  row(
    `  (info) + every image's merged view then read in full (${res[0].merged} entries); ratio of both`,
    `+${fmtMs(median(res.map((x) => x.walk)))}`,
    fmtMs(median(res.map((x) => x.floor))),
    fmtX(median(res.map((x) => x.walkRatio))),
    'info',
    undefined,
  );
  row('  (info) vs tar -tvf of the outer archive only', fmtMs(median(res.map((x) => x.ms))), fmtMs(outer), fmtX(ratioOuter), 'info', undefined);
  if (ONLY.has('memory'))
    row('peak RSS, archive index, 100k', `${Math.max(...res.map((x) => x.rss)).toFixed(0)} MB`, '-', '-', '< 300 MB', Math.max(...res.map((x) => x.rss)) < 300);
}

if (ONLY.has('containerd')) {
  const {containerdBin, makeContainerdStore} = await import('./make-containerd-store.js');
  if (process.getuid?.() !== 0 || !containerdBin()) {
    row('complete index, containerd 100k', 'not available', '-', '-', '≤ 2×', undefined);
    notes.push('containerd: needs root and containerd + ctr (LAYERSCOPE_CONTAINERD_BIN)');
  } else {
    const info = await makeContainerdStore({archive: stores.get('100k').archive, out: join(DATA, 'containerd-100k'), log});
    log(`containerd 100k: ${REPEAT} repeats`);
    snapshotFloor(info.root);
    probe('containerd', info.root);
    const res = [];
    for (let r = 0; r < REPEAT; r++) {
      const f1 = snapshotFloor(info.root);
      const a = probe('containerd', info.root);
      const f2 = snapshotFloor(info.root);
      const floor = (f1 + f2) / 2;
      res.push({ms: a.wallMs - a.walkMs, floor, ratio: (a.wallMs - a.walkMs) / floor, entries: a.entries, problems: a.problems});
      if (a.problems) notes.push(`containerd: ${a.problems} problems`);
    }
    const ratio = median(res.map((x) => x.ratio));
    row(
      `complete index, containerd 100k (${res[0].entries} entries, ${info.images} images, ${info.active} active snapshots)`,
      fmtMs(median(res.map((x) => x.ms))),
      fmtMs(median(res.map((x) => x.floor))),
      fmtX(ratio),
      '≤ 2×',
      ratio <= 2,
    );
  }
}

if (ONLY.has('archive') && existsSync(BUNDLE)) {
  // `ci` end to end (index, digests, efficiency), as a user runs it, against the same tar floor.
  const info = stores.get('100k');
  const spec = `${info.archive}:${info.images[0].name}`;
  const r = paired(
    () => cliRun(['ci', spec]),
    () => tarFloorRun(info.archive),
    REPEAT,
  );
  // Judged on CPU, as start-up is: at this machine's load wall time is mostly the wait for a core.
  row('ci, 100k archive (vs tar -tv of every layer), CPU', fmtMs(r.aCpu), fmtMs(r.bCpu), fmtX(r.cpuRatio), '≤ 1.5×', r.cpuRatio <= 1.5);
  row('ci, 100k archive (vs tar -tv of every layer), wall', fmtMs(r.a), fmtMs(r.b), fmtX(r.ratio), '(info)', undefined);
  if (DIVE) {
    for (const label of ['10k', '100k']) {
      const store = stores.get(label);
      if (!store?.archive) continue;
      // dive analyses the archive's first image: layerscope is given the same one by name.
      const d = paired(
        () => cliRun(['ci', `${store.archive}:${store.images[0].name}`]),
        () => timeProcess(DIVE, ['--ci', '--source', 'docker-archive', store.archive], {env: {...process.env, CI: 'true'}, codes: [1]}).ms,
        Math.min(REPEAT, 3),
      );
      row(
        `ci vs dive ${label} (dive: ${fmtMs(d.b)})`,
        fmtMs(d.a),
        fmtMs(d.b),
        fmtX(d.ratio),
        label === '100k' ? '≤ 0.1×' : 'info',
        label === '100k' ? d.ratio <= 0.1 : undefined,
      );
    }
  }
} else if (DIVE) notes.push('dive: compared only with --only archive (or the default set)');

/**
 * The 100k archive with every layer tar compressed in place by the system `gzip -6` or `zstd -3`
 * (their default levels; `docker load` and layerscope tell compression from the bytes).
 */
function compressedArchive(archive, kind) {
  const out = archive.replace(/\.tar$/, `.${kind}-layers.tar`);
  if (existsSync(out)) return out;
  const dir = `${out}.d`;
  rmSync(dir, {recursive: true, force: true});
  mkdirSync(dir);
  execFileSync('tar', ['-xf', archive, '-C', dir]);
  // Images share layers: each layer file once (a shared layer may also be a symlink to another's).
  const files = new Set(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).flatMap((m) => m.Layers.map((l) => realpathSync(join(dir, l)))));
  for (const file of files) {
    if (kind === 'gzip') execFileSync('sh', ['-c', `gzip -6 -n -c '${file}' > '${file}.z'`]);
    else execFileSync('zstd', ['-q', '-3', '-f', file, '-o', `${file}.z`]);
    renameSync(`${file}.z`, file);
  }
  execFileSync('sh', ['-c', `tar -cf '${out}.part' -C '${dir}' . && mv '${out}.part' '${out}'`]);
  rmSync(dir, {recursive: true, force: true});
  return out;
}

if (ONLY.has('compression')) {
  const archive = stores.get('100k').archive;
  log('compression 100k: the archive with gzip and with zstd layers');
  const [gz, zst] = [compressedArchive(archive, 'gzip'), compressedArchive(archive, 'zstd')];
  probe('archive', gz);
  probe('archive', zst);
  const res = [];
  for (let r = 0; r < REPEAT; r++) {
    const g = probe('archive', gz);
    const z = probe('archive', zst);
    const p = probe('archive', archive);
    res.push({
      g: g.wallMs - g.walkMs,
      z: z.wallMs - z.walkMs,
      p: p.wallMs - p.walkMs,
      rss: Math.max(g.maxRssMB, z.maxRssMB),
      problems: g.problems + z.problems,
    });
    if (g.problems || z.problems) notes.push(`compression: ${g.problems + z.problems} problems`);
  }
  const ratio = median(res.map((x) => x.z / x.g));
  row(
    'archive index, 100k, zstd layers (vs the same archive with gzip layers)',
    fmtMs(median(res.map((x) => x.z))),
    fmtMs(median(res.map((x) => x.g))),
    fmtX(ratio),
    '≤ 1.5×',
    ratio <= 1.5,
  );
  row(
    '  (info) gzip layers vs uncompressed layers',
    fmtMs(median(res.map((x) => x.g))),
    fmtMs(median(res.map((x) => x.p))),
    fmtX(median(res.map((x) => x.g / x.p))),
    'info',
    undefined,
  );
  row('  (info) peak RSS, gzip or zstd layers', `${Math.max(...res.map((x) => x.rss)).toFixed(0)} MB`, '-', '-', 'info', undefined);
}

function childJson(script, argv) {
  // NODE_ENV=production, as the CLI runs React (see source/cli.ts).
  const r = spawnSync(process.execPath, [join(here, script), ...argv], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: 10 * 60_000,
    env: {...process.env, NODE_ENV: 'production'},
  });
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
    // The floor (p50): a key that only changes the footer, in the same app and run.
    const floor = ui.floor?.p50;
    for (const [name, s] of Object.entries(ui.keys)) {
      row(
        `UI ${name}: key→frame p50 / p95 (${s.n} keys, ${ui.entries} entries)`,
        `${fmtMs(s.p50)} / ${fmtMs(s.p95)}`,
        fmtMs(floor),
        floor ? fmtX(s.p50 / floor) : '-',
        'p95 < 30 ms',
        s.p95 < 30,
      );
    }
    if (ui.compareTree)
      row(
        `  (info) compare: c → the compared tree p50 / p95 (${ui.compareTree.n})`,
        `${fmtMs(ui.compareTree.p50)} / ${fmtMs(ui.compareTree.p95)}`,
        '-',
        '-',
        'info',
        undefined,
      );
    notes.push(`ui: ${ui.image}, merged view of ${ui.entries} entries; first frame of that view ${fmtMs(ui.openMs)} after mount`);
    notes.push(`ui: floor = a footer-only key (a hint), p50 ${fmtMs(floor)} / p95 ${fmtMs(ui.floor?.p95)}; Details listed ${ui.inefficient} inefficient files`);
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
    row(
      `live: write → visible p50 / p95 (${live.single.n} writes)`,
      `${fmtMs(live.single.p50)} / ${fmtMs(live.single.p95)}`,
      '-',
      '-',
      'p95 < 250 ms',
      live.single.p95 < 250,
    );
    row(`live: burst of ${live.burst.writes} writes, all visible after`, fmtMs(live.burst.visibleMs), '-', '-', 'info', undefined);
    row(
      'live: burst, event-loop delay p99 / max',
      `${fmtMs(live.burst.loopP99)} / ${fmtMs(live.burst.loopMax)}`,
      '-',
      '-',
      'p99 < 30 ms',
      live.burst.loopP99 < 30,
    );
    row(
      'live: burst, layer rescans / dirs read',
      `${live.burst.layerScans} / ${live.burst.readdirs}`,
      `${live.burst.rootDirs} dirs in root`,
      '-',
      '0 rescans',
      live.burst.layerScans === 0 && live.burst.readdirs < live.burst.rootDirs / 10,
    );
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
const load = loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
console.log(
  `\n${new Date().toISOString()} · ${cpus().length} cores · ${(totalmem() / 2 ** 30).toFixed(0)} GiB (${(freemem() / 2 ** 30).toFixed(0)} free) · load ${load} · repeats ${REPEAT} · node ${process.version}`,
);
for (const n of notes) console.log(`note: ${n}`);
try {
  console.log(
    `kernel ${execFileSync('uname', ['-r'], {encoding: 'utf8'}).trim()}${process.getuid?.() === 0 ? ', as root (char-device whiteouts, trusted xattrs)' : ''}`,
  );
} catch {}

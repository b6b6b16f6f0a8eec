#!/usr/bin/env node
// A containerd root holding the synthetic images of make-store.js, written by a real containerd:
// `ctr images import` of the store's `docker save` archive (every layer unpacked by the overlayfs
// snapshotter into snapshots/<id>/fs), plus one active snapshot per image, as containers have.
// Needs root and containerd + ctr (LAYERSCOPE_CONTAINERD_BIN, else ~/.cache/layerscope-debs, as
// fixtures/containerd/make.sh uses, else PATH). Reused while the archive is the same.
//
//   node bench/make-containerd-store.js ARCHIVE OUT
import {execFileSync, spawn} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {join, resolve} from 'node:path';

export function containerdBin() {
  for (const dir of [process.env.LAYERSCOPE_CONTAINERD_BIN, join(homedir(), '.cache/layerscope-debs/root/usr/bin')]) {
    if (dir && existsSync(join(dir, 'containerd')) && existsSync(join(dir, 'ctr'))) return dir;
  }
  try {
    return execFileSync('sh', ['-c', 'dirname "$(command -v containerd)"'], {encoding: 'utf8'}).trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function makeContainerdStore({archive, out, log = () => {}}) {
  out = resolve(out);
  const marker = `${out}.done.json`;
  const want = {archive: resolve(archive), size: statSync(archive).size, mtime: statSync(archive).mtimeMs};
  if (existsSync(marker) && JSON.stringify(JSON.parse(readFileSync(marker, 'utf8')).want) === JSON.stringify(want))
    return JSON.parse(readFileSync(marker, 'utf8'));
  const bin = containerdBin();
  if (!bin) throw new Error('containerd is not available (set LAYERSCOPE_CONTAINERD_BIN)');
  rmSync(out, {recursive: true, force: true});
  mkdirSync(out, {recursive: true});
  const run = mkdtempSync('/run/layerscope-bench-ctr-');
  const config = join(run, 'config.toml');
  writeFileSync(
    config,
    `version = 2\nroot = "${out}"\nstate = "${run}/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "${run}/containerd.sock"\n`,
  );
  const daemon = spawn(join(bin, 'containerd'), ['--config', config], {stdio: 'ignore'});
  try {
    for (let i = 0; i < 200 && !existsSync(join(run, 'containerd.sock')); i++) await new Promise((r) => setTimeout(r, 50));
    const ctr = (...args) =>
      execFileSync(join(bin, 'ctr'), ['--address', join(run, 'containerd.sock'), '-n', 'default', ...args], {encoding: 'utf8', maxBuffer: 64 << 20});
    const t0 = Date.now();
    log(`importing ${archive} into containerd (${out})`);
    ctr('images', 'import', archive);
    const tops = [...new Set(ctr('images', 'ls', '-q').trim().split('\n').filter(Boolean))];
    // One active snapshot on each image's top layer, as a container of it has.
    const chains = ctr('snapshots', 'ls')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/));
    const parents = new Set(chains.map((c) => c[1]));
    const leaves = chains.filter((c) => !parents.has(c[0]) && c.at(-1) === 'Committed').map((c) => c[0]);
    leaves.forEach((key, i) => ctr('snapshots', 'prepare', `bench-ctr-${i}`, key));
    const info = {want, root: out, images: tops.length, active: leaves.length, seconds: (Date.now() - t0) / 1000};
    writeFileSync(marker, JSON.stringify(info));
    return info;
  } finally {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    rmSync(run, {recursive: true, force: true});
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [archive, out] = process.argv.slice(2);
  console.log(JSON.stringify(await makeContainerdStore({archive, out, log: (m) => process.stderr.write(`${m}\n`)})));
}

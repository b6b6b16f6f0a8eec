// The live watcher on a containerd root written by a running containerd: images imported, snapshots
// prepared and removed (meta.db changes) and files written into an active snapshot show in the
// open store without reopening it.
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {homedir, tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openSource} from '../../source/store/open.js';
import type {LayerStore} from '../../source/store/store.js';
import {watchStore, type StoreEvent, type StoreWatch} from '../../source/store/watch.js';
import {FIXTURES, isRoot} from '../helpers/fixture-root.js';

// containerd 1.7 unpacked as fixtures/containerd/make.sh does, else the one docker.io brings (1.6).
const BIN = [join(homedir(), '.cache/layerscope-debs/root/usr/bin'), '/usr/bin'].find((d) => existsSync(join(d, 'containerd')) && existsSync(join(d, 'ctr')));
const canRun = isRoot && BIN !== undefined;
const reason = !isRoot ? 'running containerd needs root' : 'containerd and ctr are not installed (.ci/run installs docker.io, which brings them)';

describe.skipIf(!canRun)(`live watch of a containerd root${canRun ? '' : ` (skipped: ${reason})`}`, () => {
  let dir: string;
  let run: string;
  let daemon: ChildProcess;
  let store: LayerStore;
  let watch: StoreWatch;
  const events: StoreEvent[] = [];
  const ctr = (...args: string[]) => execFileSync(join(BIN!, 'ctr'), ['--address', join(run, 'containerd.sock'), '-n', 'default', ...args], {encoding: 'utf8'});
  const until = async (test: () => boolean, what: string) => {
    for (const start = Date.now(); !test(); await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() - start > 30_000) throw new Error(`timed out waiting for ${what}`);
    }
  };
  /** An OCI archive of one layer holding `file` (made by the fixture's own script). */
  const image = (name: string, file: string) => {
    const layer = join(dir, `${file}.d`);
    mkdirSync(layer, {recursive: true});
    writeFileSync(join(layer, file), `${file}\n`);
    execFileSync('tar', ['-C', layer, '-cf', `${layer}.tar`, '.']);
    execFileSync('python3', [join(FIXTURES, 'containerd', 'oci-image.py'), `${layer}.oci.tar`, name, `${layer}.tar`]);
    ctr('images', 'import', `${layer}.oci.tar`);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'layerscope-live-ctr-'));
    run = mkdtempSync('/run/layerscope-live-ctr-');
    writeFileSync(
      join(dir, 'config.toml'),
      `version = 2\nroot = "${dir}/root"\nstate = "${run}/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "${run}/containerd.sock"\n`,
    );
    daemon = spawn(join(BIN!, 'containerd'), ['--config', join(dir, 'config.toml')], {stdio: 'ignore'});
    await until(() => existsSync(join(run, 'containerd.sock')), 'containerd to listen');
    image('docker.io/library/one:1', 'one.txt');
    store = await openSource(join(dir, 'root'), {namespace: 'default'});
    watch = watchStore(store, (batch) => events.push(...batch));
    await watch.ready;
  });
  afterAll(async () => {
    await watch?.close();
    daemon?.kill('SIGTERM');
    await new Promise((r) => daemon?.once('exit', r));
    rmSync(dir, {recursive: true, force: true});
    rmSync(run, {recursive: true, force: true});
  });

  it('an imported image appears (meta.db followed like repositories.json)', async () => {
    expect([...store.images.values()].map((i) => i.tags[0])).toEqual(['one:1']);
    image('docker.io/library/two:1', 'two.txt');
    await until(() => [...store.images.values()].some((i) => i.tags.includes('two:1')), 'two:1 in the store');
    expect(events.some((e) => e.kind === 'images' && e.added.length === 1)).toBe(true);
  });

  it('a prepared snapshot appears, files written into it show as its changes, and it goes when removed', async () => {
    const two = [...store.images.values()].find((i) => i.tags.includes('two:1'))!;
    ctr('snapshots', 'prepare', 'work1', two.layers.at(-1)!);
    await until(() => store.containers.some((c) => c.id === 'work1'), 'snapshot work1 in the store');
    const c = store.containers.find((x) => x.id === 'work1')!;
    expect(store.containerChanges(c)).toEqual([]);
    // Written at once, likely before the new layer's watch is in place: read again once it is.
    const changed = (path: string) => () => store.containerChanges(store.containers.find((x) => x.id === 'work1')!).some((ch) => ch.path === path);
    writeFileSync(join(store.layers.get('work1')!.dir, 'new.txt'), 'x');
    await until(changed('/new.txt'), "/new.txt in work1's changes");
    await until(() => events.some((e) => e.kind === 'upper' && e.container === 'work1' && ['/', '/new.txt'].includes(e.path)), 'an event for it');
    // Written once the watch is surely there: patched in place, by its own event.
    writeFileSync(join(store.layers.get('work1')!.dir, 'new2.txt'), 'x');
    await until(changed('/new2.txt'), "/new2.txt in work1's changes");
    await until(() => events.some((e) => e.kind === 'upper' && e.path === '/new2.txt'), 'an event for /new2.txt');
    ctr('snapshots', 'rm', 'work1');
    await until(() => !store.containers.some((x) => x.id === 'work1'), 'work1 gone');
  });
});

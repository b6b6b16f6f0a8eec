// The live watcher on a podman root while a real podman works on it: a tag, a container run (its
// record, its layer's files) and its removal show in the open store without reopening it.
import {execFileSync, spawnSync} from 'node:child_process';
import {cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openSource} from '../../source/store/open.js';
import type {LayerStore} from '../../source/store/store.js';
import {watchStore, type StoreWatch} from '../../source/store/watch.js';
import {isRoot} from '../helpers/fixture-root.js';

const hasPodman = spawnSync('podman', ['--version']).status === 0;
const busybox = spawnSync('sh', ['-c', 'command -v busybox'], {encoding: 'utf8'}).stdout.trim();
const why = !isRoot ? 'podman with its own root needs root here' : !hasPodman ? 'podman is not installed' : !busybox ? 'busybox is not installed' : undefined;

describe.skipIf(why)(`live watch of a podman root${why ? ` (skipped: ${why})` : ''}`, () => {
  let dir = '';
  let store: LayerStore;
  let watch: StoreWatch;
  const podman = (...args: string[]) =>
    execFileSync(
      'podman',
      [
        '--root',
        join(dir, 'root'),
        '--runroot',
        join(dir, 'run'),
        '--tmpdir',
        join(dir, 'tmp'),
        '--storage-driver',
        'overlay',
        '--cgroup-manager',
        'cgroupfs',
        '--events-backend',
        'file',
        '--runtime',
        'runc',
        ...args,
      ],
      {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']},
    );
  const until = async (test: () => boolean, what: string) => {
    for (const start = Date.now(); !test(); await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() - start > 30_000) throw new Error(`timed out waiting for ${what}`);
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'layerscope-live-podman-'));
    mkdirSync(join(dir, 'rootfs', 'bin'), {recursive: true});
    cpSync(busybox, join(dir, 'rootfs', 'bin', 'busybox'));
    symlinkSync('busybox', join(dir, 'rootfs', 'bin', 'sh'));
    execFileSync('tar', ['-C', join(dir, 'rootfs'), '-cf', join(dir, 'rootfs.tar'), '.']);
    podman('import', join(dir, 'rootfs.tar'), 'live:1');
    store = await openSource(join(dir, 'root'));
    watch = watchStore(store, () => undefined);
    await watch.ready;
  }, 120_000);
  afterAll(async () => {
    await watch?.close();
    spawnSync('umount', [join(dir, 'root', 'overlay')]);
    rmSync(dir, {recursive: true, force: true});
  });

  it('a new name of an image appears (images.json followed through its directory)', async () => {
    podman('tag', 'localhost/live:1', 'localhost/live:2');
    await until(() => [...store.images.values()].some((i) => i.tags.includes('localhost/live:2')), 'the new tag');
  });

  it("a container run appears with its layer's files; removed, it goes away", async () => {
    podman(
      'run',
      '--ulimit',
      'nofile=20000:20000',
      '--ulimit',
      'nproc=20000:20000',
      '--network',
      'none',
      '--name',
      'w1',
      'localhost/live:1',
      'sh',
      '-c',
      'echo hi > /hello',
    );
    await until(() => store.containers.some((c) => c.name === 'w1' && c.state === 'exited'), 'container w1, exited');
    const w1 = store.containers.find((c) => c.name === 'w1')!;
    expect(store.containerChanges(w1).map((c) => `${c.kind} ${c.path}`)).toEqual(podman('diff', 'w1').trim().split('\n'));
    podman('rm', 'w1');
    await until(() => !store.containers.some((c) => c.name === 'w1'), 'container w1 to go');
    expect(store.layers.has(w1.rwLayer!)).toBe(false);
  });
});

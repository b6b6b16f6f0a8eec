// A path no backend claims is an error naming what is there, never an empty store with exit 0.
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {detectStore, knownKinds} from '../../source/store/detect.js';
import {cli} from '../helpers/cli.js';

describe('store detection', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'layerscope-detect-'));
    mkdirSync(join(dir, 'empty'));
    mkdirSync(join(dir, 'junk', 'photos'), {recursive: true});
    mkdirSync(join(dir, 'odd-driver', 'image', 'weirdfs'), {recursive: true});
    writeFileSync(join(dir, 'notes.txt'), 'not an archive\n');
    mkdirSync(join(dir, 'c8d-docker', 'containers'), {recursive: true});
    writeFileSync(join(dir, 'c8d-docker', 'engine-id'), 'x');
    // A classic btrfs root: its containers' Driver is a name containerd's snapshotters share.
    mkdirSync(join(dir, 'btrfs-root', 'image', 'btrfs'), {recursive: true});
    mkdirSync(join(dir, 'btrfs-root', 'containers', 'c1'), {recursive: true});
    writeFileSync(join(dir, 'btrfs-root', 'containers', 'c1', 'config.v2.json'), '{"Driver":"btrfs"}');
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  const cases: [string, string][] = [
    ['empty', 'an empty directory, not a store'],
    ['junk', 'not a store layerscope knows (found photos)'],
    ['odd-driver', 'a Docker root with storage driver image/weirdfs, which layerscope cannot read'],
    ['notes.txt', 'a file that is no image archive'],
    ['missing', 'no such file or directory'],
  ];
  for (const [name, message] of cases) {
    it(`${name}: every command exits non-zero naming what was found`, () => {
      for (const args of [
        ['images', '--root', join(dir, name)],
        ['df', '--root', join(dir, name)],
        ['images', join(dir, name)],
      ]) {
        const r = cli(args);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain(message);
        expect(r.stdout).toBe('');
      }
    });
  }

  it('a Docker root with no image/ is the containerd image store kind, and without containerd it says where to point', () => {
    expect(detectStore(join(dir, 'c8d-docker'))?.kind).toBe('containerd-docker');
    const r = cli(['images', '--root', join(dir, 'c8d-docker'), '--containerd-root', join(dir, 'empty')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--containerd-root');
  });

  it('a graph driver root whose Driver name containerd shares (btrfs) is not taken for the containerd image store', () => {
    expect(detectStore(join(dir, 'btrfs-root'))?.kind).not.toBe('containerd-docker');
  });

  it('every kind says how it is detected', () => {
    const kinds = knownKinds().map(([k]) => k);
    for (const k of ['archive', 'layout', 'docker', 'containerd', 'containerd-docker']) expect(kinds).toContain(k);
  });
});

// Confined reads: crafted hostile roots and layouts whose ids, links and metadata files point out
// of the root. Nothing outside may be listed, read, echoed or exported (canary files: not in the
// output, and no open or directory listing of them in the run's syscalls, helpers/trace.ts),
// special files never hang a read, and every violation is a problem naming the item.
import {execFileSync, spawnSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {openSource} from '../../source/store/open.js';
import {volumeTree} from '../../source/store/volume-files.js';
import {localSize} from '../../source/ui/rows.js';
import {straceSkip, tracedCli, type TracedResult} from '../helpers/trace.js';
import {craftLayout, craftRoot, type CraftedRoot} from '../helpers/crafted-root.js';
import {answer, cleanupFixtures, extractFixture, FIXTURES, fixtureSkip} from '../helpers/fixture-root.js';

/** A layer tar holding /hello. */
function helloTar(base: string): Buffer {
  const src = join(base, 'src');
  mkdirSync(src, {recursive: true});
  writeFileSync(join(src, 'hello'), 'hi\n');
  return execFileSync('tar', ['-cf', '-', '-C', src, 'hello']);
}

let crafted: CraftedRoot[] = [];
afterEach(() => {
  for (const c of crafted) c.cleanup();
  crafted = [];
});

function make(driver: 'overlay2' | 'vfs' = 'overlay2'): CraftedRoot {
  const c = craftRoot(driver);
  crafted.push(c);
  return c;
}

/** Nothing of the canary in the output or the run's file syscalls, and the run ended on its own. */
function clean(r: TracedResult, c: Pick<CraftedRoot, 'canaryText'>): void {
  expect(r.code, r.stderr).toBeGreaterThanOrEqual(0);
  expect(r.touched, 'opened or listed outside the root').toEqual([]);
  expect(r.stdout + r.stderr).not.toContain(c.canaryText);
  expect(r.stdout).not.toContain('canary-secret');
  expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)?/);
}

const run = (c: CraftedRoot, ...args: string[]) => tracedCli([...args, '--root', c.root], c.canary, {timeout: 20_000});

describe('confined reads of a crafted root', () => {
  it('the crafted root itself reads like a Docker root (the attacks below change one file)', () => {
    for (const driver of ['overlay2', 'vfs'] as const) {
      const c = make(driver);
      const ls = run(c, 'ls', 'crafted:1');
      expect(ls.code, ls.stderr).toBe(0);
      expect(ls.stdout).toContain('/hello');
      expect(run(c, 'diff', 'c1').stdout).toBe('A /new-file\n');
      expect(JSON.parse(run(c, 'volumes', '--json').stdout)[0].UsageData.Size).toBe(12);
    }
  });

  it(`the check sees what a run opens and lists (${straceSkip ? `atime: ${straceSkip}` : 'strace'})`, () => {
    const c = make();
    const r = run(c, 'ls', 'crafted:1');
    clean(r, c);
    if (!straceSkip) expect(r.paths).toEqual(expect.arrayContaining([join(c.layerdb, 'cache-id'), c.layerDir])); // a metadata file opened, the layer listed
    // the canary itself as the root: it is read, and the check says so
    expect(tracedCli(['images', '--root', c.canary], c.canary).touched).not.toEqual([]);
  });

  it('a vfs cache-id of ../../../outside is refused, named, never listed or exported', () => {
    const c = make('vfs');
    writeFileSync(join(c.layerdb, 'cache-id'), '../../../outside');
    const out = join(c.base, 'exported');
    for (const args of [
      ['ls', 'crafted:1'],
      ['history', 'crafted:1'],
      ['diff', 'c1'],
      ['df'],
      ['export', 'crafted:1', '/canary-secret', '--out', out],
      ['export-layer', 'crafted:1', '--out', out],
    ]) {
      const r = run(c, ...args);
      clean(r, c);
      expect(r.stderr, args.join(' ')).toContain(join(c.layerdb, 'cache-id'));
      expect(r.stderr).toContain('not a valid id');
    }
    if (existsSync(out)) expect(readFileSync(out, 'latin1')).not.toContain(c.canaryText);
  });

  it('a container mount-id and init-id with ../ are refused and named', () => {
    const c = make('vfs');
    const mounts = join(c.root, 'image', 'vfs', 'layerdb', 'mounts', c.containerId);
    writeFileSync(join(mounts, 'mount-id'), '../../../outside');
    writeFileSync(join(mounts, 'init-id'), '../../../outside');
    const r = run(c, 'diff', 'c1');
    clean(r, c);
    expect(r.stderr).toContain(join(mounts, 'mount-id'));
    expect(r.stderr).toContain(join(mounts, 'init-id'));
  });

  it('an overlay2 diff directory that is a symlink out of the root is not followed', () => {
    const c = make('overlay2');
    rmSync(c.layerDir, {recursive: true});
    symlinkSync(c.canary, c.layerDir);
    const out = join(c.base, 'exported');
    for (const args of [
      ['ls', 'crafted:1'],
      ['diff', 'crafted:1', 'c1'],
      ['export', 'crafted:1', '/canary-secret', '--out', out],
      ['ci', 'crafted:1'],
    ]) {
      const r = run(c, ...args);
      clean(r, c);
      expect(r.stderr, args.join(' ')).toContain(`${c.layerDir}: a symbolic link on the way leads out of`);
    }
    expect(existsSync(out) ? readFileSync(out, 'latin1') : '').not.toContain(c.canaryText);
  });

  it('a symlinked parent of the layer directory (overlay2/<id> -> outside) is not followed', () => {
    const c = make('overlay2');
    const dir = join(c.root, 'overlay2', c.cacheId);
    rmSync(dir, {recursive: true});
    mkdirSync(join(c.canary, 'diff'));
    writeFileSync(join(c.canary, 'diff', 'canary-secret'), c.canaryText);
    symlinkSync(c.canary, dir);
    const r = run(c, 'ls', 'crafted:1');
    clean(r, c);
    expect(r.stderr).toContain('leads out of');
  });

  it('a lower file naming a path out of the root is refused', () => {
    const c = make('overlay2');
    writeFileSync(join(c.root, 'overlay2', c.cacheId, 'lower'), '../../outside:l/../../../etc');
    const r = run(c, 'ls', 'crafted:1');
    clean(r, c);
    expect(r.stderr).toContain('is not a lower link');
  });

  it("a volume's _data symlinked out of the root is not sized or walked", async () => {
    const c = make();
    rmSync(join(c.volume, '_data'), {recursive: true});
    symlinkSync(c.canary, join(c.volume, '_data'));
    for (const args of [['volumes', '--json'], ['df', '--json'], ['df'], ['mounts', 'c1']]) {
      const r = run(c, ...args);
      clean(r, c);
      expect(r.stderr, args.join(' ')).toContain(join(c.volume, '_data'));
    }
    expect(JSON.parse(run(c, 'volumes', '--json').stdout)[0].UsageData.Size).toBe(-1);
    // the explorer's volume pane and its files (pane 3) read through the same confinement
    const store = await openSource(c.root);
    expect(localSize(store.volumes[0]!)).toBeUndefined();
    expect([...(volumeTree(store.volumes[0]!, store.problems)?.children?.keys() ?? [])]).toEqual([]);
    expect(store.problemList.map((p) => p.message).join('\n')).toContain('leads out of');
  });

  it('a volumes directory symlinked out of the root is not listed', () => {
    const c = make();
    renameSync(join(c.root, 'volumes'), join(c.canary, 'volumes'));
    symlinkSync(join(c.canary, 'volumes'), join(c.root, 'volumes'));
    for (const args of [['volumes'], ['df'], ['mounts', 'c1']]) {
      const r = run(c, ...args);
      clean(r, c);
      expect(r.stderr, args.join(' ')).toContain(`${join(c.root, 'volumes')}: a symbolic link on the way leads out of`);
    }
  });

  it('metadata files that are symlinks out, /dev/zero or FIFOs are never read (no hang, no echo)', () => {
    const c = make();
    unlinkSync(join(c.layerdb, 'size'));
    symlinkSync('/dev/zero', join(c.layerdb, 'size'));
    const config = join(c.root, 'containers', c.containerId, 'config.v2.json');
    unlinkSync(config);
    symlinkSync(join(c.canary, 'canary-secret'), config);
    const host = join(c.root, 'containers', c.containerId, 'hostconfig.json');
    unlinkSync(host);
    execFileSync('mkfifo', [host]);
    const repos = join(c.root, 'image', 'overlay2', 'repositories.json');
    unlinkSync(repos);
    execFileSync('mkfifo', [repos]);
    for (const args of [['images'], ['df'], ['ls', c.imageId.slice(7, 19)]]) {
      const r = run(c, ...args);
      clean(r, c);
      expect(r.stderr).toContain(`${join(c.layerdb, 'size')}: a symbolic link on the way leads out of`);
      expect(r.stderr).toContain(`${config}: a symbolic link on the way leads out of`);
      expect(r.stderr).toContain(`${repos}: not a regular file (a fifo)`);
    }
  });

  it('a layer directory name that is not an id is left out and named', () => {
    const c = make();
    const odd = join(c.root, 'image', 'overlay2', 'layerdb', 'sha256', 'not-an-id');
    mkdirSync(odd);
    writeFileSync(join(odd, 'cache-id'), c.cacheId);
    const r = run(c, 'images');
    expect(r.code).toBe(3); // listed, but not whole: the warning names what was left out
    expect(r.stderr).toContain(`${odd}: "not-an-id" is not a valid name`);
  });
});

describe('confined reads of a crafted OCI layout', () => {
  it('the layout reads; a layer blob symlinked out of it is refused and named; a FIFO blob does not hang', () => {
    const c = make();
    const {dir, layerBlob} = craftLayout(c.base, helloTar(c.base));
    const ok = tracedCli(['ls', dir], c.canary);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('/hello');

    const evil = join(c.canary, 'evil.tar');
    writeFileSync(evil, execFileSync('tar', ['-cf', '-', '-C', c.canary, 'canary-secret']));
    unlinkSync(layerBlob);
    symlinkSync(evil, layerBlob);
    const r = tracedCli(['ls', dir], c.canary, {timeout: 20_000});
    clean(r, c);
    expect(r.stderr).toContain(`${layerBlob}: a symbolic link on the way leads out of`);

    unlinkSync(layerBlob);
    execFileSync('mkfifo', [layerBlob]);
    const f = tracedCli(['ls', dir], c.canary, {timeout: 20_000});
    clean(f, c);
    expect(f.stderr).toContain(`${layerBlob}: not a regular file (a fifo)`);
  });

  it('index.json symlinked out of the layout is not read', () => {
    const c = make();
    const {dir} = craftLayout(c.base, helloTar(c.base));
    unlinkSync(join(dir, 'index.json'));
    symlinkSync(join(c.canary, 'canary-secret'), join(dir, 'index.json'));
    const r = tracedCli(['ls', dir], c.canary, {timeout: 20_000});
    clean(r, c);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('leads out of');
  });
});

describe.skipIf(!!fixtureSkip('containerd'))(
  `confined reads of a containerd root${fixtureSkip('containerd') ? ` (skipped: ${fixtureSkip('containerd')})` : ''}`,
  () => {
    afterEach(cleanupFixtures);

    it('a content store whose blobs/sha256 is a symlink out of it: its manifests and configs are not read, and that is named', () => {
      const root = join(extractFixture('containerd'), 'root');
      const blobs = join(root, 'io.containerd.content.v1.content', 'blobs', 'sha256');
      // The very blobs, digests intact, moved out of the root: only the link leads to them.
      const outside = join(root, '..', 'outside-blobs');
      renameSync(blobs, outside);
      symlinkSync(outside, blobs);
      const r = tracedCli(['images', '--root', root, '--namespace', 'default'], outside, {timeout: 20_000});
      expect(r.code, r.stderr).toBe(3);
      expect(r.touched, 'opened or listed outside the root').toEqual([]);
      expect(r.stderr).toMatch(/blobs\/sha256\/[0-9a-f]{64}: .*a symbolic link on the way leads out of/);
      expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)?/);
    });
  },
);

const podmanSkip = fixtureSkip('podman');
const hasPython = spawnSync('python3', ['-c', 'import sqlite3']).status === 0;

/** fixtures/podman's root (podman 4.3: containers p1, p2, p3; volumes data1 and two anonymous ones), and a canary beside it. */
function podmanRoot() {
  const dir = extractFixture('podman');
  const root = join(dir, 'root');
  const canary = join(dir, 'outside');
  const canaryText = `CANARY-${randomBytes(6).toString('hex')}`;
  mkdirSync(join(canary, 'diff'), {recursive: true});
  writeFileSync(join(canary, 'canary-secret'), `${canaryText}\n`);
  writeFileSync(join(canary, 'diff', 'canary-secret'), `${canaryText}\n`);
  const json = <T>(rel: string) => JSON.parse(readFileSync(join(root, rel), 'utf8')) as T;
  const p1 = json<{id: string; names: string[]; layer: string}[]>('overlay-containers/containers.json').find((c) => c.names[0] === 'p1')!;
  const run = (...args: string[]) => tracedCli([...args, '--root', root], canary, {timeout: 20_000});
  return {dir, root, canary, canaryText, json, p1, run};
}

describe.skipIf(!!podmanSkip)(`confined reads of a crafted podman root${podmanSkip ? ` (skipped: ${podmanSkip})` : ''}`, () => {
  afterEach(cleanupFixtures);

  it('ids with ../ in layers.json and images.json are skipped and named, never used as paths', () => {
    const c = podmanRoot();
    // p1's layer renamed ../../outside (overlay/../../outside/diff is the canary's diff/), and an image record of that id
    const layers = join(c.root, 'overlay-layers', 'layers.json');
    writeFileSync(layers, readFileSync(layers, 'utf8').replaceAll(c.p1.layer, '../../outside'));
    const images = join(c.root, 'overlay-images', 'images.json');
    const list = c.json<Record<string, unknown>[]>('overlay-images/images.json');
    writeFileSync(images, JSON.stringify([...list, {...list[0], id: '../../outside', names: ['evil:1']}]));
    for (const args of [['images'], ['df'], ['diff', 'p1'], ['ls', 'p1']]) {
      const r = c.run(...args);
      clean(r, c);
      expect(r.stderr, args.join(' ')).toContain(`${layers}: layer record without a valid id skipped`);
      expect(r.stderr).toContain(`${images}: image record without a valid id skipped`);
    }
  });

  it("a layer's diff directory symlinked out of the root is not followed: not listed, diffed, sized or exported", () => {
    const c = podmanRoot();
    const diff = join(c.root, 'overlay', c.p1.layer, 'diff');
    rmSync(diff, {recursive: true});
    symlinkSync(c.canary, diff);
    const out = join(c.dir, 'exported');
    for (const args of [['diff', 'p1'], ['ls', 'p1'], ['df'], ['export', 'p1', '/canary-secret', '--out', out]]) {
      const r = c.run(...args);
      clean(r, c);
      expect(r.stdout, args.join(' ')).not.toContain('canary-secret');
      expect(r.stderr).toContain(`${diff}: a symbolic link on the way leads out of ${c.root}`);
    }
    expect(existsSync(out) ? readFileSync(out, 'latin1') : '').not.toContain(c.canaryText);
  });

  it('a layers.json over 64 KiB (a store of some 150 layers) is read whole: every image podman lists', () => {
    const c = podmanRoot();
    const layers = join(c.root, 'overlay-layers', 'layers.json');
    const list = c.json<Record<string, unknown>[]>('overlay-layers/layers.json');
    writeFileSync(layers, JSON.stringify([{...list[0], names: ['x'.repeat(70_000)]}, ...list.slice(1)]));
    const r = c.run('images', '--json');
    expect(r.code, r.stderr).toBe(0);
    const want = (JSON.parse(answer('podman', 'images.json')) as {Id: string}[]).map((i) => `sha256:${i.Id}`);
    expect(new Set((JSON.parse(r.stdout) as {ID: string}[]).map((i) => i.ID))).toEqual(new Set(want));
  });

  it('catalog and libpod directories symlinked out of the root are not read', () => {
    const c = podmanRoot();
    for (const name of ['overlay-layers', 'libpod']) {
      renameSync(join(c.root, name), join(c.canary, name));
      symlinkSync(join(c.canary, name), join(c.root, name));
    }
    const r = c.run('df');
    clean(r, c);
    expect(r.stderr).toContain(`${join(c.root, 'overlay-layers', 'layers.json')}: a symbolic link on the way leads out of`);
    expect(r.stderr).toContain(`${join(c.root, 'libpod', 'bolt_state.db')}: a symbolic link on the way leads out of`);
  });

  it.skipIf(!hasPython)(
    `libpod volumes whose mountpoint points out of the root, or whose _data is a symlink out, are named, not sized or listed${hasPython ? '' : ' (skipped: no python3 sqlite3 to edit db.sql)'}`,
    async () => {
      const c = podmanRoot();
      // podman 5's db.sql (fixtures/podman/sqlite.sh) in place of the bolt file: its records edited with SQLite itself
      const db = join(c.root, 'libpod', 'db.sql');
      copyFileSync(join(FIXTURES, 'podman', 'db.sql'), db);
      rmSync(join(c.root, 'libpod', 'bolt_state.db'));
      const anon = '2daca6fd09a20501e5d8f554ee92dbe3915a2a3f2c99cf0a19c566ed929a0aaf'; // p1's anonymous volume
      const edit = `
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
graph = db.execute('SELECT GraphRoot FROM DBConfig').fetchone()[0]
for name, path in (('data1', sys.argv[2]), (sys.argv[3], graph + '/../outside')):
    j = json.loads(db.execute('SELECT JSON FROM VolumeConfig WHERE Name = ?', (name,)).fetchone()[0])
    j['mountPoint'] = path
    db.execute('UPDATE VolumeConfig SET JSON = ? WHERE Name = ?', (json.dumps(j), name))
db.commit()
`;
      execFileSync('python3', ['-c', edit, db, c.canary, anon]);
      // the third volume's _data: a symlink out
      const other = 'd73d456a9766455d5be642ec3d4c5a562d1b1538c295b1754acab14e179b8367';
      const data = join(c.root, 'volumes', other, '_data');
      rmSync(data, {recursive: true});
      symlinkSync(c.canary, data);
      clean(c.run('mounts', 'p1'), c);
      for (const args of [
        ['volumes', '--json'],
        ['volumes', 'data1', anon, other],
        ['df', '--json'],
      ]) {
        const r = c.run(...args);
        clean(r, c);
        expect(r.stderr, args.join(' ')).toContain(`${c.canary}: outside ${c.root}; not read`);
        expect(r.stderr).toContain(`${join(c.root, '..', 'outside')}`);
        expect(r.stderr).toContain(`${data}: a symbolic link on the way leads out of ${c.root}`);
      }
      const sizes = JSON.parse(c.run('volumes', '--json').stdout) as {Name: string; UsageData: {Size: number}}[];
      expect(sizes.map((v) => [v.Name, v.UsageData.Size])).toEqual([anon, other, 'data1'].sort().map((n) => [n, -1]));
      // the explorer's volume pane and its files (pane 3) read through the same confinement
      const store = await openSource(c.root);
      for (const v of store.volumes) {
        expect(localSize(v), v.name).toBeUndefined();
        expect([...(volumeTree(v, store.problems)?.children?.keys() ?? [])], v.name).toEqual([]);
      }
      expect(store.problemList.map((p) => p.item)).toEqual(expect.arrayContaining([c.canary, data]));
    },
  );
});

// ArchiveStore on real `docker save` archives, compared with what Docker said about the same images
// (inspect-image-*.json, history-*.jsonl) and with the system tar's listing of each layer tar.
import {execFileSync} from 'node:child_process';
import {readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {buffer, text} from 'node:stream/consumers';
import {afterAll, describe, expect, it} from 'vitest';
import {ArchiveStore} from '../../source/store/archive.js';
import {historyRows} from '../../source/store/history.js';
import {Problems} from '../../source/store/problems.js';
import {findImage} from '../../source/store/refs.js';
import {walk, type LayerNode} from '../../source/tree/entry.js';
import {REAL_A} from '../helpers/real-store.js';
import {cleanupTemp, classicArchive, listing, manifestOf, member, ociLayoutFromClassic, tarDir, tarOf, tempDir} from './archive-fixtures.js';

const DIST_ARCHIVE = join(import.meta.dirname, '../../dist/store/archive.js');
const DIST_INDEX = join(import.meta.dirname, '../../dist/store/archive-index.js');
const COWLAB = join(REAL_A, 'cowlab.docker-archive.tar');
const MYAPPS = join(REAL_A, 'myapps.docker-archive.tar');
const oracle = <T>(name: string) => JSON.parse(readFileSync(join(REAL_A, name), 'utf8')) as T;
const jsonl = <T>(name: string) =>
  readFileSync(join(REAL_A, name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

interface Inspect {
  Id: string;
  RepoTags: string[];
  Size: number;
  RootFS: {Layers: string[]};
}

/** The names a layer tar holds, rebuilt from a change set (whiteouts as `.wh.`, opaque markers). */
function tarNames(tree: LayerNode): string[] {
  const out: string[] = [];
  for (const [path, node] of walk(tree)) {
    const rel = path.slice(1);
    if (node.whiteout) out.push(rel.replace(/[^/]+$/, (n) => `.wh.${n}`));
    else out.push(node.meta.kind === 'dir' ? `${rel}/` : rel);
    if (node.opaque) out.push(`${rel}/.wh..wh..opq`);
  }
  return out.sort();
}

afterAll(cleanupTemp);

describe('docker save archives vs Docker', () => {
  const cases: [string, string, string][] = [
    [COWLAB, 'cowlab:1', 'cowlab'],
    [MYAPPS, 'myapp:1', 'myapp'],
    [MYAPPS, 'myapp2:1', 'myapp2'],
  ];
  for (const [archive, tag, name] of cases) {
    it(`${tag}: id, tags, layers and size equal docker inspect`, async () => {
      const store = await ArchiveStore.open(archive);
      expect(store.problemList).toEqual([]);
      const [want] = oracle<Inspect[]>(`inspect-image-${name}.json`);
      const image = findImage(store, tag)!;
      expect(image.id).toBe(want!.Id);
      expect(image.tags).toEqual(want!.RepoTags);
      expect(image.diffIds).toEqual(want!.RootFS.Layers);
      expect(image.size).toBe(want!.Size);
    });

    it(`${tag}: the compiled store hashes on a worker thread and gets the same ids`, async () => {
      // dist/ has the hashing worker; the TypeScript sources hash on the calling thread.
      const {ArchiveStore: Compiled} = (await import(DIST_ARCHIVE)) as {ArchiveStore: typeof ArchiveStore};
      const store = await Compiled.open(archive);
      expect(store.problemList).toEqual([]);
      const [want] = oracle<Inspect[]>(`inspect-image-${name}.json`);
      const image = findImage(store, tag)!;
      expect(image.id).toBe(want!.Id);
      expect(image.diffIds).toEqual(want!.RootFS.Layers);
      expect(image.diffIds).toEqual(image.layers.map((id) => store.layers.get(id)!.diffId));
      // Those come from the image config; the digests the worker computed must equal Docker's too.
      const {indexArchive} = (await import(DIST_INDEX)) as typeof import('../../source/store/archive-index.js');
      const blobs = await indexArchive(archive, new Problems());
      const manifest = JSON.parse(blobs.get('manifest.json')!.json!.toString()) as {RepoTags: string[]; Layers: string[]}[];
      const layers = manifest.find((m) => m.RepoTags.includes(tag))!.Layers;
      expect(layers.map((l) => blobs.get(l)?.layer?.diffId)).toEqual(want!.RootFS.Layers);
    });

    it(`${tag}: history rows equal docker history (CreatedBy, Size)`, async () => {
      const store = await ArchiveStore.open(archive);
      const want = jsonl<{CreatedBy: string; Size: string}>(`history-${name}.jsonl`);
      const got = historyRows(store, findImage(store, tag)!);
      expect(got.map((r) => r.CreatedBy)).toEqual(want.map((w) => w.CreatedBy));
      expect(got.map((r) => r.SizeHuman)).toEqual(want.map((w) => w.Size));
      expect(got[0]!.ID).toBe(oracle<Inspect[]>(`inspect-image-${name}.json`)[0]!.Id);
    });
  }

  it('every layer holds exactly the entries tar -t lists', async () => {
    const store = await ArchiveStore.open(COWLAB);
    const [m] = manifestOf(COWLAB);
    const image = findImage(store, 'cowlab:1')!;
    m!.Layers.forEach((name, i) => {
      const want = listing(member(COWLAB, name))
        .map((l) =>
          l
            .split(/\s+/)
            .slice(5)
            .join(' ')
            .replace(/ (->|link to) .*$/, ''),
        )
        .sort();
      expect(tarNames(store.tree(image.layers[i]!))).toEqual(want);
    });
  });

  it('whiteouts and opaque directories become LayerNode flags', async () => {
    const store = await ArchiveStore.open(COWLAB);
    const layers = findImage(store, 'cowlab:1')!.layers.map((id) => store.tree(id));
    const site = layers[5]!.children!.get('usr')!.children!.get('lib')!.children!.get('python3')!.children!.get('site-packages')!;
    expect(site.children!.get('flask')!.whiteout).toBe(true);
    expect(site.children!.get('flask_mysql')!.children!.get('__init__.py')!.whiteout).toBe(true);
    expect(layers[6]!.children!.get('etc')!.children!.get('apache2')!.opaque).toBe(true);
  });

  it('reads file contents by range, hard links followed, equal to tar -xO', async () => {
    const store = await ArchiveStore.open(COWLAB);
    const image = findImage(store, 'cowlab:1')!;
    const [m] = manifestOf(COWLAB);
    const layer7 = member(COWLAB, m!.Layers[7]!);
    const dir = tempDir();
    writeFileSync(join(dir, 'l7.tar'), layer7);
    const want = execFileSync('tar', ['-xOf', join(dir, 'l7.tar'), 'var/log/big.hardlink']);
    for (const path of ['/var/log/big.hardlink', '/var/log/big.log']) {
      expect((await buffer(store.readFile(image.layers[7]!, path))).equals(want)).toBe(true);
    }
    expect(await text(store.readFile(image.layers[6]!, '/etc/apache2/conf.d/site.conf'))).toBe('fresh\n');
  });
});

describe('OCI layouts (built from the classic archive by the OCI image-layout spec)', () => {
  const treesOf = async (store: ArchiveStore, tag: string) =>
    findImage(store, tag)!.layers.map((id) => [...walk(store.tree(id))].map(([p, n]) => [p, n.meta, !!n.whiteout, !!n.opaque]));
  /** The manifest digest index.json gives a tag: the id Docker's containerd image store shows (these layouts carry its name annotation). */
  const manifestDigest = (dir: string, tag: string) =>
    (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {manifests: {digest: string; annotations: Record<string, string>}[]}).manifests.find(
      (m) => m.annotations['io.containerd.image.name'] === `docker.io/library/${tag}`,
    )!.digest;

  it('a layout directory with plain and gzip layers gives the same images and trees', async () => {
    const classic = await ArchiveStore.open(MYAPPS);
    const dir = ociLayoutFromClassic(MYAPPS, (i) => i % 2 === 1);
    const oci = await ArchiveStore.open(dir);
    expect(oci.format).toBe('oci-layout');
    expect(oci.problemList).toEqual([]);
    for (const tag of ['myapp:1', 'myapp2:1']) {
      expect([findImage(oci, tag)!.id, findImage(oci, tag)!.idKind]).toEqual([manifestDigest(dir, tag), 'manifest digest']);
      expect(findImage(oci, tag)!.layers).toEqual(findImage(classic, tag)!.layers);
      expect(await treesOf(oci, tag)).toEqual(await treesOf(classic, tag));
    }
    // Layer 1 is gzip-compressed in the layout: contents come through gunzip by range.
    const layer1 = findImage(oci, 'myapp:1')!.layers[1]!;
    const want = findImage(classic, 'myapp:1')!.layers[1]!;
    const read = async (s: ArchiveStore, id: string) => buffer(s.readFile(id, '/etc/apache2/apache2.conf'));
    expect((await read(oci, layer1)).equals(await read(classic, want))).toBe(true);
    expect((await read(oci, layer1)).toString()).toBe('ServerName localhost\n');
  });

  it('an OCI archive (the layout as one tar) is indexed in one pass', async () => {
    const dir = ociLayoutFromClassic(COWLAB, (i) => i === 0 || i === 7);
    const file = tarDir(dir, join(tempDir(), 'cowlab.oci.tar'));
    const oci = await ArchiveStore.open(file);
    expect(oci.format).toBe('oci-archive');
    expect(oci.problemList).toEqual([]);
    const classic = await ArchiveStore.open(COWLAB);
    expect(findImage(oci, 'cowlab:1')!.id).toBe(manifestDigest(dir, 'cowlab:1'));
    expect(findImage(oci, 'cowlab:1')!.layers).toEqual(findImage(classic, 'cowlab:1')!.layers);
    expect(findImage(classic, 'cowlab:1')!.id).toBe(oracle<Inspect[]>('inspect-image-cowlab.json')[0]!.Id);
    expect(await treesOf(oci, 'cowlab:1')).toEqual(await treesOf(classic, 'cowlab:1'));
    const top = findImage(oci, 'cowlab:1')!.layers[7]!;
    expect((await buffer(oci.readFile(top, '/var/log/big.log'))).length).toBe(65536);
  });
});

describe('layer tar formats', () => {
  it('a long symlink target from a PAX header is kept whole', async () => {
    const dir = tempDir();
    const target = `/opt/${'t'.repeat(150)}`;
    execFileSync('ln', ['-s', target, join(dir, 'link')]);
    execFileSync('tar', ['--format=pax', '-cf', join(dir, 'layer.tar'), '-C', dir, 'link']);
    const store = await ArchiveStore.open(classicArchive(join(dir, 'long.tar'), [readFileSync(join(dir, 'layer.tar'))]));
    const layer = findImage(store, 'fake:1')!.layers[0]!;
    expect(store.tree(layer).children!.get('link')!.meta.target).toBe(target);
    expect(store.layers.get(layer)!.size).toBe(target.length);
  });
});

describe('unsafe and damaged archives: problems naming the entry, nothing written', () => {
  const unchanged = (dir: string, before: string[]) => expect(readdirSync(dir).sort()).toEqual(before);

  it('refuses .., absolute names, links out of the root and duplicates', async () => {
    const dir = tempDir();
    const layer = tarOf([
      {name: 'etc/', type: 'dir'},
      {name: 'etc/passwd', body: 'root:x:0:0\n'},
      {name: '../escape', body: 'x'},
      {name: '/abs', body: 'x'},
      {name: 'etc/shadow', type: 'hardlink', linkname: '../../etc/shadow'},
      {name: 'etc/up', type: 'symlink', linkname: '../../../outside'},
      {name: 'etc/passwd', body: 'again\n'},
    ]);
    const file = classicArchive(join(dir, 'bad.tar'), [layer]);
    const before = readdirSync(dir).sort();
    const store = await ArchiveStore.open(file);
    const messages = store.problemList.map((p) => `${p.item}: ${p.message}`);
    expect(messages.find((m) => m.includes('../escape'))).toMatch(/'\.\.'/);
    expect(messages.find((m) => m.includes(':/abs'))).toMatch(/absolute/);
    expect(messages.find((m) => m.includes('etc/shadow'))).toMatch(/hard link points outside/);
    expect(messages.find((m) => m.includes('etc/up'))).toMatch(/symbolic link points outside/);
    expect(messages.find((m) => m.endsWith('duplicate entry; the later one is used'))).toContain('etc/passwd');
    const image = findImage(store, 'fake:1')!;
    const tree = store.tree(image.layers[0]!);
    expect([...walk(tree)].map(([p]) => p)).toEqual(['/etc', '/etc/passwd', '/etc/up']);
    expect(await text(store.readFile(image.layers[0]!, '/etc/passwd'))).toBe('again\n');
    unchanged(dir, before);
  });

  it('a truncated archive is an error naming the entry being read', async () => {
    const dir = tempDir();
    const whole = readFileSync(COWLAB);
    const cut = join(dir, 'cut.tar');
    writeFileSync(cut, whole.subarray(0, 1_000_000));
    const before = readdirSync(dir).sort();
    await expect(ArchiveStore.open(cut)).rejects.toThrow(
      /cut\.tar: truncated at byte 1000000, inside an entry; last entry: 5b5875136b98c7a4777fed8730d09ba14324bdeb38b0c6342d9c0a75ddc310f6\/layer\.tar$/,
    );
    unchanged(dir, before);
  });

  it('a manifest naming a missing layer is a problem naming it; the image is skipped', async () => {
    const dir = tempDir();
    const layers = [tarOf([{name: 'a', body: '1'}]), tarOf([{name: 'b', body: '2'}])];
    const file = classicArchive(join(dir, 'missing.tar'), layers, {missing: 1});
    const store = await ArchiveStore.open(file);
    expect(store.images.size).toBe(0);
    const hit = store.problemList.find((p) => p.message.startsWith('missing from the archive'));
    expect(hit?.item).toMatch(/missing\.tar:[0-9a-f]{64}\/layer\.tar$/);
    expect(hit?.message).toContain('fake:1');
  });

  it('a file that is not a tar is an error, not an empty store', async () => {
    const file = join(tempDir(), 'not.tar');
    writeFileSync(file, 'hello, this is not an archive\n'.repeat(40));
    await expect(ArchiveStore.open(file)).rejects.toThrow(/not\.tar: bad header checksum at byte 0 \(not a tar archive\?\)/);
  });
});

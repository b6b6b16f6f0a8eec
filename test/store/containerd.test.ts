// layerscope on a real containerd root (containerd 1.7 alone, namespaces k8s.io and default),
// compared with ctr's own answers (fixtures/containerd/answers, captured by make.sh).
import {readdirSync, renameSync, symlinkSync, truncateSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openSource} from '../../source/store/open.js';
import {humanSize} from '../../source/tree/human.js';
import {cli, cliJson} from '../helpers/cli.js';
import {answer, cleanupFixtures, extractFixture, fixtureSkip} from '../helpers/fixture-root.js';
import {itImagesMatchContentStore} from '../helpers/layer-blobs.js';
import {ctrBytes, ctrTable, diffAsTarPaths, mountedTree, tarPaths as fixtureTarPaths} from '../helpers/ctr-answers.js';

const NAME = 'containerd';
const skip = fixtureSkip(NAME);

const table = (file: string) => ctrTable(NAME, file);
const tarPaths = (file: string) => fixtureTarPaths(NAME, file);

describe.skipIf(!!skip)(`containerd root vs ctr's answers${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let root: string;
  beforeAll(() => {
    root = join(extractFixture(NAME), 'root');
  });
  afterAll(cleanupFixtures);

  for (const ns of ['k8s.io', 'default']) {
    it(`images --namespace ${ns} equal ctr -n ${ns} images ls (ids = target digests, tags and digest names, content sizes)`, async () => {
      const want = table(`images-${ns}.txt`).map((r) => `${r[0]!.replace(/^docker\.io\/library\//, '')}|${r[2]}|${r[3]} ${r[4]}`);
      const got = cliJson<{Repository: string; Tag: string; ID: string; ContentSize: number}[]>(['images', '--root', root, '--namespace', ns]);
      const store = await openSource(root, {namespace: ns});
      // every name ctr lists: the tags, and the digest references (`ctr images import --digests`)
      const digestRefs = [...store.images.values()].flatMap((i) => i.digests.map((d) => `${d}|${i.id}|${ctrBytes(i.contentSize!)}`));
      expect(new Set([...got.map((g) => `${g.Repository}:${g.Tag}|${g.ID}|${ctrBytes(g.ContentSize)}`), ...digestRefs])).toEqual(new Set(want));
    });
  }

  for (const ns of ['k8s.io', 'default']) {
    it(`df --namespace ${ns}: the content store's blobs equal ctr -n ${ns} content ls`, () => {
      const want = table(`content-${ns}.txt`).map((r) => `${r[0]}|${r[1]}`);
      const got = cliJson<{Content: {Digest: string; Size: number}[]}>(['df', '--root', root, '--namespace', ns]).Content;
      // ctr prints sizes with go-units HumanSize (4 significant digits, decimal units)
      expect(new Set(got.map((c) => `${c.Digest}|${humanSize(c.Size)}`))).toEqual(new Set(want));
    });
  }

  itImagesMatchContentStore(NAME, () => root, ['k8s.io', 'default']);

  it('without --namespace it reads k8s.io (a Kubernetes node) and names the others', () => {
    const r = cli(['images', '--root', root]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('tinyapp');
    expect(r.stderr).toContain('namespace k8s.io (others: default');
  });

  it('an unknown namespace is an error naming the ones there are', () => {
    const r = cli(['images', '--root', root, '--namespace', 'nope']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('no namespace nope (namespaces: default, k8s.io)');
  });

  it('containers: ctr containers plus active snapshots no container owns, with their images', () => {
    const got = cliJson<{Containers: {ID: string; Image: string; SizeRw: number}[]}>(['df', '--root', root, '--namespace', 'k8s.io']).Containers;
    const containers = table('containers-k8s.io.txt').map((r) => `${r[0]}|${r[1]!.replace(/^docker\.io\/library\//, '')}`);
    const loose = table('snapshots-k8s.io.txt')
      .filter((r) => r.at(-1) === 'Active' && !containers.some((c) => c.startsWith(`${r[0]}|`)))
      .map((r) => `${r[0]}|`);
    expect(new Set(got.map((c) => `${c.ID}|${c.Image}`))).toEqual(new Set([...containers, ...loose]));
  });

  for (const ns of ['k8s.io', 'default']) {
    it(`sizes in ${ns} equal ctr snapshots usage (active: SizeRw; committed: history layer sizes)`, () => {
      const usage = new Map(table(`snapshots-usage-${ns}.txt`).map((r) => [r[0]!, `${r[1]} ${r[2]}`]));
      const df = cliJson<{Containers: {ID: string; SizeRw: number}[]}>(['df', '--root', root, '--namespace', ns]);
      for (const c of df.Containers) expect([c.ID, ctrBytes(c.SizeRw)]).toEqual([c.ID, usage.get(c.ID)]);
      const images = cliJson<{ID: string}[]>(['images', '--root', root, '--namespace', ns]);
      for (const image of images) {
        const rows = cliJson<{Size: number; EmptyLayer: boolean; Layer?: number}[]>(['history', image.ID, '--root', root, '--namespace', ns]).filter(
          (h) => !h.EmptyLayer,
        );
        const chain = cliJson<{LayerId: string}[]>(['ls', `${image.ID}@${rows.length - 1}`, '/bin', '--root', root, '--namespace', ns]);
        expect(chain.length).toBeGreaterThan(0);
        const committed = table(`snapshots-${ns}.txt`)
          .filter((r) => r.at(-1) === 'Committed')
          .map((r) => r[0]!);
        // every layer's size is one committed snapshot's usage
        for (const h of rows) expect(committed.map((k) => usage.get(k))).toContain(ctrBytes(h.Size));
      }
    });
  }

  for (const [ns, key] of [
    ['k8s.io', 'run1'],
    ['default', 'run2'],
    ['k8s.io', 'scratch1'],
  ] as const) {
    it(`ls ${key} (${ns}) equals the tree the kernel mounts with containerd's own mount options`, () => {
      const {ours, theirs} = mountedTree(NAME, ns, key, cliJson(['ls', key, '/', '--root', root, '--namespace', ns]));
      expect(ours).toEqual(theirs);
    });
  }

  it('container records: created time (Go MarshalBinary), image and command (the spec, a protobuf Any) equal ctr containers info', async () => {
    for (const [ns, id] of [
      ['k8s.io', 'run1'],
      ['k8s.io', 'idle1'],
      ['default', 'run2'],
    ] as const) {
      const info = JSON.parse(answer(NAME, `container-info-${ns}-${id}.json`)) as {CreatedAt: string; Image: string; Spec: {process: {args: string[]}}};
      const store = await openSource(root, {namespace: ns});
      const c = store.containers.find((x) => x.id === id)!;
      expect([c.created, c.imageRef, c.command]).toEqual([info.CreatedAt, info.Image.replace(/^docker\.io\/library\//, ''), info.Spec.process.args.join(' ')]);
    }
  });

  it('a damaged snapshotter database: the catalog still shows, the database and the unreadable layers are named', () => {
    const copy = join(extractFixture(NAME), 'root');
    writeFileSync(join(copy, 'io.containerd.snapshotter.v1.overlayfs', 'metadata.db'), 'not a bolt file');
    const r = cli(['images', '--root', copy, '--namespace', 'k8s.io']);
    expect(r.code).toBe(3); // listed, but not whole: the warnings say what is missing
    expect(r.stdout).toContain('tinyapp');
    expect(r.stderr).toContain('overlayfs/metadata.db');
    expect(r.stderr).toContain('is not unpacked');
    expect(cli(['ls', 'tinyapp:2', '--root', copy, '--namespace', 'k8s.io']).stderr).toContain('snapshots/(missing)');
  });

  it('a snapshot directory replaced by a symbolic link is named and never followed out of the root', () => {
    const copy = join(extractFixture(NAME), 'root');
    const snapshots = join(copy, 'io.containerd.snapshotter.v1.overlayfs', 'snapshots');
    for (const id of readdirSync(snapshots)) {
      renameSync(join(snapshots, id, 'fs'), join(snapshots, id, 'fs.real'));
      symlinkSync('/etc', join(snapshots, id, 'fs'));
    }
    const r = cli(['ls', 'tiny:1', '/', '--root', copy, '--namespace', 'default', '--json']);
    expect(r.stderr).toContain('symbolic link');
    expect(r.stdout).not.toContain('os-release');
  });

  it('a truncated meta.db is an error naming the file, never an empty store', () => {
    const copy = join(extractFixture(NAME), 'root');
    truncateSync(join(copy, 'io.containerd.metadata.v1.bolt', 'meta.db'), 100);
    const r = cli(['images', '--root', copy]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('meta.db');
    expect(r.stdout).toBe('');
  });

  for (const [ns, key] of [
    ['k8s.io', 'run1'],
    ['k8s.io', 'idle1'],
    ['k8s.io', 'scratch1'],
    ['default', 'run2'],
  ] as const) {
    it(`diff ${key} (${ns}) equals containerd's own differ (ctr snapshots diff)`, () => {
      const r = cli(['diff', key, '--root', root, '--namespace', ns, '--json']);
      expect(r.code).toBe(0);
      expect(diffAsTarPaths(r.stdout)).toEqual(tarPaths(`snapshot-diff-${ns}-${key}.txt`));
    });
  }
});

// A held-out containerd 1.7 root (fixtures/heldout2-containerd/make.sh: three namespaces and no
// k8s.io, images from a docker save archive layerscope's engine built, a committed snapshot with an
// active one on it, a view), compared with ctr's own answers.
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openSource} from '../../source/store/open.js';
import {humanSize} from '../../source/tree/human.js';
import {containerLine, layerRows} from '../../source/ui/rows.js';
import {cli, cliJson} from '../helpers/cli.js';
import {answer, cleanupFixtures, extractFixture, fixtureSkip} from '../helpers/fixture-root.js';
import {itImagesMatchContentStore} from '../helpers/layer-blobs.js';
import {ctrBytes, ctrTable, diffAsTarPaths, mountedTree, tarPaths as fixtureTarPaths} from '../helpers/ctr-answers.js';

const NAME = 'heldout2-containerd';
const skip = fixtureSkip(NAME);
const NAMESPACES = ['team-a', 'team-b', 'default'];

const table = (file: string) => ctrTable(NAME, file);
const tarPaths = (file: string) => fixtureTarPaths(NAME, file);

describe.skipIf(!!skip)(`a held-out containerd root vs ctr's answers${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let root: string;
  beforeAll(() => {
    root = join(extractFixture(NAME), 'root');
  });
  afterAll(cleanupFixtures);

  it('without --namespace and no k8s.io it reads default and names the others', () => {
    const r = cli(['images', '--root', root]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('namespace default (others: team-a, team-b');
  });

  for (const ns of NAMESPACES) {
    it(`images --namespace ${ns} equal ctr images ls; df's content store equals ctr content ls`, () => {
      const want = table(`images-${ns}.txt`).map((r) => `${r[0]!.replace(/^docker\.io\/library\//, '')}|${r[2]}|${r[3]} ${r[4]}`);
      const got = cliJson<{Repository: string; Tag: string; ID: string; ContentSize: number}[]>(['images', '--root', root, '--namespace', ns]);
      expect(new Set(got.map((g) => `${g.Repository}:${g.Tag}|${g.ID}|${ctrBytes(g.ContentSize)}`))).toEqual(new Set(want));
      const content = cliJson<{Content: {Digest: string; Size: number}[]}>(['df', '--root', root, '--namespace', ns]).Content;
      expect(new Set(content.map((c) => `${c.Digest}|${humanSize(c.Size)}`))).toEqual(new Set(table(`content-${ns}.txt`).map((r) => `${r[0]}|${r[1]}`)));
    });

    it(`containers and active snapshots of ${ns}, their sizes equal ctr snapshots usage`, () => {
      const got = cliJson<{Containers: {ID: string; SizeRw: number}[]}>(['df', '--root', root, '--namespace', ns]).Containers;
      const containers = table(`containers-${ns}.txt`).map((r) => r[0]!);
      const active = table(`snapshots-${ns}.txt`)
        .filter((r) => r.at(-1) === 'Active')
        .map((r) => r[0]!);
      expect(new Set(got.map((c) => c.ID))).toEqual(new Set([...containers, ...active]));
      const usage = new Map(table(`snapshots-usage-${ns}.txt`).map((r) => [r[0]!, `${r[1]} ${r[2]}`]));
      for (const c of got) expect([c.ID, ctrBytes(c.SizeRw)]).toEqual([c.ID, usage.get(c.ID)]);
    });
  }

  itImagesMatchContentStore(NAME, () => root, NAMESPACES);

  it("the explorer's layers pane shows a container's writable layer at ctr snapshots usage", async () => {
    for (const [ns, id] of [
      ['team-a', 'ra'],
      ['team-b', 'rb'],
    ] as const) {
      const usage = new Map(table(`snapshots-usage-${ns}.txt`).map((r) => [r[0]!, `${r[1]} ${r[2]}`]));
      const store = await openSource(root, {namespace: ns});
      const container = store.containers.find((c) => c.id === id)!;
      const rows = layerRows(store, store.images.get(container.imageId), container);
      expect([id, ctrBytes(rows.at(-1)!.size!)]).toEqual([id, usage.get(id)]);
    }
  });

  it("the explorer's line for an active snapshot with no image names no image", async () => {
    const store = await openSource(root, {namespace: 'team-b'});
    expect(
      containerLine(
        store,
        store.containers.find((c) => c.id === 's2')!,
      ),
    ).toBe('s2 (Created)');
  });

  it("mounts: a container's bind mounts equal the binds of its spec (ctr containers info), the runtime's own left out", () => {
    for (const [ns, id] of [
      ['team-a', 'ra'],
      ['team-a', 'ca'],
      ['team-b', 'rb'],
    ] as const) {
      const spec = (
        JSON.parse(answer(NAME, `container-info-${ns}-${id}.json`)) as {
          Spec: {mounts: {type: string; source: string; destination: string; options?: string[]}[]};
        }
      ).Spec;
      const want = spec.mounts.filter((m) => m.type === 'bind').map((m) => [m.source, m.destination, !(m.options ?? []).includes('ro')]);
      const got = cliJson<{Type: string; Source: string; Destination: string; RW: boolean}[]>(['mounts', id, '--root', root, '--namespace', ns]);
      expect(got.map((m) => [m.Source, m.Destination, m.RW])).toEqual(want);
      expect(got.every((m) => m.Type === 'bind')).toBe(true);
    }
    expect(cliJson<unknown[]>(['mounts', 'ra', '--root', root, '--namespace', 'team-a'])).toHaveLength(1);
  });

  for (const [ns, key] of [
    ['team-a', 'ra'],
    ['team-b', 'rb'],
    ['team-b', 's2'],
  ] as const) {
    it(`ls ${key} (${ns}) equals the tree the kernel mounts with containerd's own mount options`, () => {
      const {ours, theirs} = mountedTree(NAME, ns, key, cliJson(['ls', key, '/', '--root', root, '--namespace', ns]));
      expect(ours).toEqual(theirs);
    });
  }

  for (const [ns, key] of [
    ['team-a', 'ra'],
    ['team-a', 'ca'],
    ['team-b', 'rb'],
    ['team-b', 's2'],
  ] as const) {
    it(`diff ${key} (${ns}) equals containerd's own differ (ctr snapshots diff)`, () => {
      const r = cli(['diff', key, '--root', root, '--namespace', ns, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(diffAsTarPaths(r.stdout)).toEqual(tarPaths(`snapshot-diff-${ns}-${key}.txt`));
    });
  }
});

// Reading every layer on both cores (a worker thread, trees sent back encoded) must give exactly
// the trees a plain sequential read gives. The worker only exists compiled, so this uses dist/.
import {existsSync} from 'node:fs';
import {resolve} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DockerStore as SourceStore} from '../../source/store/store.js';
import {Problems} from '../../source/store/problems.js';
import {scanLayerDir} from '../../source/store/scan.js';
import {decodeTree, encodeTree} from '../../source/store/scan-codec.js';
import type {LayerNode} from '../../source/tree/entry.js';
import {canExtract, cleanupExtracted, extractRealStoreA, skipReason} from '../helpers/real-store.js';

const DIST_STORE = resolve(import.meta.dirname, '../../dist/store/store.js');

/** Every node as a line: path, flags and every meta field, in a stable order. */
function flatten(node: LayerNode, path = ''): string[] {
  const m = node.meta;
  const line = `${path || '/'} ${node.whiteout ? 'W' : '-'}${node.opaque ? 'O' : '-'} ${m.kind} ${m.mode} ${m.uid}:${m.gid} ${m.size} ${m.mtimeSec}.${m.mtimeNsec} ${m.rdev} ${m.ino} ${m.nlink} ${m.target ?? ''}`;
  const kids = [...(node.children?.values() ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
  return [line, ...kids.flatMap((k) => flatten(k, `${path}/${k.name}`))];
}

describe.skipIf(!canExtract)(`parallel scan${canExtract ? '' : ` (skipped: ${skipReason})`}`, () => {
  let root: string;
  beforeAll(() => {
    root = extractRealStoreA();
  });
  afterAll(cleanupExtracted);

  it('the codec gives back every field, whiteouts, opaque marks and link targets', () => {
    const store = new SourceStore(root);
    for (const layer of store.layers.values()) {
      const tree = scanLayerDir(layer.dir, new Problems());
      expect(flatten(decodeTree(encodeTree(tree)))).toEqual(flatten(tree));
    }
  });

  it.skipIf(!existsSync(DIST_STORE))('indexAll on two threads equals a sequential read of every layer', async () => {
    const {DockerStore} = (await import(DIST_STORE)) as {DockerStore: typeof SourceStore};
    const parallel = new DockerStore(root);
    await parallel.indexAll();
    const sequential = new SourceStore(root);
    expect([...parallel.layers.keys()].sort()).toEqual([...sequential.layers.keys()].sort());
    for (const id of sequential.layers.keys()) expect(flatten(parallel.tree(id)), id).toEqual(flatten(sequential.tree(id)));
    expect(parallel.problemList).toEqual(sequential.problemList);
    const web1 = parallel.containers.find((c) => c.name === 'web1')!;
    expect(parallel.containerChanges(web1).map((c) => `${c.kind} ${c.path}`)).toContain('D /usr/lib/python3/site-packages/flask/app.py');
  });
});

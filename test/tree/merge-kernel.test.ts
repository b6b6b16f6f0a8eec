// Differential test: seeded random layer stacks (real directories, char-device whiteouts, opaque
// xattrs) are scanned and merged by layerscope, and mounted by the kernel's overlayfs; every merged
// view must list what the mount lists. Merged directories are built when first read, so the views
// are read in a random order, some of them partly first: the order must not change any answer.
//   LAYERSCOPE_MERGE_SEED=n   replay the single stack n (printed on failure); with _COUNT, start there
//   LAYERSCOPE_MERGE_COUNT=n  run n stacks (default 150, `npm run test:deep` 3000)
import {lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {Problems} from '../../source/store/problems.js';
import {scanLayerDir} from '../../source/store/scan.js';
import type {MergedNode} from '../../source/tree/entry.js';
import {mergeAll} from '../../source/tree/merge.js';
import {buildLayer, canMountOverlay, mountOverlay, removeWhiteoutTemplates, scratchDir, umountAll, umountOverlay, type LayerItem} from '../helpers/overlay.js';
import {budget} from '../helpers/budget.js';
import {int, randomLayer, seeded} from '../helpers/random.js';

const stacks = budget('MERGE', {quick: 150, deep: 3000}, 1000);
const mount = canMountOverlay();

/** One line per entry under `path`: kind, mode, owner, size, link target. */
function line(path: string, kind: string, mode: number, uid: number, gid: number, size: number, target = ''): string {
  return `${path} ${kind} ${(mode & 0o7777).toString(8)} ${uid}:${gid} ${kind === 'dir' ? '-' : size} ${target}`;
}

function describeMerged(node: MergedNode, prefix = ''): string[] {
  const out: string[] = [];
  for (const [name, child] of [...(node.children ?? [])].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const path = `${prefix}/${name}`;
    const m = child.meta;
    out.push(line(path, m.kind, m.mode, m.uid, m.gid, m.size, m.target));
    if (child.children) out.push(...describeMerged(child, path));
  }
  return out;
}

function describeMount(root: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, prefix)).sort()) {
    const path = `${prefix}/${name}`;
    // A directory only one layer has is listed as it is on disk, whiteouts included, though
    // looking one up finds nothing: a whiteout hides its name, so it is not an entry.
    const st = lstatSync(join(root, path), {throwIfNoEntry: false});
    if (!st) continue;
    const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
    out.push(line(path, kind, st.mode, st.uid, st.gid, st.size, kind === 'symlink' ? readlinkSync(join(root, path)) : ''));
    if (st.isDirectory()) out.push(...describeMount(root, path));
  }
  return out;
}

/** Read a view only down one random path, so later full reads start from a partly built view. */
function readPartly(view: MergedNode, random: () => number): void {
  let node: MergedNode | undefined = view;
  while (node?.children && node.children.size > 0) {
    const names = [...node.children.keys()];
    node = node.children.get(names[int(random, names.length)]!);
  }
}

let scratch: ReturnType<typeof scratchDir>;

/** Undefined when every view equals the kernel's, else a report of the first difference. */
function runStack(seed: number): string | undefined {
  const random = seeded(seed);
  const plan: LayerItem[][] = Array.from({length: 1 + int(random, 5)}, () => randomLayer(random));
  const root = mkdtempSync(join(scratch.path, 'stack-'));
  try {
    const dirs = plan.map((items, i) => {
      const dir = join(root, `layer${i}`);
      buildLayer(dir, items);
      return dir;
    });
    const views = mergeAll(dirs.map((dir) => scanLayerDir(dir, new Problems(), {overlay: true})));
    for (const i of views.map((_, i) => i).sort(() => random() - 0.5)) {
      if (random() < 0.5) readPartly(views[int(random, views.length)]!, random);
      const merged = join(root, `merged${i}`);
      const [upper, work] = [join(root, `upper${i}`), join(root, `work${i}`)];
      for (const dir of [merged, upper, work]) mkdirSync(dir);
      mountOverlay({lowers: dirs.slice(0, i + 1).reverse(), upper, work, merged});
      const kernel = describeMount(merged);
      umountOverlay(merged);
      const ours = describeMerged(views[i]!);
      if (ours.join('\n') !== kernel.join('\n')) {
        const layers = plan.map((items, k) => `  layer ${k}:\n${items.map((item) => `    ${JSON.stringify(item)}`).join('\n')}`).join('\n');
        return `${stacks.replay(seed)}: view ${i} differs\n${layers}\n  ours:\n    ${ours.join('\n    ')}\n  kernel:\n    ${kernel.join('\n    ')}`;
      }
    }
    return undefined;
  } finally {
    umountAll();
    rmSync(root, {recursive: true, force: true});
  }
}

describe.skipIf(!mount.ok)(`merged views vs kernel overlayfs${mount.ok ? '' : ` (skipped: ${mount.reason})`}`, () => {
  beforeAll(() => {
    scratch = scratchDir('merge-kernel');
  });
  afterAll(() => {
    umountAll();
    scratch?.dispose();
    removeWhiteoutTemplates();
  });

  it(
    'seeded stacks, views read in random order',
    () => {
      console.log(`merged views vs kernel overlayfs: ${stacks.summary}`);
      for (const seed of stacks.seeds) expect(runStack(seed)).toBeUndefined();
    },
    120_000 + stacks.seeds.length * 1000,
  );
});

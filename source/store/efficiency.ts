// Image efficiency as dive computes it (wagoodman/dive filetree/efficiency.go, image Analyze):
// every leaf of every layer is a path appearance; a path's cost is the sum of its appearances'
// sizes, its minimum the smallest; score = Σ minimums / Σ costs; wasted bytes = Σ costs of the
// paths seen in two or more layers. Sizes are what each layer's tar says, so a layer read
// from an overlay2 diff directory is first brought to its tar form.
import {sortedChildren, type LayerNode} from '../tree/entry.js';
import {WH_PREFIX} from './archive-layer.js';
import type {Image} from './model.js';
import type {LayerStore} from './store.js';

export interface InefficientFile {
  path: string;
  /** Number of layers the path appears in (added, changed or deleted). */
  count: number;
  /** Sum of its sizes over those layers. */
  wastedBytes: number;
}

export interface Efficiency {
  /** 0..1; 1 when nothing is duplicated or deleted. */
  score: number;
  sizeBytes: number;
  /** Bytes of all layers but the first (the base). */
  userSizeBytes: number;
  wastedBytes: number;
  /** wastedBytes / userSizeBytes, a fraction (dive's name); NaN or Infinity when there is no user layer. */
  userWastedPercent: number;
  /** Largest waste first. */
  inefficient: InefficientFile[];
}

/** dive's file tree node: a whiteout keeps its `.wh.` name; opaque markers are not part of it. */
interface DiveNode {
  size: number;
  dir: boolean;
  whiteout: boolean;
  children: Map<string, DiveNode>;
}

function node(size: number, dir: boolean, whiteout = false): DiveNode {
  return {size, dir, whiteout, children: new Map()};
}

/**
 * A layer's change set in dive's form with the sizes its tar gives: directories, symlinks,
 * devices and whiteouts 0; of several names of one inode (hard links), the first in the
 * lexical walk Docker's tar writer makes carries the size, the others are 0-sized links.
 * Sockets are left out, as Docker's tar writer leaves them out.
 */
export function tarTree(layer: LayerNode): DiveNode {
  const seen = new Set<number>();
  const convert = (from: LayerNode, to: DiveNode): void => {
    for (const child of sortedChildren(from)) {
      if (child.whiteout) {
        to.children.set(WH_PREFIX + child.name, node(0, false, true));
        continue;
      }
      const {kind, nlink, ino} = child.meta;
      if (kind === 'socket') continue;
      let size = kind === 'file' ? child.meta.size : 0;
      if (kind === 'file' && nlink > 1) {
        if (seen.has(ino)) size = 0;
        seen.add(ino);
      }
      const out = node(size, kind === 'dir');
      to.children.set(child.name, out);
      if (child.children) convert(child, out);
    }
  };
  const root = node(0, true);
  convert(layer, root);
  return root;
}

/** Leaves in dive's visit order (children first, keys sorted), with their paths. */
function* leaves(n: DiveNode, base = ''): Generator<[string, DiveNode]> {
  for (const key of [...n.children.keys()].sort()) {
    const child = n.children.get(key)!;
    if (child.children.size) yield* leaves(child, `${base}/${key}`);
    else yield [`${base}/${child.whiteout ? key.slice(WH_PREFIX.length) : key}`, child];
  }
}

function get(root: DiveNode, path: string): DiveNode | undefined {
  let n: DiveNode | undefined = root;
  for (const name of path.split('/').filter(Boolean)) n = n?.children.get(name);
  return n;
}

/** dive's stacking: whiteouts remove the path, other entries replace the node's info but keep its children. */
function stack(lower: DiveNode, upper: DiveNode): void {
  for (const [key, child] of upper.children) {
    if (child.whiteout) {
      lower.children.delete(key.slice(WH_PREFIX.length));
      continue;
    }
    let target = lower.children.get(key);
    if (!target) lower.children.set(key, (target = node(child.size, child.dir)));
    target.size = child.size;
    target.dir = child.dir;
    stack(target, child);
  }
}

function subtreeSize(n: DiveNode): number {
  let sum = n.size;
  for (const c of n.children.values()) sum += subtreeSize(c);
  return sum;
}

interface PathData {
  path: string;
  count: number;
  cumulative: number;
  min: number;
}

/** Efficiency of a stack of layers (bottom first), each a change set. */
export function efficiency(layers: LayerNode[]): Efficiency {
  const trees = layers.map(tarTree);
  const byPath = new Map<string, PathData>();
  const inefficient: PathData[] = [];
  const stacked = node(0, true);
  trees.forEach((tree, i) => {
    // dive sizes a whiteout against the layers below it (for the base layer: the base itself).
    const below = i === 0 ? tree : stacked;
    for (const [path, leaf] of leaves(tree)) {
      let size = leaf.size;
      if (leaf.whiteout) {
        const previous = get(below, path);
        size = previous?.dir ? subtreeSize(previous) : 0;
      }
      let data = byPath.get(path);
      if (!data) byPath.set(path, (data = {path, count: 0, cumulative: 0, min: size}));
      data.cumulative += size;
      data.min = Math.min(data.min, size);
      if (++data.count === 2) inefficient.push(data);
    }
    stack(stacked, tree);
  });
  let minimum = 0;
  let discovered = 0;
  for (const d of byPath.values()) {
    minimum += d.min;
    discovered += d.cumulative;
  }
  const sizes = trees.map(subtreeSize);
  const sizeBytes = sizes.reduce((a, b) => a + b, 0);
  const userSizeBytes = sizeBytes - (sizes[0] ?? 0);
  const wastedBytes = inefficient.reduce((a, d) => a + d.cumulative, 0);
  return {
    score: discovered === 0 ? 1 : minimum / discovered,
    sizeBytes,
    userSizeBytes,
    wastedBytes,
    userWastedPercent: wastedBytes / userSizeBytes,
    inefficient: inefficient
      .map((d) => ({path: d.path, count: d.count, wastedBytes: d.cumulative}))
      .sort((a, b) => b.wastedBytes - a.wastedBytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  };
}

export function imageEfficiency(store: LayerStore, image: Image): Efficiency {
  return efficiency(image.layers.map((id) => store.tree(id)));
}

// ---------------------------------------------------------------- CI rules (dive's runtime/ci)

export type RuleStatus = 'PASS' | 'FAIL' | 'SKIP';

export interface RuleResult {
  name: 'lowestEfficiency' | 'highestWastedBytes' | 'highestUserWastedPercent';
  status: RuleStatus;
  message?: string;
}

/** Rule settings as given ('disabled' turns a rule off); dive's defaults. */
export interface RuleConfig {
  lowestEfficiency: string;
  highestWastedBytes: string;
  highestUserWastedPercent: string;
}

export const DEFAULT_RULES: RuleConfig = {lowestEfficiency: '0.9', highestWastedBytes: 'disabled', highestUserWastedPercent: '0.1'};

const SIZE_UNITS: Record<string, number> = {'': 1, b: 1};
['k', 'm', 'g', 't', 'p', 'e'].forEach((p, i) => {
  SIZE_UNITS[p] = SIZE_UNITS[`${p}b`] = 1000 ** (i + 1);
  SIZE_UNITS[`${p}i`] = SIZE_UNITS[`${p}ib`] = 1024 ** (i + 1);
});

/** go-humanize ParseBytes: `20MB` = 20·10⁶, `20MiB` = 20·2²⁰, `1,000 kB`, a bare number is bytes. */
export function parseBytes(text: string): number {
  const m = /^([\d.,]*)(.*)$/.exec(text)!;
  const num = Number(m[1]!.replace(/,/g, ''));
  const unit = SIZE_UNITS[m[2]!.trim().toLowerCase()];
  if (m[1] === '' || !Number.isFinite(num)) throw new Error(`invalid size '${text}'`);
  if (unit === undefined) throw new Error(`unhandled size name: ${m[2]!.trim().toLowerCase()}`);
  return Math.floor(num * unit);
}

function fraction(value: string, name: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new Error(`${name}: invalid value '${value}'`);
  if (n < 0 || n > 1) throw new Error(`${name}: outside the allowed range (0-1), given '${value}'`);
  return n;
}

/** Check every enabled setting up front, as dive does before evaluating (misconfigured: no verdict). */
export function validateRules(config: RuleConfig): void {
  if (config.lowestEfficiency !== 'disabled') fraction(config.lowestEfficiency, 'lowestEfficiency');
  if (config.highestUserWastedPercent !== 'disabled') fraction(config.highestUserWastedPercent, 'highestUserWastedPercent');
  if (config.highestWastedBytes !== 'disabled') {
    try {
      parseBytes(config.highestWastedBytes);
    } catch (err) {
      throw new Error(`highestWastedBytes: ${(err as Error).message}`);
    }
  }
}

/** dive's three rules, in its report order (sorted by name). NaN never fails a rule, as in Go. */
export function evaluateRules(e: Efficiency, config: RuleConfig): RuleResult[] {
  validateRules(config);
  const rule = (name: RuleResult['name'], value: string, fails: (v: string) => string | undefined): RuleResult => {
    if (value === 'disabled') return {name, status: 'SKIP', message: 'rule disabled'};
    const message = fails(value);
    return message ? {name, status: 'FAIL', message} : {name, status: 'PASS'};
  };
  return [
    rule('highestUserWastedPercent', config.highestUserWastedPercent, (v) =>
      Number(v) < e.userWastedPercent ? `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${e.userWastedPercent} > threshold=${Number(v)})` : undefined),
    rule('highestWastedBytes', config.highestWastedBytes, (v) =>
      e.wastedBytes > parseBytes(v) ? `too many bytes wasted (wasted-bytes=${e.wastedBytes} > threshold=${parseBytes(v)})` : undefined),
    rule('lowestEfficiency', config.lowestEfficiency, (v) =>
      Number(v) > e.score ? `image efficiency is too low (efficiency=${e.score} < threshold=${Number(v)})` : undefined),
  ];
}

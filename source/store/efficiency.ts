// Image efficiency as dive computes it (wagoodman/dive filetree/efficiency.go, image Analyze):
// every leaf of every layer is a path appearance; a path's cost is the sum of its appearances'
// sizes, its minimum the smallest; score = Σ minimums / Σ costs; wasted bytes = Σ costs of the
// paths seen in two or more layers. Sizes are what each layer's tar says, so a layer read
// from an overlay2 diff directory is first brought to its tar form.
import {sortedChildren, type LayerNode} from '../tree/entry.js';
import {finish, type Steps} from '../tree/steps.js';
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

/** A node of dive's stack of layers, where a whiteout is sized: a deleted directory counts its subtree's bytes. */
interface StackNode {
  size: number;
  dir: boolean;
  children: Map<string, StackNode> | undefined;
}

/** A directory of the image: the layers that have it (their indexes, bottom first) and their node there. */
interface Frame {
  path: string;
  layers: number[];
  nodes: LayerNode[];
}

const stackNode = (size: number, dir: boolean): StackNode => ({size, dir, children: undefined});

/** dive leaves sockets out of a layer, as Docker's tar writer does. */
const inTar = (n: LayerNode): boolean => n.whiteout === true || n.meta.kind !== 'socket';

/** Whether a directory has an entry of dive's tree under it; one that has none is a leaf. */
function hasEntries(n: LayerNode): boolean {
  if (n.children) for (const c of n.children.values()) if (inTar(c)) return true;
  return false;
}

/**
 * The names of an inode (hard links of an overlay2 diff) that its tar holds as 0-sized links: all
 * but the first in the walk Docker's tar writer makes (a directory's entries by name, then its
 * subdirectories by name).
 */
function linkedNames(layer: LayerNode): Set<LayerNode> {
  const seen = new Set<number>();
  const zero = new Set<LayerNode>();
  const todo = [layer];
  for (let from = todo.pop(); from; from = todo.pop()) {
    const dirs: LayerNode[] = [];
    for (const child of sortedChildren(from)) {
      if (child.whiteout) continue;
      const {kind, nlink, ino} = child.meta;
      if (kind === 'socket') continue;
      if (kind === 'file' && nlink > 1) {
        if (seen.has(ino) && child.meta.link === undefined) zero.add(child);
        seen.add(ino);
      }
      if (child.children) dirs.push(child);
    }
    for (let i = dirs.length - 1; i >= 0; i--) todo.push(dirs[i]!);
  }
  return zero;
}

function subtreeSize(root: StackNode): number {
  let sum = 0;
  const todo = [root];
  for (let n = todo.pop(); n; n = todo.pop()) {
    sum += n.size;
    if (n.children) for (const c of n.children.values()) todo.push(c);
  }
  return sum;
}

/** A layer entry's size in its tar, given the layer's 0-sized hard links (made on first need). */
class TarSizes {
  private zero: Set<LayerNode> | undefined;

  constructor(private readonly layer: LayerNode) {}

  of(n: LayerNode): number {
    const {kind, nlink, link} = n.meta;
    if (kind !== 'file' || link !== undefined) return 0; // a tar hard link is 0-sized
    if (nlink > 1) this.zero ??= linkedNames(this.layer);
    return this.zero?.has(n) ? 0 : n.meta.size;
  }
}

/**
 * What a whiteout at `names` deletes, sized as dive does: the bytes of the subtree there in the
 * stack of the `below` bottom layers if that is a directory, else 0. dive stacks every
 * layer whole; only this path's subtree is stacked here, from each layer's entries at and below it.
 */
function deletedSize(layers: LayerNode[], below: number, sizes: TarSizes[], names: string[]): number {
  let here: StackNode | undefined;
  for (let j = 0; j < below; j++) {
    const layer = layers[j]!;
    let n: LayerNode | undefined = layer;
    for (const name of names) {
      n = n.children?.get(name);
      if (!n) break;
      // A whiteout at the path or above it deletes what the layers below held there.
      if (n.whiteout) here = n = undefined;
      if (!n) break;
    }
    if (!n || !inTar(n)) continue;
    // dive's stacking: whiteouts remove the path, other entries replace the node's info but keep its children.
    const size = sizes[j]!.of(n);
    here ??= stackNode(size, false);
    const todo: [StackNode, LayerNode][] = [[here, n]];
    for (let next = todo.pop(); next; next = todo.pop()) {
      const [lower, upper] = next;
      lower.size = upper === n ? size : sizes[j]!.of(upper);
      lower.dir = upper.meta.kind === 'dir';
      if (!upper.children) continue;
      for (const child of upper.children.values()) {
        if (child.whiteout) lower.children?.delete(child.name);
        else if (inTar(child)) {
          let target = lower.children?.get(child.name);
          if (!target) (lower.children ??= new Map()).set(child.name, (target = stackNode(0, false)));
          todo.push([target, child]);
        }
      }
    }
  }
  return here?.dir ? subtreeSize(here) : 0;
}

/** One name of a directory over the layers that have it: dive's figures for its path, and the layers where it is a directory with entries. */
interface Name {
  name: string;
  count: number;
  cost: number;
  min: number;
  dirs: Frame | undefined;
}

const newName = (name: string): Name => ({name, count: 0, cost: 0, min: 0, dirs: undefined});

/** How many entries the walk visits between two pauses. */
const STEP = 20_000;

/** Efficiency of a stack of layers (bottom first), each a change set. */
export function efficiency(layers: LayerNode[]): Efficiency {
  return finish(efficiencySteps(layers));
}

/**
 * The same computation in steps: it pauses (yields) every few thousand entries, so a caller that
 * must stay responsive (the explorer) can spread it over ticks.
 *
 * dive converts each layer to its tree, visits every leaf with its path and keeps figures per
 * path, and stacks the layers to size whiteouts. Here the layers' change sets are walked
 * together, a directory at a time with the layers that have it: a path's appearances are all
 * seen at once, so its figures need no table and no string (but for a path in two layers or
 * more); a whiteout stacks only the subtree it deletes.
 */
export function* efficiencySteps(layers: LayerNode[]): Steps<Efficiency> {
  const sizes = layers.map((layer) => new TarSizes(layer));
  const layerSizes = layers.map(() => 0);
  const inefficient: InefficientFile[] = [];
  let minimum = 0;
  let discovered = 0;
  let entries = 0;
  const todo: Frame[] = [{path: '', layers: layers.map((_, i) => i), nodes: layers}];
  /** The appearance of `n`'s path in the frame's layer `m`, as `child`. */
  const appear = (f: Frame, m: number, child: LayerNode, n: Name): void => {
    entries++;
    const i = f.layers[m]!;
    let size = 0;
    if (child.whiteout) {
      // dive sizes a whiteout against the layers below it; in the base layer it finds nothing.
      if (i > 0) size = deletedSize(layers, i, sizes, `${f.path}/${n.name}`.split('/').slice(1));
    } else {
      size = sizes[i]!.of(child);
      layerSizes[i]! += size;
      if (hasEntries(child)) {
        n.dirs ??= {path: `${f.path}/${n.name}`, layers: [], nodes: []};
        n.dirs.layers.push(i);
        n.dirs.nodes.push(child);
        return;
      }
    }
    n.min = n.count === 0 ? size : Math.min(n.min, size);
    n.cost += size;
    n.count++;
  };
  /** Every appearance of `n`'s path has been seen. */
  const close = (f: Frame, n: Name): void => {
    if (n.dirs) todo.push(n.dirs);
    minimum += n.min;
    discovered += n.cost;
    if (n.count >= 2) inefficient.push({path: `${f.path}/${n.name}`, count: n.count, wastedBytes: n.cost});
  };
  for (let f = todo.pop(); f; f = todo.pop()) {
    const {nodes} = f;
    if (nodes.length > 2) {
      // A directory of many layers: its names gathered in one table.
      const names = new Map<string, Name>();
      for (let m = 0; m < nodes.length; m++) {
        for (const child of nodes[m]!.children?.values() ?? []) {
          if (!inTar(child)) continue;
          let n = names.get(child.name);
          if (!n) names.set(child.name, (n = newName(child.name)));
          appear(f, m, child, n);
        }
      }
      for (const n of names.values()) close(f, n);
    } else {
      // Of one or two layers: a name is taken at its lowest layer and looked up in the other.
      for (let j = 0; j < nodes.length; j++) {
        for (const first of nodes[j]!.children?.values() ?? []) {
          if (!inTar(first)) continue;
          const name = first.name;
          const lower = j > 0 ? nodes[0]!.children?.get(name) : undefined;
          if (lower && inTar(lower)) continue;
          const n = newName(name);
          appear(f, j, first, n);
          const upper = j === 0 && nodes.length > 1 ? nodes[1]!.children?.get(name) : undefined;
          if (upper && inTar(upper)) appear(f, 1, upper, n);
          close(f, n);
        }
      }
    }
    if (entries >= STEP) {
      entries = 0;
      yield;
    }
  }
  const sizeBytes = layerSizes.reduce((a, b) => a + b, 0);
  const userSizeBytes = sizeBytes - (layerSizes[0] ?? 0);
  const wastedBytes = inefficient.reduce((a, d) => a + d.wastedBytes, 0);
  return {
    score: discovered === 0 ? 1 : minimum / discovered,
    sizeBytes,
    userSizeBytes,
    wastedBytes,
    userWastedPercent: wastedBytes / userSizeBytes,
    inefficient: inefficient.sort((a, b) => b.wastedBytes - a.wastedBytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  };
}

export function imageEfficiency(store: LayerStore, image: Image): Efficiency {
  return efficiency(image.layers.map((id) => store.changeSet(id)));
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
      Number(v) < e.userWastedPercent
        ? `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${e.userWastedPercent} > threshold=${Number(v)})`
        : undefined,
    ),
    rule('highestWastedBytes', config.highestWastedBytes, (v) =>
      e.wastedBytes > parseBytes(v) ? `too many bytes wasted (wasted-bytes=${e.wastedBytes} > threshold=${parseBytes(v)})` : undefined,
    ),
    rule('lowestEfficiency', config.lowestEfficiency, (v) =>
      Number(v) > e.score ? `image efficiency is too low (efficiency=${e.score} < threshold=${Number(v)})` : undefined,
    ),
  ];
}

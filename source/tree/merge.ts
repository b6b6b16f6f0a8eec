// Overlay merge of change sets into persistent merged trees: a layer copies only the
// directories it touches (and only when they are first looked at), so merged views at every
// layer of every image share memory and a diff between two views can skip shared subtrees by
// identity.
import {syntheticMeta, type LayerNode, type MergedNode, type Meta} from './entry.js';

/** An empty root directory, the merged view below the first layer. */
export function emptyRoot(): MergedNode {
  return {
    name: '',
    layer: -1,
    meta: syntheticMeta('dir'),
    children: new Map(),
  };
}

/** The merged view of `layer` (index `index`) over `below`, with overlayfs rules. */
export function mergeLayer(below: MergedNode, layer: LayerNode, index: number): MergedNode {
  return new MergedDir(below, layer, index);
}

/**
 * A directory of a merged view whose children are worked out on first use: a view costs nothing
 * until it is looked at, and then only the directories looked at. Children the layer does not
 * touch are the nodes of the view below, shared by identity.
 */
class MergedDir implements MergedNode {
  readonly name: string;
  readonly meta: Meta;
  private below: MergedNode | undefined;
  private dir: LayerNode | undefined;
  private built: Map<string, MergedNode> | undefined;

  constructor(
    below: MergedNode | undefined,
    dir: LayerNode,
    readonly layer: number,
  ) {
    this.name = dir.name;
    this.meta = dir.meta;
    this.below = below;
    this.dir = dir;
  }

  get children(): Map<string, MergedNode> {
    if (this.built) return this.built;
    const dir = this.dir!;
    const inherit = this.below?.children && !dir.opaque ? this.below.children : undefined;
    const children = new Map(inherit);
    for (const [name, child] of dir.children ?? []) {
      const merged = apply(inherit?.get(name), child, this.layer);
      if (merged) children.set(name, merged);
      else children.delete(name);
    }
    this.below = this.dir = undefined; // what is built no longer needs them
    return (this.built = children);
  }
}

function apply(below: MergedNode | undefined, node: LayerNode, index: number): MergedNode | undefined {
  if (node.whiteout) return undefined;
  if (node.meta.kind === 'dir') return new MergedDir(below?.meta.kind === 'dir' ? below : undefined, node, index);
  return {name: node.name, meta: node.meta, layer: index};
}

/** Merge a stack of change sets (bottom first) and return the view after each layer. */
export function mergeAll(layers: LayerNode[], base: MergedNode = emptyRoot(), first = 0): MergedNode[] {
  const views: MergedNode[] = [];
  let view = base;
  layers.forEach((layer, i) => {
    view = mergeLayer(view, layer, first + i);
    views.push(view);
  });
  return views;
}

/** Whether a full copy's entry equals the one below it; `path` is the entry's absolute path. */
export type SameEntry = (a: MergedNode, b: LayerNode, path: string) => boolean;

/**
 * The merged view of a full root filesystem copy (vfs driver) over the view below it: entries
 * equal to the ones below keep their node (and so their layer), the rest belong to `index`.
 */
export function attributeFull(below: MergedNode, full: LayerNode, index: number, same: SameEntry): MergedNode {
  return attributeDir(below, full, index, same, '/');
}

function attributeDir(below: MergedNode | undefined, dir: LayerNode, index: number, same: SameEntry, path: string): MergedNode {
  const children = new Map<string, MergedNode>();
  let unchanged = below !== undefined && below.children !== undefined && same(below, dir, path) && below.children.size === dir.children?.size;
  for (const [name, child] of dir.children ?? []) {
    const prev = below?.children?.get(name);
    const childPath = path === '/' ? `/${name}` : `${path}/${name}`;
    let node: MergedNode;
    if (child.meta.kind === 'dir') node = attributeDir(prev?.meta.kind === 'dir' ? prev : undefined, child, index, same, childPath);
    else node = prev && prev.meta.kind !== 'dir' && same(prev, child, childPath) ? prev : {name, meta: child.meta, layer: index};
    if (node !== prev) unchanged = false;
    children.set(name, node);
  }
  return unchanged ? below! : {name: dir.name, meta: dir.meta, layer: index, children};
}

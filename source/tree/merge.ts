// Overlay merge of change sets into persistent merged trees: a layer copies only the
// directories it touches, so merged views at every layer of every image share memory
// and a diff between two views can skip shared subtrees by identity.
import type {LayerNode, MergedNode} from './entry.js';

/** An empty root directory, the merged view below the first layer. */
export function emptyRoot(): MergedNode {
  return {
    name: '',
    layer: -1,
    meta: {kind: 'dir', mode: 0o40755, uid: 0, gid: 0, size: 0, mtimeSec: 0, mtimeNsec: 0, rdev: 0, ino: 0, nlink: 1},
    children: new Map(),
  };
}

/** The merged view of `layer` (index `index`) over `below`, with overlayfs rules. */
export function mergeLayer(below: MergedNode, layer: LayerNode, index: number): MergedNode {
  return applyDir(below, layer, index);
}

function applyDir(below: MergedNode | undefined, dir: LayerNode, index: number): MergedNode {
  const inherit = below?.children && !dir.opaque ? below.children : undefined;
  const children = new Map(inherit);
  for (const [name, child] of dir.children ?? []) {
    const merged = apply(inherit?.get(name), child, index);
    if (merged) children.set(name, merged);
    else children.delete(name);
  }
  return {name: dir.name, meta: dir.meta, layer: index, children};
}

function apply(below: MergedNode | undefined, node: LayerNode, index: number): MergedNode | undefined {
  if (node.whiteout) return undefined;
  if (node.meta.kind === 'dir') return applyDir(below?.meta.kind === 'dir' ? below : undefined, node, index);
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

/**
 * The merged view of a full root filesystem copy (vfs driver) over the view below it: entries
 * equal to the ones below keep their node (and so their layer), the rest belong to `index`.
 */
export function attributeFull(below: MergedNode, full: LayerNode, index: number, same: (a: MergedNode, b: LayerNode) => boolean): MergedNode {
  return attributeDir(below, full, index, same);
}

function attributeDir(below: MergedNode | undefined, dir: LayerNode, index: number, same: (a: MergedNode, b: LayerNode) => boolean): MergedNode {
  const children = new Map<string, MergedNode>();
  let unchanged = below !== undefined && below.children !== undefined && same(below, dir) && below.children.size === dir.children?.size;
  for (const [name, child] of dir.children ?? []) {
    const prev = below?.children?.get(name);
    let node: MergedNode;
    if (child.meta.kind === 'dir') node = attributeDir(prev?.meta.kind === 'dir' ? prev : undefined, child, index, same);
    else node = prev && prev.meta.kind !== 'dir' && same(prev, child) ? prev : {name, meta: child.meta, layer: index};
    if (node !== prev) unchanged = false;
    children.set(name, node);
  }
  return unchanged ? below! : {name: dir.name, meta: dir.meta, layer: index, children};
}

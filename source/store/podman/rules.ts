// Where podman answers differently from Docker (podman 4.3: containers/common libimage,
// containers/storage pkg/archive), reproduced on our trees.
import {humanSize} from '../../tree/human.js';
import type {HistoryRow} from '../history.js';
import type {HistoryEntry, Image} from '../model.js';
import {rfc3339} from '../volumes.js';

/** podman's sizes: go-units HumanSizeWithPrecision(size, 3) with a space ("2.15 MB", "0 B"). */
export function podmanSize(bytes: number): string {
  return humanSize(bytes, 3).replace(/([0-9.e+]+)(\D.*)$/, '$1 $2');
}

function sameHistory(a: HistoryEntry, b: HistoryEntry): boolean {
  const time = (t?: string) => (t === undefined ? undefined : new Date(t).getTime() + nanos(t) / 1e6);
  return (
    time(a.created) === time(b.created) &&
    a.createdBy === b.createdBy &&
    (a.author ?? '') === (b.author ?? '') &&
    (a.comment ?? '') === (b.comment ?? '') &&
    a.emptyLayer === b.emptyLayer
  );
}

/** The sub-millisecond part of an RFC 3339 time, in nanoseconds. */
function nanos(t: string): number {
  const frac = /\.(\d+)/.exec(t)?.[1] ?? '';
  return Number(frac.slice(3, 9).padEnd(6, '0'));
}

/** libimage areParentAndChild: the child has all the parent's diff ids and one more history entry. */
export function areParentAndChild(parent: Image, child: Image): boolean {
  if (parent.diffIds.length > child.diffIds.length) return false;
  if (parent.diffIds.some((d, i) => child.diffIds[i] !== d)) return false;
  if (parent.history.length + 1 !== child.history.length) return false;
  return parent.history.every((h, i) => sameHistory(h, child.history[i]!));
}

export interface LayerTree {
  /** Images by their top layer, in images.json order (libimage's layerTree nodes). */
  imagesAt: Map<string, Image[]>;
  parentLayer: (layer: string) => string | undefined;
  childLayers: Map<string, string[]>;
}

/** libimage layerTree.parent: an image on the same top layer or on its parent layer, history-checked. */
export function parentImage(tree: LayerTree, child: Image): Image | undefined {
  const top = child.layers.at(-1);
  if (top === undefined) return undefined;
  const below = tree.parentLayer(top);
  const candidates = [...(tree.imagesAt.get(top) ?? []), ...(below ? (tree.imagesAt.get(below) ?? []) : [])];
  return candidates.find((p) => p.id !== child.id && areParentAndChild(p, child));
}

/** libimage layerTree.children(all=false) is non-empty: some image is based on this one. */
export function hasChildImage(tree: LayerTree, parent: Image): boolean {
  const top = parent.layers.at(-1);
  if (top === undefined) return false;
  const nodes = [...(tree.childLayers.get(top) ?? []), top];
  return nodes.some((n) => (tree.imagesAt.get(n) ?? []).some((c) => c.id !== parent.id && areParentAndChild(parent, c)));
}

/**
 * `podman history` (libimage History): newest first; a row's size is its layer's diff size; a
 * row's id is the first image (images.json order) whose top layer is the row's layer, once each.
 */
export function podmanHistory(image: Image, tree: LayerTree, layerSize: (id: string) => number): HistoryRow[] {
  const rows: HistoryRow[] = [];
  const used = new Set<string>();
  let index = image.layers.length - 1;
  for (let x = image.history.length - 1; x >= 0; x--) {
    const h = image.history[x]!;
    const layer = index >= 0 ? image.layers[index] : undefined;
    let id = x === image.history.length - 1 ? image.id : '<missing>';
    let size = 0;
    let at: number | undefined;
    if (layer !== undefined) {
      if (!h.emptyLayer) {
        size = layerSize(layer);
        at = index;
      }
      const first = tree.imagesAt.get(layer)?.[0];
      if (first && !used.has(first.id)) {
        id = first.id;
        used.add(first.id);
      }
      // libimage steps to the parent layer after a non-empty entry, and stays on the bottom one.
      if (!h.emptyLayer && index > 0) index--;
    }
    rows.push({
      ID: id,
      CreatedAt: h.created ? rfc3339(new Date(h.created)) : undefined,
      CreatedBy: h.createdBy,
      Comment: h.comment ?? '',
      Size: size,
      SizeHuman: podmanSize(size),
      EmptyLayer: h.emptyLayer,
      Layer: at,
    });
  }
  return rows;
}

/** Paths libpod's GetDiff leaves out: what podman itself mounts or creates in every container. */
export const INIT_INODES = new Set([
  '/dev',
  '/etc/hostname',
  '/etc/hosts',
  '/etc/resolv.conf',
  '/proc',
  '/run',
  '/run/notify',
  '/run/.containerenv',
  '/run/secrets',
  '/.containerenv',
  '/sys',
  '/etc/mtab',
]);

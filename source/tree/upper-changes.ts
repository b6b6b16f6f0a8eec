// Changes read from a layer's own directory (its "upper"), the way drivers without a naive diff
// report them: containers/storage's `OverlayChanges` (podman on overlay) and moby's
// `archive.Changes` (Docker's aufs driver). Both walk the upper directory in name order and look
// each entry up in the lower layers' directories one by one — not in a merged view — so their
// answers differ from comparing two merged trees.
import type {Change} from './changes.js';
import {lookup, sortedChildren, type LayerNode, type MergedNode} from './entry.js';

export type UpperStyle = 'overlay' | 'aufs';

/**
 * - overlay (c/storage): a char-device whiteout is D; an opaque directory that a lower layer has
 *   (and not as a whiteout) is D, its children follow as A/C; lower layers are searched top first,
 *   stopping at a whiteout over the path or a parent; an A or D brings every unrecorded parent.
 * - aufs (moby): a `.wh.NAME` is D NAME (entries ordered by their names on disk, `.wh.` ones
 *   included); an opaque marker below the root is reported as `D dir/.wh..opq`, as moby does;
 *   lower layers are searched without whiteouts; an A or D brings its unrecorded parent only.
 * Either way a directory equal in size, mode and mtime to the first lower one holding it is not
 * listed, and a non-whiteout entry found in a lower layer is C, else A.
 */
export function upperChanges(upper: LayerNode, lowers: LayerNode[], depth: number, lowerView: MergedNode, style: UpperStyle): Change[] {
  const out: Change[] = [];
  const changedDirs = new Set<string>();
  const at = (node: LayerNode, name: string): MergedNode => ({name, meta: node.meta, layer: depth});
  const whiteoutIn = (layer: LayerNode, path: string): boolean => lookup(layer, path)?.whiteout === true;
  const record = (kind: Change['kind'], path: string, node: MergedNode): void => {
    if (kind === 'A' || kind === 'D') {
      const parents = style === 'overlay' ? ancestors(path).reverse() : ancestors(path).slice(0, 1);
      for (const parent of parents) {
        if (changedDirs.has(parent)) continue;
        changedDirs.add(parent);
        out.push({kind: 'C', path: parent, node: lookup(lowerView, parent) ?? node});
      }
    }
    out.push({kind, path, node});
  };
  const visit = (dir: LayerNode, dirPath: string): void => {
    const join = (name: string) => (dirPath === '/' ? `/${name}` : `${dirPath}/${name}`);
    const entries: [string, LayerNode | undefined][] = sortedChildren(dir).map((n) => [style === 'aufs' && n.whiteout ? `.wh.${n.name}` : n.name, n]);
    if (style === 'aufs' && dir.opaque && dirPath !== '/') entries.push(['.wh..wh..opq', undefined]);
    if (style === 'aufs') entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [, node] of entries) {
      if (!node) {
        record('D', join('.wh..opq'), at(dir, '.wh..opq'));
        continue;
      }
      const path = join(node.name);
      let kind: Change['kind'] | undefined;
      let skip = false;
      if (node.whiteout) kind = 'D';
      else if (style === 'overlay' && node.meta.kind === 'dir' && node.opaque) {
        const first = lowers.map((l) => lookup(l, path)).find((n) => n !== undefined);
        if (first && !first.whiteout) kind = 'D';
      }
      if (kind === undefined) {
        kind = 'A';
        for (const layer of lowers) {
          if (style === 'overlay' && (whiteoutIn(layer, path) || ancestors(path).some((d) => whiteoutIn(layer, d)))) break;
          const below = lookup(layer, path);
          if (!below || (style === 'aufs' && below.whiteout)) continue;
          if (
            below.meta.kind === 'dir' &&
            node.meta.kind === 'dir' &&
            below.meta.size === node.meta.size &&
            below.meta.mode === node.meta.mode &&
            sameFsTime(below, node)
          )
            skip = true;
          kind = 'C';
          break;
        }
      }
      if (!skip) {
        if (node.meta.kind === 'dir') changedDirs.add(path);
        record(kind, path, kind === 'D' ? (lookup(lowerView, path) ?? at(node, node.name)) : at(node, node.name));
      }
      if (node.children && !node.whiteout) visit(node, path);
    }
  };
  visit(upper, '/');
  return out;
}

/** Parent directories of a path, nearest first, without `/`. */
function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) out.push(path.slice(0, i));
  return out;
}

/** pkg/archive sameFsTime: equal, or the same second with either side at 0 ns (tar-extracted). */
function sameFsTime(a: LayerNode, b: LayerNode): boolean {
  return a.meta.mtimeSec === b.meta.mtimeSec && (a.meta.mtimeNsec === b.meta.mtimeNsec || a.meta.mtimeNsec === 0 || b.meta.mtimeNsec === 0);
}

// The file-tree model shared by every source (overlay2 diff dirs, vfs dirs, layer tars).
// A layer is a tree of LayerNodes (its change set); merged views are persistent trees of
// MergedNodes that share every untouched subtree with the view below them.

export type Kind = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

/** What `lstat` says about an entry, reduced to what Docker's change detection compares. */
export interface Meta {
  kind: Kind;
  /** Full st_mode: type bits and permission bits. */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Modification time: whole seconds and nanoseconds, compared exactly like Docker does. */
  mtimeSec: number;
  mtimeNsec: number;
  rdev: number;
  ino: number;
  nlink: number;
  /** Symlink target, or the hard-link target path inside a layer tar. */
  target?: string;
}

/** One entry of a layer's change set. */
export interface LayerNode {
  name: string;
  meta: Meta;
  /** A whiteout: the name is deleted from the layers below (char device 0/0 or `.wh.` file). */
  whiteout?: boolean;
  /** An opaque directory: hides everything below it in lower layers. */
  opaque?: boolean;
  children?: Map<string, LayerNode>;
  /** A regular file read from a layer tar: where its bytes start in the uncompressed tar. */
  data?: number;
}

/** One entry of a merged view. `layer` is the index (bottom = 0) of the layer it comes from. */
export interface MergedNode {
  name: string;
  meta: Meta;
  layer: number;
  children?: Map<string, MergedNode>;
}

export const S_IFMT = 0o170000;

export function kindOfMode(mode: number): Kind {
  switch (mode & S_IFMT) {
    case 0o040000: return 'dir';
    case 0o120000: return 'symlink';
    case 0o020000: return 'char';
    case 0o060000: return 'block';
    case 0o010000: return 'fifo';
    case 0o140000: return 'socket';
    default: return 'file';
  }
}

export function isDir(n: {meta: Meta} | undefined): boolean {
  return n?.meta.kind === 'dir';
}

/** Split an absolute or relative path into its names ('/' and '' give []). */
export function splitPath(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

export function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** Find the node at `path` under `root` (which stands for '/'). */
export function lookup<N extends {children?: Map<string, N>}>(root: N | undefined, path: string): N | undefined {
  let node = root;
  for (const name of splitPath(path)) {
    node = node?.children?.get(name);
    if (!node) return undefined;
  }
  return node;
}

/** Children sorted by name, the order every listing uses. */
export function sortedChildren<N extends {name: string; children?: Map<string, N>}>(node: N): N[] {
  if (!node.children) return [];
  return [...node.children.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Depth-first walk in name order, yielding [path, node]; `root` itself is '/'. */
export function* walk<N extends {name: string; children?: Map<string, N>}>(
  root: N,
  base = '/',
): Generator<[string, N]> {
  for (const child of sortedChildren(root)) {
    const path = joinPath(base, child.name);
    yield [path, child];
    if (child.children) yield* walk(child, path);
  }
}

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
  /** Symlink target. */
  target?: string;
  /** A hard link read from a layer tar: the path of the earlier file it links to (same layer). */
  link?: string;
}

/**
 * Metadata of an entry that no stat or header describes (an implied directory, a placeholder):
 * root's, time 0, rwxr-xr-x for a directory and rw-r--r-- for a file; `extra` overrides.
 */
export function syntheticMeta(kind: Kind, size = 0, extra: Partial<Meta> = {}): Meta {
  const mode = kind === 'dir' ? 0o40755 : kind === 'file' ? 0o100644 : 0;
  return {kind, mode, uid: 0, gid: 0, size, mtimeSec: 0, mtimeNsec: 0, rdev: 0, ino: 0, nlink: 1, ...extra};
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
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    case 0o020000:
      return 'char';
    case 0o060000:
      return 'block';
    case 0o010000:
      return 'fifo';
    case 0o140000:
      return 'socket';
    default:
      return 'file';
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
export function* walk<N extends {name: string; children?: Map<string, N>}>(root: N, base = '/'): Generator<[string, N]> {
  // An explicit stack: nested `yield*` would cost a frame per level on every step.
  const stack: {children: N[]; i: number; path: string}[] = [{children: sortedChildren(root), i: 0, path: base}];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i >= top.children.length) {
      stack.pop();
      continue;
    }
    const child = top.children[top.i++]!;
    const path = joinPath(top.path, child.name);
    yield [path, child];
    if (child.children) stack.push({children: sortedChildren(child), i: 0, path});
  }
}

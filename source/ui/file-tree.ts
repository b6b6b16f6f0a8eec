// The file tree panes' model: a source of entries (a list of changes, or a merged view with this
// layer's changes marked) and a lazily flattened list of the visible rows. Nothing here walks a
// whole tree per key press: children are listed and sorted once per directory, and rows are
// flattened only as far as the screen (or a search) needs.
import type {Change, ChangeKind} from '../tree/changes.js';
import {joinPath, lookup, sortedChildren, splitPath, syntheticMeta, type LayerNode, type Meta, type MergedNode} from '../tree/entry.js';
import {finish, type Steps} from '../tree/steps.js';

export type Mark = ChangeKind | 'U';
export const BIT: Record<Mark, number> = {A: 1, C: 2, D: 4, U: 8};

export interface FileNode {
  name: string;
  path: string;
  depth: number;
  meta: Meta;
  /** A/C/D relative to the view below; undefined: unchanged. */
  kind?: ChangeKind;
  /** Index (bottom = 0) of the layer the entry comes from. */
  layer: number;
  /** The layer deletes this name with a whiteout entry. */
  whiteout?: boolean;
  /** The layer's directory is opaque: it hides everything below it. */
  opaque?: boolean;
  /** Marks present in the entry and its subtree (BIT flags). */
  mask: number;
  /** Whether the entry can be opened (a directory that still exists). */
  open: boolean;
}

export interface TreeSource {
  /** Children of `parent` (undefined: the root) in name order; the same array every call. */
  children(parent: FileNode | undefined): readonly FileNode[];
}

const DIR_META: Meta = syntheticMeta('dir');

function byName(a: FileNode, b: FileNode): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** A tree of changes (a layer's, a container's, or a comparison's); `layerTree` marks whiteouts. */
export function changesSource(list: readonly Change[], layerTree?: LayerNode): TreeSource {
  return finish(changesSourceSteps(list, layerTree));
}

/** How many changes `changesSourceSteps` takes between two pauses. */
const SOURCE_STEP = 2000;

/**
 * `changesSource` in steps, for a background job. The paths are absolute and normalised, as
 * `changes` gives them; a directory that has no change of its own is added (C) for its children.
 */
export function* changesSourceSteps(list: readonly Change[], layerTree?: LayerNode): Steps<TreeSource> {
  const root: FileNode[] = [];
  const kids = new Map<string, FileNode[]>();
  const byPath = new Map<string, FileNode>();
  const ensureDir = (path: string): FileNode[] => {
    if (path === '/') return root;
    let list = kids.get(path);
    if (list) return list;
    if (!byPath.has(path)) add({kind: 'C', path, node: {name: path.slice(path.lastIndexOf('/') + 1), meta: DIR_META, layer: -1}});
    list = [];
    kids.set(path, list);
    return list;
  };
  // Changes come grouped by directory: the last one's list is the next one's, mostly.
  let lastDir = '/';
  let lastList = root;
  const add = (c: Change): void => {
    const path = c.path;
    const slash = path.lastIndexOf('/');
    const dir = slash > 0 ? path.slice(0, slash) : '/';
    let depth = 0;
    for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) depth++;
    const own = layerTree && lookup(layerTree, path);
    const node: FileNode = {
      name: path.slice(slash + 1),
      path,
      depth,
      meta: c.node.meta,
      kind: c.kind,
      layer: c.node.layer,
      mask: BIT[c.kind],
      open: c.kind !== 'D' && c.node.meta.kind === 'dir',
      whiteout: own ? own.whiteout : undefined,
      opaque: own ? own.opaque : undefined,
    };
    byPath.set(path, node);
    if (dir !== lastDir) {
      lastList = ensureDir(dir);
      lastDir = dir;
    }
    lastList.push(node);
  };
  for (let i = 0; i < list.length; i++) {
    if (i % SOURCE_STEP === SOURCE_STEP - 1) yield;
    add(list[i]!);
  }
  yield;
  for (const l of kids.values()) l.sort(byName);
  root.sort(byName);
  yield;
  // Masks bottom-up: a directory's after its children's (depth first, children before parents).
  const stack: {nodes: FileNode[]; i: number; dir?: FileNode}[] = [{nodes: root, i: 0}];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    if (top.i < top.nodes.length) {
      const node = top.nodes[top.i++]!;
      const below = kids.get(node.path);
      if (below) stack.push({nodes: below, i: 0, dir: node});
      else if (top.dir) top.dir.mask |= node.mask;
      continue;
    }
    stack.pop();
    const parent = stack[stack.length - 1]?.dir;
    if (top.dir && parent) parent.mask |= top.dir.mask;
  }
  return {children: (p) => (p ? (kids.get(p.path) ?? []) : root)};
}

/** A layer's changes as a tree of names, so entries are matched by name rather than by hashing paths. */
interface Marks {
  /** The change at this path, unless it is a deletion. */
  kind?: ChangeKind;
  /** BIT flags of the changes at and below this path. */
  mask: number;
  /** Deletions directly inside this directory. */
  gone?: Change[];
  kids?: Map<string, Marks>;
}

function markTree(changes: readonly Change[]): Marks {
  const root: Marks = {mask: 0};
  for (const c of changes) {
    const bit = BIT[c.kind];
    let m = root;
    m.mask |= bit;
    for (let start = 1; start < c.path.length;) {
      const slash = c.path.indexOf('/', start);
      const end = slash < 0 ? c.path.length : slash;
      const name = c.path.slice(start, end);
      if (end === c.path.length && c.kind === 'D') (m.gone ??= []).push(c);
      m.kids ??= new Map();
      let kid = m.kids.get(name);
      if (!kid) m.kids.set(name, (kid = {mask: 0}));
      m = kid;
      m.mask |= bit;
      start = end + 1;
    }
    if (c.kind !== 'D') m.kind = c.kind;
  }
  return root;
}

/**
 * A merged view with the changes of its top layer marked (and its deletions shown as D entries
 * where they were). Directories are listed on demand, once each; an entry costs O(1), so listing
 * every directory (a search) is linear in the size of the view.
 */
export function mergedSource(view: MergedNode, layerChanges: readonly Change[], layerTree?: LayerNode): TreeSource {
  const make = (
    path: string,
    depth: number,
    node: MergedNode,
    kind: ChangeKind | undefined,
    marks: Marks | undefined,
    own: LayerNode | undefined,
  ): FileNode => {
    const dir = node.meta.kind === 'dir';
    // Unchanged directories hold only unchanged entries; any directory may hold some.
    const mask = (marks?.mask ?? 0) | (kind ? BIT[kind] : BIT.U) | (dir ? BIT.U : 0);
    return {
      name: node.name,
      path,
      depth,
      meta: node.meta,
      kind,
      layer: node.layer,
      mask,
      open: dir && kind !== 'D',
      whiteout: own?.whiteout,
      opaque: own?.opaque,
    };
  };
  // Each directory listed or about to be: its merged node, the layer's node and the marks there.
  interface Dir {
    node: MergedNode;
    layer?: LayerNode;
    marks?: Marks;
  }
  const dirs = new Map<string, Dir>([['/', {node: view, layer: layerTree, marks: markTree(layerChanges)}]]);
  const cache = new Map<string, FileNode[]>();
  return {
    children(parent) {
      const path = parent?.path ?? '/';
      const known = cache.get(path);
      if (known) return known;
      const dir = dirs.get(path);
      const depth = parent ? parent.depth + 1 : 0;
      const out: FileNode[] = [];
      for (const child of dir ? sortedChildren(dir.node) : []) {
        const childPath = joinPath(path, child.name);
        const own = dir!.layer?.children?.get(child.name);
        const marks = dir!.marks?.kids?.get(child.name);
        if (child.children) dirs.set(childPath, {node: child, layer: own, marks});
        out.push(make(childPath, depth, child, marks?.kind, marks, own));
      }
      const gone = dir?.marks?.gone;
      if (gone) {
        for (const c of gone) {
          const name = c.path.slice(c.path.lastIndexOf('/') + 1);
          out.push(make(c.path, depth, c.node, 'D', dir!.marks!.kids!.get(name), dir!.layer?.children?.get(name)));
        }
        out.sort(byName);
      }
      cache.set(path, out);
      return out;
    },
  };
}

/** How the rows of a tree are shown: what is collapsed, hidden or filtered. */
export interface TreeView {
  /** Directories start collapsed (collapse-all) or expanded; `toggled` inverts single ones. */
  collapsed: boolean;
  toggled: ReadonlySet<string>;
  /** BIT flags of the marks that are hidden. */
  hidden: number;
  /** Only these paths (matches, their ancestors and descendants) when a filter is set. */
  only?: ReadonlySet<string>;
}

export const DEFAULT_VIEW: TreeView = {collapsed: false, toggled: new Set(), hidden: 0};

/** The directories whose expansion differs between two views that differ in nothing else (undefined: they differ otherwise). */
function toggledPaths(a: TreeView, b: TreeView): string[] | undefined {
  if (a.collapsed !== b.collapsed || a.hidden !== b.hidden || a.only !== b.only) return undefined;
  const paths: string[] = [];
  for (const path of a.toggled) if (!b.toggled.has(path)) paths.push(path);
  for (const path of b.toggled) if (!a.toggled.has(path)) paths.push(path);
  return paths;
}

/** The entries along `path` in `source`, its top directory first (looked up by name); undefined when it is not there. */
function entriesTo(source: TreeSource, path: string): FileNode[] | undefined {
  const chain: FileNode[] = [];
  for (const name of splitPath(path)) {
    const next = source.children(chain.at(-1)).find((n) => n.name === name);
    if (!next) return undefined;
    chain.push(next);
  }
  return chain;
}

export function isExpanded(view: TreeView, node: FileNode): boolean {
  return node.open && view.collapsed === view.toggled.has(node.path);
}

export function isVisible(view: TreeView, node: FileNode): boolean {
  if (view.only && !view.only.has(node.path)) return false;
  return (node.mask & ~view.hidden) !== 0;
}

/** The visible rows of a tree, flattened only as far as they are asked for. */
export class FlatTree {
  private list: FileNode[] = [];
  private readonly stack: {nodes: readonly FileNode[]; i: number}[];

  constructor(
    private readonly source: TreeSource,
    readonly view: TreeView,
  ) {
    this.stack = [{nodes: source.children(undefined), i: 0}];
  }

  /**
   * The rows of `view` after `prev`'s: `prev` itself when the views show the same rows. When the
   * only difference is which directories are expanded (a directory toggled, a path revealed),
   * the rows down to the first of those directories are the same: they are kept, and flattening
   * resumes below it.
   */
  static next(prev: FlatTree | undefined, source: TreeSource, view: TreeView): FlatTree {
    const paths = prev?.source === source ? toggledPaths(prev.view, view) : undefined;
    if (paths?.length === 0) return prev!; // the same rows (the pane shown again, say)
    const flat = new FlatTree(source, view);
    if (!paths || !prev!.rows.length) return flat;
    // A directory that is not a row yet (below a collapsed one, or not flattened so far) changes no row above the last.
    let at = prev!.rows.length - 1;
    for (const path of paths) {
      const node = entriesTo(source, path)?.at(-1);
      const i = node ? prev!.rows.lastIndexOf(node, at) : -1;
      if (i >= 0) at = i;
    }
    flat.resumeAfter(prev!.rows, at);
    return flat;
  }

  /** Take `rows[0..at]` as the first rows and continue the walk after row `at`. */
  private resumeAfter(rows: readonly FileNode[], at: number): void {
    const node = rows[at]!;
    // Its ancestors, looked up by name (the rows above can be tens of thousands to scan for them).
    const chain = entriesTo(this.source, node.path);
    if (chain?.at(-1) !== node) return;
    this.list = rows.slice(0, at + 1);
    this.stack.length = 0;
    chain.forEach((n, k) => {
      const siblings = this.source.children(chain[k - 1]);
      this.stack.push({nodes: siblings, i: siblings.indexOf(n) + 1});
    });
    if (isExpanded(this.view, node)) this.stack.push({nodes: this.source.children(node), i: 0});
  }

  /** The rows flattened so far. */
  get rows(): readonly FileNode[] {
    return this.list;
  }

  get done(): boolean {
    return this.stack.length === 0;
  }

  /** Make rows[0..n] exist (as far as there are rows). */
  ensure(n: number): void {
    while (this.list.length <= n && this.stack.length) {
      const top = this.stack[this.stack.length - 1]!;
      if (top.i >= top.nodes.length) {
        this.stack.pop();
        continue;
      }
      const node = top.nodes[top.i++]!;
      if (!isVisible(this.view, node)) continue;
      this.list.push(node);
      if (isExpanded(this.view, node)) this.stack.push({nodes: this.source.children(node), i: 0});
    }
  }

  /** All rows: flattens everything (End, a count). */
  count(): number {
    this.ensure(Number.POSITIVE_INFINITY);
    return this.list.length;
  }

  /**
   * The row of `path`, or of its nearest ancestor that is a row (the path is gone from this
   * tree, hidden, filtered out or collapsed); -1 when not even its top directory is. Looks the
   * path up by name first, so a path that is not there never flattens the whole tree.
   */
  nearest(path: string): number {
    let shown: FileNode | undefined;
    let parent: FileNode | undefined;
    for (const name of splitPath(path)) {
      const node = this.source.children(parent).find((n) => n.name === name);
      if (!node || !isVisible(this.view, node)) break;
      shown = node;
      if (!isExpanded(this.view, node)) break;
      parent = node;
    }
    return shown === undefined ? -1 : this.rowOf(shown);
  }

  /** The row index of `path`, flattening up to it; -1 when it is not visible. */
  indexOf(path: string): number {
    const node = entriesTo(this.source, path)?.at(-1);
    return node ? this.rowOf(node) : -1;
  }

  /** The row of `node`, flattening up to it; -1 when it is not a row (flattens everything). */
  private rowOf(node: FileNode): number {
    let i = this.list.indexOf(node);
    while (i < 0 && !this.done) {
      const from = this.list.length;
      this.ensure(from + 1024);
      i = this.list.indexOf(node, from);
    }
    return i;
  }
}

/** Directory sizes: the sum of the files below (computed once per directory). */
function subtreeSize(source: TreeSource, node: FileNode, memo: Map<string, number>): number {
  if (!node.open) return node.meta.kind === 'dir' ? 0 : node.meta.size;
  let size = memo.get(node.path);
  if (size === undefined) {
    size = 0;
    for (const child of source.children(node)) size += subtreeSize(source, child, memo);
    memo.set(node.path, size);
  }
  return size;
}

/** `source` with each directory's entries largest first (directories by the size of what they hold), as dive's ctrl+o. */
export function bySize(source: TreeSource): TreeSource {
  const memo = new Map<string, number>();
  const cache = new Map<string, FileNode[]>();
  return {
    children(parent) {
      const key = parent?.path ?? '/';
      let list = cache.get(key);
      if (!list) {
        const sized = source.children(parent).map((n) => [subtreeSize(source, n, memo), n] as const);
        list = sized.sort((a, b) => b[0] - a[0] || byName(a[1], b[1])).map(([, n]) => n);
        cache.set(key, list);
      }
      return list;
    },
  };
}

/** Paths a filter keeps: entries whose path contains `text`, their ancestors and descendants. */
export function filterPaths(source: TreeSource, text: string): Set<string> {
  const needle = text.toLowerCase();
  const keep = new Set<string>();
  const visit = (parent: FileNode | undefined, inside: boolean): boolean => {
    let any = false;
    for (const node of source.children(parent)) {
      const hit = inside || node.path.toLowerCase().includes(needle);
      const below = node.open ? visit(node, hit) : false;
      if (hit || below) {
        keep.add(node.path);
        any = true;
      }
    }
    return any;
  };
  visit(undefined, false);
  return keep;
}

/** The toggles that make every ancestor of `path` expanded (`view.toggled` itself when they all are). */
export function revealPath(view: TreeView, path: string): ReadonlySet<string> {
  let toggled: Set<string> | undefined;
  const names = splitPath(path);
  for (let i = 1; i < names.length; i++) {
    const dir = `/${names.slice(0, i).join('/')}`;
    if (view.toggled.has(dir) === view.collapsed) continue;
    toggled ??= new Set(view.toggled);
    if (view.collapsed) toggled.add(dir);
    else toggled.delete(dir);
  }
  return toggled ?? view.toggled;
}

/** A plain tree with no changes to mark (a volume's `_data`): every entry unmodified, listed on demand. */
export function plainSource(tree: LayerNode): TreeSource {
  const nodes = new Map<string, LayerNode>([['/', tree]]);
  const cache = new Map<string, FileNode[]>();
  return {
    children(parent) {
      const path = parent?.path ?? '/';
      const known = cache.get(path);
      if (known) return known;
      const depth = parent ? parent.depth + 1 : 0;
      const dir = nodes.get(path);
      const out = (dir ? sortedChildren(dir) : []).map((child): FileNode => {
        const childPath = joinPath(path, child.name);
        if (child.children) nodes.set(childPath, child);
        const isDir = child.meta.kind === 'dir';
        return {name: child.name, path: childPath, depth, meta: child.meta, layer: 0, mask: BIT.U, open: isDir};
      });
      cache.set(path, out);
      return out;
    },
  };
}

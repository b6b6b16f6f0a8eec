// A file tree pane's derivations: the source as sorted, the filter, the visible rows, the cursor
// (on the selected path, or its nearest ancestor), the row count (counted when keys pause) and
// the search index (built in slices when keys pause, and the typed query's matches found as it is typed).
import type {Steps} from '../tree/steps.js';
import {useMemo, useRef} from 'react';
import {bySize, filterPaths, FlatTree, type FileNode, type TreeSource} from './file-tree.js';
import {searchIndex} from './search.js';
import type {TreeState} from './state.js';
import type {StoreFeed} from './store-feed.js';

export interface TreeModel {
  source?: TreeSource;
  flat?: FlatTree;
  cursor: number;
  /** The entry under the cursor (while the pane is shown). */
  node?: FileNode;
  /** All rows, once counted (a tree is flattened only as far as the screen needs). */
  total?: number;
}

let nextId = 0;
const ids = new WeakMap<object, number>();
/** A number for a tree or source, naming a background job's params. */
const idOf = (x: FlatTree | TreeSource): number => {
  let id = ids.get(x);
  if (id === undefined) ids.set(x, (id = nextId++));
  return id;
};

/** Flatten all of `flat` a few thousand rows at a time (a stepped background job); the row count. */
function* countSteps(flat: FlatTree): Steps<number> {
  while (!flat.done) {
    flat.ensure(flat.rows.length + 4096);
    yield;
  }
  return flat.rows.length;
}

/** The cursor row of a tree: the selected path's row, or its nearest shown ancestor's. */
export function treeCursor(flat: FlatTree | undefined, ts: Pick<TreeState, 'cursor' | 'path'>): number {
  if (!flat) return 0;
  // The path first: after a reveal, or in rows made afresh, `cursor` is the old row number (flattening down to it would be wasted).
  if (ts.path && flat.rows[ts.cursor]?.path !== ts.path) {
    const i = flat.nearest(ts.path);
    if (i >= 0) return i;
  }
  flat.ensure(ts.cursor);
  return Math.min(ts.cursor, Math.max(0, flat.rows.length - 1));
}

const bySizeOf = new WeakMap<TreeSource, TreeSource>();

/** `raw` sorted by size, one for each source (its sizes are summed once). */
function sizeSorted(raw: TreeSource): TreeSource {
  let sorted = bySizeOf.get(raw);
  if (!sorted) bySizeOf.set(raw, (sorted = bySize(raw)));
  return sorted;
}

/** `query`: a search being typed in this tree. */
export function useTree(raw: TreeSource | undefined, ts: TreeState, feed: StoreFeed, active: boolean, name: string, query?: string): TreeModel {
  const source = raw && ts.sort === 'size' ? sizeSorted(raw) : raw;
  const only = useMemo(() => (source && ts.filter ? filterPaths(source, ts.filter) : undefined), [source, ts.filter]);
  // Expanding or collapsing a directory keeps the rows above it; so does hiding the pane and showing it again.
  const last = useRef<FlatTree | undefined>(undefined);
  const flat = useMemo(() => source && FlatTree.next(last.current, source, {...ts.view, only}), [source, ts.view, only]);
  if (flat) last.current = flat;
  // The cursor's row only while the pane is shown: finding it may flatten the rows down to it.
  const cursor = useMemo(() => (active ? treeCursor(flat, {cursor: ts.cursor, path: ts.path}) : ts.cursor), [active, flat, ts.cursor, ts.path]);
  const node = active ? flat?.rows[cursor] : undefined;
  const counted = flat && !flat.done && active ? feed.background(`count ${name}`, String(idOf(flat)), () => countSteps(flat)) : undefined;
  if (active && source) prepareSearch(source, feed, name, query);
  return {source, flat, cursor, node, total: flat?.done ? flat.rows.length : counted?.done ? flat?.rows.length : undefined};
}

/**
 * `make()` while `shown`, made again when `deps` change; undefined while not shown, the last one
 * kept meanwhile: a pane's source is made only while the pane is shown, and back in the pane on
 * the same selection it is the same source (its flattened rows and search listing with it).
 */
export function useShown<T>(shown: boolean, make: () => T, deps: readonly unknown[]): T | undefined {
  const kept = useRef<{deps: readonly unknown[]; value: T} | undefined>(undefined);
  if (!shown) return undefined;
  const same = kept.current && kept.current.deps.length === deps.length && kept.current.deps.every((d, i) => Object.is(d, deps[i]));
  if (!same) kept.current = {deps, value: make()};
  return kept.current!.value;
}

/**
 * List `source` for search in slices when keys pause, so a search finds it ready. While a query is
 * typed, the listing is finished and the query's matches found at once, in slices between the keys,
 * so Enter finds them ready.
 */
function prepareSearch(source: TreeSource, feed: StoreFeed, name: string, query: string | undefined): void {
  const index = searchIndex(source);
  if (index.done && !query) return;
  feed.background(`search ${name}`, `${idOf(source)} ${query ?? ''}`, () => (query ? index.prepare(query) : index.listing()), {idle: !query});
}

// A file tree pane's derivations: the source as sorted, the filter, the visible rows, the cursor
// (on the selected path, or its nearest ancestor), the row count (counted when keys pause) and
// the search index (built in slices when keys pause).
import {useEffect, useMemo, useRef} from 'react';
import {bySize, filterPaths, FlatTree, type TreeSource} from './file-tree.js';
import {searchIndex} from './search.js';
import type {TreeState} from './state.js';
import type {StoreFeed} from './store-feed.js';

export interface TreeModel {
  source?: TreeSource;
  flat?: FlatTree;
  cursor: number;
  /** All rows, once counted (a tree is flattened only as far as the screen needs). */
  total?: number;
}

let nextId = 0;
const ids = new WeakMap<FlatTree, number>();
const idOf = (flat: FlatTree): number => {
  let id = ids.get(flat);
  if (id === undefined) ids.set(flat, (id = nextId++));
  return id;
};

/** Flatten all of `flat` a few thousand rows at a time (a stepped background job); the row count. */
function* countSteps(flat: FlatTree): Generator<void, number, void> {
  while (!flat.done) {
    flat.ensure(flat.rows.length + 4096);
    yield;
  }
  return flat.rows.length;
}

/** The cursor row of a tree: the selected path's row, or its nearest shown ancestor's. */
export function treeCursor(flat: FlatTree | undefined, ts: Pick<TreeState, 'cursor' | 'path'>): number {
  if (!flat) return 0;
  flat.ensure(ts.cursor);
  if (ts.path && flat.rows[ts.cursor]?.path !== ts.path) {
    const i = flat.nearest(ts.path);
    if (i >= 0) return i;
  }
  return Math.min(ts.cursor, Math.max(0, flat.rows.length - 1));
}

export function useTree(raw: TreeSource | undefined, ts: TreeState, feed: StoreFeed, active: boolean, name: string): TreeModel {
  const source = useMemo(() => (raw && ts.sort === 'size' ? bySize(raw) : raw), [raw, ts.sort]);
  const only = useMemo(() => (source && ts.filter ? filterPaths(source, ts.filter) : undefined), [source, ts.filter]);
  // Expanding or collapsing a directory keeps the rows above it.
  const last = useRef<FlatTree | undefined>(undefined);
  const flat = useMemo(() => source && FlatTree.next(last.current, source, {...ts.view, only}), [source, ts.view, only]);
  last.current = flat;
  const cursor = useMemo(() => treeCursor(flat, {cursor: ts.cursor, path: ts.path}), [flat, ts.cursor, ts.path]);
  const counted = flat && !flat.done && active ? feed.background(`count ${name}`, String(idOf(flat)), () => countSteps(flat)) : undefined;
  usePreparedSearch(active ? source : undefined, feed);
  return {source, flat, cursor, total: flat?.done ? flat.rows.length : counted?.done ? flat?.rows.length : undefined};
}

/**
 * List `source` for search in short slices when no key has come for a while, so a search finds
 * it ready and the slices (and their garbage) stay out of the way of key presses.
 */
function usePreparedSearch(source: TreeSource | undefined, feed: StoreFeed): void {
  useEffect(() => {
    if (!source) return;
    const index = searchIndex(source);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const slice = (): void => {
      const wait = feed.lastKey + 100 - performance.now();
      if (wait > 0) timer = setTimeout(slice, wait);
      else timer = index.build(2) ? undefined : setTimeout(slice, 0);
    };
    timer = setTimeout(slice, 0);
    return () => clearTimeout(timer);
  }, [source, feed]);
}

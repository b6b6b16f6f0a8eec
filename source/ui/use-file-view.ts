// The file view's content: a page of text or hex, or a line diff, read from the store in a memo
// (paged reads, never a whole file), with what differs besides the bytes above a diff. A view
// opened in Files follows the selected layer.
import {useMemo} from 'react';
import {ContentError, readRange, viewEntry} from '../store/content.js';
import type {LayerStore} from '../store/store.js';
import type {Meta} from '../tree/entry.js';
import {fileDiff, hexPage, textPage, type Page, type Reader} from './file-page.js';
import {metaChanges} from './meta-diff.js';
import type {FileView} from './state.js';
import type {StoreFeed} from './store-feed.js';
import type {DiffLine} from './text-diff.js';

export interface ViewData {
  page?: Page;
  diff?: DiffLine[];
  /** Above a diff: what differs besides the content (mode, owner, size, mtime), or which side lacks the file. */
  meta?: string[];
  notice?: string;
  /** The view as it is now (keys act on it): a followed view's top is the selected layer. */
  view?: FileView;
  /** The view the page or diff was read for (the title and info describe it). */
  shown?: FileView;
}

/** The metadata of `path` in the view topped by `top`, if the view has it. */
function metaOf(store: LayerStore, top: string | undefined, path: string): Meta | undefined {
  try {
    return viewEntry(store, top, path).meta;
  } catch (err) {
    if (err instanceof ContentError) return undefined;
    throw err;
  }
}

/** Reads the file at `path` in the view topped by `top`, if the view has it as a file. */
export function readerFor(store: LayerStore, top: string | undefined, path: string): Reader | undefined {
  if (!top) return undefined;
  try {
    if (viewEntry(store, top, path).meta.kind !== 'file') return undefined;
  } catch (err) {
    if (err instanceof ContentError) return undefined;
    throw err;
  }
  return (offset, length) => readRange(store, top, path, offset, length);
}

/**
 * The file view's page or diff. Reading is done off the render, on the next tick (a key in the
 * view waits one tick; the page shown meanwhile is the previous one).
 */
export function useFileView(
  store: LayerStore,
  feed: StoreFeed,
  stateView: FileView | undefined,
  layer: {id?: string; label: string},
  height: number,
  width: number,
): ViewData {
  const view = useMemo(
    () => (stateView?.follow && layer.id && layer.id !== stateView.top ? {...stateView, top: layer.id, label: layer.label} : stateView),
    [stateView, layer.id, layer.label],
  );
  const v = view;
  if (!v) return {notice: 'open a file with Enter in Files, Writable or Compare'};
  const params = JSON.stringify([v.top, v.path, v.offset, v.hex, v.diff?.top ?? null, v.diff?.after ?? null, height, width]);
  const job = feed.background('view', params, () => readView(store, v, height, width), {idle: false, keep: true});
  if (job.value instanceof Error) return {notice: job.value.message, view: v};
  // Until the new page is read, the last one stays (with the view as it is now, so keys act on it).
  const data = job.value as ViewData | undefined;
  return data ? {...data, shown: data.view, view: v} : {notice: `reading ${v.path}…`, view: v, shown: v};
}

function readView(store: LayerStore, v: FileView, height: number, width: number): ViewData {
  try {
    if (v.diff) {
      const [a, b] = v.diff.after ? [v.top, v.diff.top] : [v.diff.top, v.top];
      const [la, lb] = v.diff.after ? [v.label, v.diff.label] : [v.diff.label, v.label];
      const older = readerFor(store, a, v.path);
      const newer = readerFor(store, b, v.path);
      const meta = metaChanges(metaOf(store, a, v.path), metaOf(store, b, v.path), la, lb);
      const diff = fileDiff(older, newer);
      if (typeof diff === 'string') return {notice: diff, meta, view: v};
      if (older && newer && diff.every((d) => d.op === ' '))
        return meta.length
          ? {notice: `same content: ${v.path} has the same bytes in ${la} and ${lb}; only the metadata above differs`, meta, view: v}
          : {notice: `identical: ${v.path} is the same in ${la} and ${lb} (content, mode, owner, size, mtime)`, view: v};
      return {diff, meta, view: v};
    }
    const read = readerFor(store, v.top, v.path);
    if (!read) return {notice: `${v.path} is not a file in ${v.label}`, view: v};
    return {page: (v.hex ? hexPage : textPage)(read, v.offset, height, width), view: v};
  } catch (err) {
    return {notice: (err as Error).message, view: v};
  }
}

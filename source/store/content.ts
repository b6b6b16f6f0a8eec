// A file's bytes as a layer view sees them, read a page at a time: the explorer shows files of
// any size without loading them whole.
import {closeSync, readSync} from 'node:fs';
import {openInside} from './confine.js';
import {lookup, type MergedNode} from '../tree/entry.js';
import type {LayerStore} from './store.js';

/** At most this many bytes per read, whatever the caller asks for. */
export const MAX_PAGE = 1 << 20;

export interface Chunk {
  /** The bytes from `offset` (fewer than asked at the end of the file). */
  bytes: Buffer;
  offset: number;
  /** The file's size as the view's entry records it. */
  size: number;
  /** Index (bottom = 0) of the layer the file comes from in this view. */
  layer: number;
  /** Whether the chunk reaches the end of the file. */
  eof: boolean;
}

export class ContentError extends Error {}

/** The entry at `path` in the view topped by `top`, or a ContentError saying why there is none. */
export function viewEntry(store: LayerStore, top: string | undefined, path: string): MergedNode {
  const node = lookup(store.merged(top), path);
  if (!node) throw new ContentError(`${path}: not in this view`);
  return node;
}

/** Read `length` bytes at `offset` of `path` in the view topped by `top`. */
export function readRange(store: LayerStore, top: string | undefined, path: string, offset: number, length: number): Chunk {
  const node = viewEntry(store, top, path);
  if (node.meta.kind !== 'file') throw new ContentError(`${path}: a ${node.meta.kind}, not a regular file`);
  const layer = top ? store.chain(top)[node.layer] : undefined;
  const want = Math.max(0, Math.min(length, MAX_PAGE));
  const direct = layer && store.readDirect(layer.id, path, offset, want);
  if (direct) return {bytes: direct, offset, size: node.meta.size, layer: node.layer, eof: direct.length < want || offset + direct.length >= node.meta.size};
  const disk = layer ? store.diskPath(layer.id, path) : undefined;
  if (!disk)
    throw new ContentError(
      `${path}: the contents are not read here (more than 256 MiB into a compressed layer or archive, or damaged; \`layerscope export\` copies them out)`,
    );
  const bytes = Buffer.alloc(want);
  let got = 0;
  const {fd} = openInside(layer ? store.layerRoot(layer) : store.root, disk);
  try {
    while (got < want) {
      const n = readSync(fd, bytes, got, want - got, offset + got);
      if (n === 0) break;
      got += n;
    }
  } finally {
    closeSync(fd);
  }
  return {bytes: bytes.subarray(0, got), offset, size: node.meta.size, layer: node.layer, eof: got < want || offset + got >= node.meta.size};
}

// A read-only merged view of an image's diff dirs (top-most first), resolving overlay2 whiteouts
// (char device 0/0) and opaque directories the way the kernel would, without mounting anything.
// The builder uses it for COPY --from and to copy up parent directories.
import type {Stats} from 'node:fs';
import * as fsp from 'node:fs/promises';
import {join} from 'node:path';
import {getAttributeSync} from 'fs-xattr';
import {OPAQUE_XATTR} from './layer-tar.js';

export interface ViewEntry {
  /** absolute path of the file in the layer that provides it */
  path: string;
  st: Stats;
}

const isWhiteout = (st: Stats): boolean => st.isCharacterDevice() && st.rdev === 0;
const isOpaque = (path: string): boolean => {
  try {
    return getAttributeSync(path, OPAQUE_XATTR).toString() === 'y';
  } catch {
    return false;
  }
};
const parts = (rel: string): string[] => rel.split('/').filter((p) => p && p !== '.');

/** The entry at `rel` (relative to the image root) as the merged filesystem shows it, if any. */
export async function viewStat(layers: readonly string[], rel: string): Promise<ViewEntry | undefined> {
  const ps = parts(rel);
  if (ps.length === 0) return layers[0] ? {path: layers[0], st: await fsp.lstat(layers[0])} : undefined;
  for (const layer of layers) {
    let cur = layer;
    let hiddenBelow = false;
    for (let i = 0; i < ps.length; i++) {
      cur = join(cur, ps[i]!);
      const st = await fsp.lstat(cur).catch(() => undefined);
      if (!st) break;
      if (isWhiteout(st)) return undefined;
      if (i === ps.length - 1) return {path: cur, st};
      if (!st.isDirectory()) return undefined;
      if (isOpaque(cur)) hiddenBelow = true;
    }
    if (hiddenBelow) return undefined;
  }
  return undefined;
}

/** Names in directory `rel` of the merged view, sorted. */
export async function viewReaddir(layers: readonly string[], rel: string): Promise<string[]> {
  const names = new Set<string>();
  const hidden = new Set<string>();
  const ps = parts(rel);
  for (const layer of layers) {
    const dir = join(layer, ...ps);
    const st = await fsp.lstat(dir).catch(() => undefined);
    if (st && !st.isDirectory()) break;
    if (!st) continue;
    for (const ent of await fsp.readdir(dir, {withFileTypes: true})) {
      if (names.has(ent.name) || hidden.has(ent.name)) continue;
      if (ent.isCharacterDevice() && isWhiteout(await fsp.lstat(join(dir, ent.name)))) hidden.add(ent.name);
      else names.add(ent.name);
    }
    if (isOpaque(dir)) break;
  }
  return [...names].sort();
}

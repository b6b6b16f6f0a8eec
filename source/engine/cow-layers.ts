// Overlayfs lookup rules over real layer directories, one path component at a time, the way the
// kernel's ovl_lookup walks its layer stack (without redirect_dir, metacopy or index).
import {lstatSync, readdirSync, type Stats} from 'node:fs';
import {join} from 'node:path';
import {getAttributeSync} from '../store/xattr-native.js';

/** One real file system object that takes part in a merged node. */
export interface LayerEntry {
  /** 0 is the upper layer, 1.. are the lowers, top-most first. */
  readonly layer: number;
  readonly real: string;
  readonly stats: Stats;
}

/** The merged view of one name. */
export interface MergedNode {
  /** Directory: every layer directory merged into it, top-most first. Non-directory: the single
   *  visible entry. Empty when the name does not exist in the view. */
  readonly entries: readonly LayerEntry[];
  /** The upper layer holds a whiteout for this name (the kernel's ovl_dentry_is_whiteout): creating a
   *  directory here must make it opaque. */
  readonly upperWhiteout: boolean;
}

export const isWhiteout = (stats: Stats): boolean => stats.isCharacterDevice() && stats.rdev === 0;

export function lstatOrNull(path: string): Stats | undefined {
  return lstatSync(path, {throwIfNoEntry: false});
}

/** Only call on real directories: fs-xattr follows symlinks. */
export function isOpaqueDir(real: string, opaqueXattr: string): boolean {
  try {
    return getAttributeSync(real, opaqueXattr).toString() === 'y';
  } catch {
    return false; // ENODATA, or a file system without xattrs
  }
}

export const top = (node: MergedNode): LayerEntry | undefined => node.entries[0];
/** The top entry of a node known to exist (a merged node found on a path has at least one entry). */
export function topEntry(node: MergedNode): LayerEntry {
  const entry = node.entries[0];
  if (!entry) throw new Error('internal: a merged node with no entry');
  return entry;
}
export const upperOf = (node: MergedNode): LayerEntry | undefined => (node.entries[0]?.layer === 0 ? node.entries[0] : undefined);
export const exists = (node: MergedNode): boolean => node.entries.length > 0;
export const isDirNode = (node: MergedNode): boolean => node.entries[0]?.stats.isDirectory() ?? false;
export const isSymlinkNode = (node: MergedNode): boolean => node.entries[0]?.stats.isSymbolicLink() ?? false;
export const hasLowers = (node: MergedNode): boolean => node.entries.some((entry) => entry.layer > 0);
/** The kernel can rename a directory only if it lives in upper alone (ovl_can_move without redirect_dir). */
export const isPureUpper = (node: MergedNode): boolean => node.entries.length === 1 && upperOf(node) !== undefined;

export function rootNode(layerRoots: readonly string[]): MergedNode {
  const entries = layerRoots.map((real, layer) => {
    const stats = lstatOrNull(real);
    if (!stats?.isDirectory()) throw new Error(`layer ${real} is not a directory`);
    return {layer, real, stats};
  });
  return {entries, upperWhiteout: false};
}

/** Looks `name` up in a merged directory: the first layer that has it decides; directories merge
 *  downwards until an opaque directory, a whiteout or a non-directory stops the descent. */
export function lookupChild(parent: MergedNode, name: string, opaqueXattr: string): MergedNode {
  const found: LayerEntry[] = [];
  let upperWhiteout = false;
  for (const dir of parent.entries) {
    const real = join(dir.real, name);
    const stats = lstatOrNull(real);
    if (!stats) continue;
    if (isWhiteout(stats)) {
      upperWhiteout = found.length === 0 && dir.layer === 0;
      break;
    }
    if (found.length > 0 && !stats.isDirectory()) break;
    found.push({layer: dir.layer, real, stats});
    if (!stats.isDirectory() || isOpaqueDir(real, opaqueXattr)) break;
  }
  return {entries: found, upperWhiteout};
}

/** Whether a lower layer still has `name` under this directory, i.e. deleting it needs a whiteout
 *  (the kernel's ovl_lower_positive). */
export function lowerPositive(parent: MergedNode, name: string): boolean {
  for (const dir of parent.entries) {
    if (dir.layer === 0) continue;
    const stats = lstatOrNull(join(dir.real, name));
    if (stats) return !isWhiteout(stats);
  }
  return false;
}

/** Visible names of a merged directory, sorted: the top-most layer that has a name decides. */
export function listNames(dir: MergedNode): string[] {
  const seen = new Set<string>();
  const visible: string[] = [];
  for (const layerDir of dir.entries) {
    for (const dirent of readdirSync(layerDir.real, {withFileTypes: true})) {
      if (seen.has(dirent.name)) continue;
      seen.add(dirent.name);
      const hidden = dirent.isCharacterDevice() && isWhiteout(lstatSync(join(layerDir.real, dirent.name)));
      if (!hidden) visible.push(dirent.name);
    }
  }
  return visible.sort();
}

/** Emptiness as rmdir(2) and rename(2) see it. With `byUpper` the kernel leaves the test to the
 *  upper file system, where whiteouts are entries like any other; otherwise it merges the layers
 *  and ignores whiteouts (which it then clears). */
export function isEmptyDir(dir: MergedNode, byUpper: boolean): boolean {
  return byUpper ? readdirSync(topEntry(dir).real).length === 0 : listNames(dir).length === 0;
}

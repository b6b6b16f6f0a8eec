// Changes between two merged views, with the rules of Docker's `ChangesDirs`
// (moby pkg/archive/changes.go), which is what `docker diff` reports for overlay2
// when the daemon uses the naive diff: compare the two trees entry by entry.
import {joinPath, type Meta, type MergedNode} from './entry.js';

export type ChangeKind = 'A' | 'C' | 'D';

export interface Change {
  kind: ChangeKind;
  path: string;
  /** The entry in the newer view (A and C) or the older one (D). */
  node: MergedNode;
}

/**
 * Decides equality where stat fields alone cannot: Docker also compares the
 * `security.capability` xattr. Called only for non-identical entries with equal stats.
 */
export type SameExtra = (older: MergedNode, newer: MergedNode, path: string) => boolean;

/** Docker's statDifferent: mode, owner and rdev always; size and mtime for non-directories. */
export function statDifferent(a: Meta, b: Meta): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev) return true;
  if (a.kind === 'dir') return false;
  return a.mtimeSec !== b.mtimeSec || a.mtimeNsec !== b.mtimeNsec || a.size !== b.size;
}

/** All changes from `older` to `newer`, parents before children, in name order. */
export function changes(older: MergedNode, newer: MergedNode, sameExtra?: SameExtra): Change[] {
  const out: Change[] = [];
  diffDir(older, newer, '/', false, out, sameExtra);
  return out;
}

function diffDir(
  older: MergedNode | undefined,
  newer: MergedNode,
  path: string,
  recorded: boolean,
  out: Change[],
  sameExtra?: SameExtra,
): void {
  if (older === newer) return;
  const start = out.length;
  const oldChildren = older?.meta.kind === 'dir' && newer.meta.kind === 'dir' ? older.children : undefined;
  for (const name of sortedKeys(newer.children)) {
    const child = newer.children!.get(name)!;
    const prev = oldChildren?.get(name);
    if (prev === child) continue;
    const childPath = joinPath(path, name);
    let childRecorded = false;
    if (!prev) {
      out.push({kind: 'A', path: childPath, node: child});
      childRecorded = true;
    } else if (statDifferent(prev.meta, child.meta) || (sameExtra && !sameExtra(prev, child, childPath))) {
      out.push({kind: 'C', path: childPath, node: child});
      childRecorded = true;
    }
    if (child.children) diffDir(prev, child, childPath, childRecorded, out, sameExtra);
  }
  for (const name of sortedKeys(oldChildren)) {
    if (!newer.children?.has(name)) out.push({kind: 'D', path: joinPath(path, name), node: oldChildren!.get(name)!});
  }
  // A directory whose contents changed is reported as changed itself (moby PR 13590).
  if (out.length > start && !recorded && path !== '/') {
    out.splice(start, 0, {kind: 'C', path, node: newer});
  }
}

function sortedKeys(map: Map<string, unknown> | undefined): string[] {
  return map ? [...map.keys()].sort() : [];
}

/**
 * Docker's ChangesSize: bytes of the non-directories added or changed, hard links
 * (same layer and inode) counted once. This is a container's SizeRw.
 */
export function changesSize(list: Change[]): number {
  const seen = new Set<string>();
  let size = 0;
  for (const c of list) {
    if (c.kind === 'D' || c.node.meta.kind === 'dir') continue;
    if (c.node.meta.nlink > 1) {
      const key = `${c.node.layer}:${c.node.meta.ino}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    size += c.node.meta.size;
  }
  return size;
}

// Changes between two merged views, with the rules of Docker's `ChangesDirs`
// (moby pkg/archive/changes.go), which is what `docker diff` reports for overlay2
// when the daemon uses the naive diff: compare the two trees entry by entry.
import {joinPath, type Meta, type MergedNode} from './entry.js';
import {finish, type Steps} from './steps.js';

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

/** How many entries the diff visits between two pauses (a few milliseconds, xattr reads included). */
const STEP = 1000;

/** All changes from `older` to `newer`, parents before children, in name order. */
export function changes(older: MergedNode, newer: MergedNode, sameExtra?: SameExtra): Change[] {
  return finish(changeSteps(older, newer, sameExtra));
}

/** `changes` in steps: it pauses every thousand entries visited (two views of 100k entries take ~100 ms in all). */
export function* changeSteps(older: MergedNode, newer: MergedNode, sameExtra?: SameExtra): Steps<Change[]> {
  if (older === newer) return [];
  // Iterative (a deep tree costs no stack). A directory gets a slot before its children's changes,
  // filled with its own `C` when something below it changed and it was not recorded itself.
  const out: (Change | undefined)[] = [];
  interface Frame {
    newer: MergedNode;
    oldChildren: Map<string, MergedNode> | undefined;
    path: string;
    names: string[];
    i: number;
    /** Index of the directory's own slot, or -1 (recorded already, or the root). */
    slot: number;
    /** Whether anything at or below it changed. */
    changed: boolean;
  }
  const frame = (o: MergedNode | undefined, n: MergedNode, path: string, recorded: boolean): Frame => {
    const slot = recorded || path === '/' ? -1 : out.push(undefined) - 1;
    return {
      newer: n,
      oldChildren: o?.meta.kind === 'dir' && n.meta.kind === 'dir' ? o.children : undefined,
      path,
      names: sortedKeys(n.children),
      i: 0,
      slot,
      changed: false,
    };
  };
  const stack: Frame[] = [frame(older, newer, '/', false)];
  for (let n = 1; stack.length > 0; n++) {
    if (n % STEP === 0) yield;
    const f = stack[stack.length - 1]!;
    if (f.i < f.names.length) {
      const name = f.names[f.i++]!;
      const child = f.newer.children!.get(name)!;
      const prev = f.oldChildren?.get(name);
      if (prev === child) continue;
      const childPath = joinPath(f.path, name);
      let recorded = false;
      if (!prev) {
        out.push({kind: 'A', path: childPath, node: child});
        recorded = f.changed = true;
      } else if (statDifferent(prev.meta, child.meta) || (sameExtra && !sameExtra(prev, child, childPath))) {
        out.push({kind: 'C', path: childPath, node: child});
        recorded = f.changed = true;
      }
      if (child.children) stack.push(frame(prev, child, childPath, recorded));
      continue;
    }
    stack.pop();
    for (const name of sortedKeys(f.oldChildren)) {
      if (f.newer.children?.has(name)) continue;
      out.push({kind: 'D', path: joinPath(f.path, name), node: f.oldChildren!.get(name)!});
      f.changed = true;
    }
    // A directory whose contents changed is reported as changed itself (moby PR 13590).
    if (f.changed && f.slot >= 0) out[f.slot] = {kind: 'C', path: f.path, node: f.newer};
    if (f.changed && stack.length > 0) stack[stack.length - 1]!.changed = true;
  }
  const list: Change[] = [];
  for (const c of out) if (c) list.push(c);
  return list;
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

// A rootless containers-storage root (~/.local/share/containers/storage) is written from inside
// the user's user namespace: on the host its files belong to the user (container uid 0) and to
// the user's subordinate ids from /etc/subuid and /etc/subgid (container ids 1, 2, ...). podman
// shows the ids as the namespace sees them; so does layerscope, when this host knows the ranges.
import {readFileSync, statSync} from 'node:fs';
import type {LayerNode} from '../../tree/entry.js';

export interface IdMap {
  uid: (host: number) => number;
  gid: (host: number) => number;
  /** What was used, for the notice. */
  describe: string;
}

/** The kernel's overflow id: what a host id outside the namespace's map looks like inside it. */
const OVERFLOW = 65534;

function ranges(file: string, name: string, id: number): [number, number][] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((l) => l.trim().split(':'))
    .filter((f) => f.length === 3 && (f[0] === name || f[0] === String(id)))
    .map((f) => [Number(f[1]), Number(f[2])] as [number, number])
    .filter(([s, n]) => Number.isInteger(s) && Number.isInteger(n));
}

function userName(uid: number): string | undefined {
  try {
    return readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((l) => l.split(':'))
      .find((f) => f[2] === String(uid))?.[0];
  } catch {
    return undefined;
  }
}

/** rootless podman's default mapping: owner → 0, then each subordinate range in order from 1. */
function mapper(owner: number, subs: [number, number][]): (host: number) => number {
  return (host) => {
    if (host === owner) return 0;
    let next = 1;
    for (const [start, count] of subs) {
      if (host >= start && host < start + count) return next + host - start;
      next += count;
    }
    return OVERFLOW;
  };
}

/**
 * The id mapping of a rootless root (one owned by a user other than root), or why there is none:
 * a string when the root is rootless but this host has no subordinate ranges for its owner.
 */
export function rootlessIdMap(root: string): IdMap | string | undefined {
  const st = statSync(root);
  if (st.uid === 0) return undefined;
  const name = userName(st.uid) ?? String(st.uid);
  const subuid = ranges('/etc/subuid', name, st.uid);
  const subgid = ranges('/etc/subgid', name, st.uid);
  if (!subuid.length || !subgid.length) {
    return `${root} is a rootless store (owner uid ${st.uid}) but /etc/subuid or /etc/subgid has no range for ${name} here: file owners are shown as host ids, not as the containers see them`;
  }
  return {
    uid: mapper(st.uid, subuid),
    gid: mapper(st.gid, subgid),
    describe: `rootless store of ${name}: owners shown as its containers see them (host ${st.uid} = 0, ${subuid.map(([s, n]) => `${s}-${s + n - 1}`).join(', ')} from /etc/subuid = 1…)`,
  };
}

/** Rewrite every owner in a layer tree with the mapping (in place). */
export function mapOwners(tree: LayerNode, map: IdMap): LayerNode {
  const stack = [tree];
  while (stack.length) {
    const node = stack.pop()!;
    node.meta.uid = map.uid(node.meta.uid);
    node.meta.gid = map.gid(node.meta.gid);
    if (node.children) for (const c of node.children.values()) stack.push(c);
  }
  return tree;
}

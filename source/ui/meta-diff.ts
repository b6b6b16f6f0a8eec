// What differs between two versions of a file besides its bytes: the fields Docker's change
// detection compares (statDifferent: mode, owner, size, mtime), so a diff never calls a file
// identical that `docker diff` reports as changed (a chmod copies a file up with the same bytes).
import type {Meta} from '../tree/entry.js';
import {humanSize, modeString} from '../tree/human.js';

const mtime = (m: Meta): string =>
  `${new Date(m.mtimeSec * 1000).toISOString().slice(0, 19).replace('T', ' ')}${m.mtimeNsec ? `.${String(m.mtimeNsec).padStart(9, '0')}` : ''} UTC`;

/** One line per field that differs, `field: older → newer`; where the file is missing from a side, that. */
export function metaChanges(older: Meta | undefined, newer: Meta | undefined, olderLabel: string, newerLabel: string): string[] {
  if (!older && !newer) return [];
  if (!older) return [`added in ${newerLabel} (not in ${olderLabel})`];
  if (!newer) return [`deleted in ${newerLabel} (only in ${olderLabel})`];
  const out: string[] = [];
  const field = (name: string, a: string, b: string) => {
    if (a !== b) out.push(`${name}: ${a} → ${b}`);
  };
  field('kind', older.kind, newer.kind);
  field('mode', modeString(older.mode), modeString(newer.mode));
  field('owner', `${older.uid}:${older.gid}`, `${newer.uid}:${newer.gid}`);
  // In bytes where the short forms are the same (65.5kB → 65.5kB says nothing).
  const [a, b] = [humanSize(older.size, 3), humanSize(newer.size, 3)];
  field('size', a === b ? `${older.size} B` : a, a === b ? `${newer.size} B` : b);
  field('mtime', mtime(older), mtime(newer));
  return out;
}

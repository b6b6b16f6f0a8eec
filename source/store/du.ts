// Directory sizes the way the daemons count them: Docker's directory.Size (bytes of every
// non-directory, hard links once) and containerd's disk usage (allocated blocks).
import {lstatSync, readdirSync} from 'node:fs';
import {insideDir} from './confine.js';
import type {Volume} from './model.js';
import type {Problems} from './problems.js';

/** Docker's directory.Size: bytes of every non-directory under a path, hard links once. Iterative. */
export function directorySize(dir: string, problems: Problems): number {
  const seen = new Set<number>();
  let size = 0;
  const stack: Buffer[] = [Buffer.from(dir)];
  while (stack.length) {
    const path = stack.pop()!;
    for (const p of children(path, problems)) {
      try {
        const st = lstatSync(p);
        if (st.isDirectory()) stack.push(p);
        else if (st.nlink > 1) {
          if (!seen.has(st.ino)) {
            seen.add(st.ino);
            size += st.size;
          }
        } else size += st.size;
      } catch (err) {
        problems.fromError(p.toString(), err, 'stat');
      }
    }
  }
  return size;
}

/**
 * A local volume's size: its data directory must resolve inside the store root. undefined when
 * the root does not hold the data or it cannot be read (a problem says why).
 */
export function volumeSize(volume: Volume, problems: Problems): number | undefined {
  const data = volume.data;
  if (data.kind !== 'local') return undefined;
  try {
    return directorySize(insideDir(data.root, data.path), problems);
  } catch (err) {
    problems.fromError(data.path, err, 'open the volume directory');
    return undefined;
  }
}

/**
 * containerd's fs.DiskUsage (continuity), which the snapshotters report as a snapshot's usage:
 * allocated blocks (st_blocks × 512) of every entry under a path, the path itself included, each
 * inode once. Iterative, so a deep tree costs no stack.
 */
export function blockUsage(dir: string, problems: Problems): number {
  const seen = new Set<string>();
  let size = 0;
  const stack: Buffer[] = [Buffer.from(dir)];
  while (stack.length) {
    const path = stack.pop()!;
    let st;
    try {
      st = lstatSync(path, {bigint: true});
    } catch (err) {
      problems.fromError(path.toString(), err, 'stat');
      continue;
    }
    const key = `${st.dev}:${st.ino}`;
    if (!seen.has(key)) {
      seen.add(key);
      size += Number(st.blocks) * 512;
    }
    // A loop, not push(...children): spreading 130k+ arguments overflows the stack.
    if (st.isDirectory()) for (const child of children(path, problems)) stack.push(child);
  }
  return size;
}

/** A directory's entries as raw-byte paths: a name that is not UTF-8 is still reached. */
function children(path: Buffer, problems: Problems): Buffer[] {
  try {
    return readdirSync(path, {encoding: 'buffer'}).map((name) => Buffer.concat([path, SLASH, name]));
  } catch (err) {
    problems.fromError(path.toString(), err, 'list directory');
    return [];
  }
}

const SLASH = Buffer.from('/');

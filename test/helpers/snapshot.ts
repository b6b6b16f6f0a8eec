// A fingerprint of a directory tree: every entry's type, mode, owner, size, mtime, rdev,
// symlink target, xattrs and content hash. Two equal snapshots mean nothing was written.
// Paths are raw bytes so names that are not UTF-8 are covered too.
import {createHash} from 'node:crypto';
import {closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync} from 'node:fs';
import {getAttributeSync, listAttributesSync} from '../../source/store/xattr-native.js';

const CHUNK = 1 << 20;

/** Hash contents; for huge (e.g. sparse) files the first and last MiB stand for the rest. */
function contentHash(path: Buffer, size: bigint): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(CHUNK);
    const read = (pos: number) => hash.update(buf.subarray(0, readSync(fd, buf, 0, CHUNK, pos)));
    if (size > 64n * BigInt(CHUNK)) {
      read(0);
      read(Number(size) - CHUNK);
    } else for (let pos = 0; pos < Number(size); pos += CHUNK) read(pos);
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

export function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (path: Buffer, rel: string): void => {
    const st = lstatSync(path, {bigint: true});
    const parts = [st.mode, st.uid, st.gid, st.size, st.mtimeNs, st.rdev, st.nlink].map(String);
    if (st.isSymbolicLink()) parts.push(readlinkSync(path, {encoding: 'buffer'}).toString('hex'));
    else {
      const p = path.toString();
      if (!p.includes('\uFFFD')) for (const name of listAttributesSync(p).sort()) parts.push(`${name}=${getAttributeSync(p, name).toString('hex')}`);
      if (st.isFile()) parts.push(contentHash(path, st.size));
    }
    out.set(rel, parts.join(' '));
    if (st.isDirectory()) {
      for (const name of readdirSync(path, {encoding: 'buffer'}).sort(Buffer.compare)) {
        visit(Buffer.concat([path, Buffer.from('/'), name]), `${rel}/${name.toString('hex')}`);
      }
    }
  };
  visit(Buffer.from(root), '');
  return out;
}

// A fingerprint of a directory tree: every entry's type, mode, owner, size, mtime, rdev,
// symlink target, xattrs and content hash. Two equal snapshots mean nothing was written.
import {createHash} from 'node:crypto';
import {lstatSync, readdirSync, readFileSync, readlinkSync} from 'node:fs';
import {join} from 'node:path';
import {getAttributeSync, listAttributesSync} from 'fs-xattr';

export function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (path: string, rel: string): void => {
    const st = lstatSync(path, {bigint: true});
    const parts = [st.mode, st.uid, st.gid, st.size, st.mtimeNs, st.rdev, st.nlink].map(String);
    if (st.isSymbolicLink()) parts.push(readlinkSync(path));
    else {
      for (const name of listAttributesSync(path).sort()) parts.push(`${name}=${getAttributeSync(path, name).toString('hex')}`);
      if (st.isFile()) parts.push(createHash('sha256').update(readFileSync(path)).digest('hex'));
    }
    out.set(rel, parts.join(' '));
    if (st.isDirectory()) for (const name of readdirSync(path).sort()) visit(join(path, name), `${rel}/${name}`);
  };
  visit(root, '');
  return out;
}

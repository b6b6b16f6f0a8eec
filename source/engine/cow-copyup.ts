// Writing into the upper layer the way overlayfs does: whole-file copy-up with attributes, and
// whiteouts as character devices 0/0.
import {execFileSync} from 'node:child_process';
import {chmodSync, copyFileSync, lchownSync, lutimesSync, mkdirSync, readlinkSync, symlinkSync} from 'node:fs';
import {getAttributeSync, listAttributesSync, setAttributeSync} from '../store/xattr-native.js';
import {CowError} from './cow-errors.js';
import type {LayerEntry} from './cow-layers.js';

/** Copies one lower entry (a directory without its children, a file, or a symlink) to `dest` in
 *  upper, keeping content, mode, owner, atime/mtime and every xattr that is not overlay-private. */
export function copyUpEntry(entry: LayerEntry, dest: string, privateXattrPrefix: string): void {
  const {stats, real} = entry;
  if (stats.isDirectory()) mkdirSync(dest, {mode: 0o700});
  else if (stats.isFile()) copyFileSync(real, dest);
  else if (stats.isSymbolicLink()) symlinkSync(readlinkSync(real), dest);
  else throw new CowError('ENOTSUP', 'copyup', real, 'copy-up of special files is not supported');

  // fs-xattr follows symlinks, and user.* xattrs cannot exist on symlinks anyway.
  if (!stats.isSymbolicLink()) copyXattrs(real, dest, privateXattrPrefix);
  // Owner before mode: chown(2) clears set-id bits that the mode must keep.
  lchownSync(dest, stats.uid, stats.gid);
  if (!stats.isSymbolicLink()) chmodSync(dest, stats.mode & 0o7777);
  lutimesSync(dest, stats.atimeMs / 1000, stats.mtimeMs / 1000);
}

function copyXattrs(from: string, to: string, privatePrefix: string): void {
  for (const name of listAttributesSync(from)) {
    if (!name.startsWith(privatePrefix)) setAttributeSync(to, name, getAttributeSync(from, name));
  }
}

/** A whiteout as the kernel makes it: a character device 0/0 with mode 0000. For a removal
 *  overlayfs makes it in its work directory with the mounter's credentials; for a rename the upper
 *  file system makes it in place (RENAME_WHITEOUT), so a set-group-ID directory passes on its group,
 *  as it does for mknod(1) here. Node has no mknod. */
export function makeWhiteout(path: string, made: 'by-remove' | 'by-rename'): void {
  execFileSync('mknod', ['-m', '000', path, 'c', '0', '0'], {stdio: ['ignore', 'ignore', 'pipe']});
  if (made === 'by-remove') lchownSync(path, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
}

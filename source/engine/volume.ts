// Local volumes as Docker's local driver keeps them: volumes/<name>/_data (named ones created on first
// use, anonymous ones named by 64 random hex digits), filled from the image on first mount.
import {randomBytes} from 'node:crypto';
import {chmodSync, existsSync, lchownSync, lutimesSync, mkdirSync, readdirSync, symlinkSync, writeFileSync} from 'node:fs';
import {join, posix} from 'node:path';
import type {CowView} from './cow.js';

/** Docker's volume name rule (volume/local: validName). */
const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export interface VolumeDir {
  name: string;
  /** volumes/<name>/_data */
  data: string;
  /** false when the volume existed already */
  created: boolean;
}

export function anonymousVolumeName(): string {
  return randomBytes(32).toString('hex');
}

/** Create volumes/<name>/_data unless it exists (what `docker volume create` and first use do). */
export function ensureVolume(root: string, name: string): VolumeDir {
  if (!VALID_NAME.test(name)) throw new Error(`invalid volume name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  const base = join(root, 'volumes');
  const data = join(base, name, '_data');
  if (existsSync(data)) return {name, data, created: false};
  mkdirSync(base, {recursive: true, mode: 0o701});
  mkdirSync(join(base, name), {mode: 0o701});
  mkdirSync(data, {mode: 0o755});
  return {name, data, created: true};
}

/**
 * Docker's CopyImagePathContent: a new, empty volume mounted over a directory of the image starts with
 * a copy of that directory (content, modes, owners when root, times).
 */
export function copyImagePath(view: Pick<CowView, 'lstat' | 'readdir' | 'readFile' | 'readlink'>, path: string, data: string): void {
  let st;
  try {
    st = view.lstat(path);
  } catch {
    return; // nothing in the image there
  }
  if (!st.isDirectory() || readdirSync(data).length > 0) return;
  const asRoot = process.getuid?.() === 0;
  const copy = (from: string, to: string): void => {
    for (const name of view.readdir(from)) {
      const src = posix.join(from, name);
      const dest = join(to, name);
      const s = view.lstat(src);
      if (s.isDirectory()) {
        mkdirSync(dest);
        copy(src, dest);
      } else if (s.isSymbolicLink()) symlinkSync(view.readlink(src), dest);
      else if (s.isFile()) writeFileSync(dest, view.readFile(src));
      else continue; // devices and fifos are not copied into volumes
      if (asRoot) lchownSync(dest, s.uid, s.gid);
      if (!s.isSymbolicLink()) chmodSync(dest, s.mode & 0o7777);
      lutimesSync(dest, s.atime, s.mtime);
    }
  };
  copy(path, data);
  if (asRoot) lchownSync(data, st.uid, st.gid);
  chmodSync(data, st.mode & 0o7777);
}

// Real overlayfs material for tests: layer directories with char-device whiteouts and opaque
// xattrs, kernel overlay mounts, and a Node-fs driver of a mount point with CowView's interface.
import {execFileSync} from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {getAttributeSync, listAttributesSync, setAttributeSync} from '../../source/store/xattr-native.js';
import type {OpaqueXattr} from '../../source/engine/cow.js';
import type {FsOpTarget} from '../../source/engine/fs-op.js';

export const isRoot = process.getuid?.() === 0;
export const OPAQUE: OpaqueXattr = 'trusted.overlay.opaque';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `layerscope-${prefix}-`));
}

/** Template whiteouts by st_dev, each made once by mknod(1) outside any layer. */
const whiteoutTemplates = new Map<number, string>();

function addWhiteoutTemplate(dir: string): void {
  const template = join(dir, '.whiteout');
  execFileSync('mknod', ['-m', '000', template, 'c', '0', '0']);
  whiteoutTemplates.set(statSync(dir).dev, template);
}

/** A whiteout as the kernel makes it (char device 0/0, mode 0000). Hard-linking a template saves a
 *  process per whiteout; the kernel shares its whiteouts the same way. */
export function makeWhiteout(path: string): void {
  if (whiteoutTemplates.size === 0) addWhiteoutTemplate(tempDir('whiteout'));
  const template = whiteoutTemplates.get(statSync(dirname(path)).dev);
  if (template) linkSync(template, path);
  else execFileSync('mknod', ['-m', '000', path, 'c', '0', '0']);
}

export function removeWhiteoutTemplates(): void {
  for (const template of whiteoutTemplates.values()) rmSync(dirname(template), {recursive: true, force: true});
  whiteoutTemplates.clear();
}

/** A temp directory on a private tmpfs when one can be mounted (else on disk), for the thousands of
 *  small layer stacks the differential test builds and throws away: the shared disk is slow. */
export function scratchDir(prefix: string): {readonly path: string; dispose(): void} {
  const path = tempDir(prefix);
  let onTmpfs = false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512m,mode=0755', 'tmpfs', path], {stdio: 'ignore'});
    onTmpfs = true;
    addWhiteoutTemplate(path);
  } catch {
    // Plain disk is slower but fine.
  }
  return {
    path,
    dispose() {
      if (onTmpfs) {
        whiteoutTemplates.delete(statSync(path).dev);
        execFileSync('umount', [path]);
      }
      rmSync(path, {recursive: true, force: true});
    },
  };
}

export function setOpaque(dir: string, xattr = OPAQUE): void {
  setAttributeSync(dir, xattr, 'y');
}

interface Owned {
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Seconds since the epoch, for atime and mtime. */
  readonly time?: number;
}

export type LayerItem =
  | ({readonly kind: 'dir'; readonly path: string; readonly opaque?: boolean} & Owned)
  | ({readonly kind: 'file'; readonly path: string; readonly content: string; readonly xattrs?: Record<string, string>} & Owned)
  | ({readonly kind: 'symlink'; readonly path: string; readonly target: string} & Omit<Owned, 'mode'>)
  | {readonly kind: 'hardlink'; readonly path: string; readonly target: string}
  | {readonly kind: 'whiteout'; readonly path: string};

/** Creates the items in order under `root` (paths are absolute inside the layer); missing parent
 *  directories are made with default attributes. */
export function buildLayer(root: string, items: readonly LayerItem[], opaqueXattr: OpaqueXattr = OPAQUE): void {
  mkdirSync(root, {recursive: true});
  for (const item of items) {
    const real = join(root, item.path);
    mkdirSync(dirname(real), {recursive: true});
    switch (item.kind) {
      case 'dir':
        mkdirSync(real);
        if (item.opaque) setOpaque(real, opaqueXattr);
        break;
      case 'file':
        writeFileSync(real, item.content);
        for (const [name, value] of Object.entries(item.xattrs ?? {})) setAttributeSync(real, name, value);
        break;
      case 'symlink':
        symlinkSync(item.target, real);
        break;
      case 'hardlink':
        linkSync(join(root, item.target), real);
        break;
      case 'whiteout':
        makeWhiteout(real);
        break;
    }
    if (item.kind === 'hardlink' || item.kind === 'whiteout') continue;
    lchownSync(real, item.uid ?? 0, item.gid ?? 0);
    if ('mode' in item && item.mode !== undefined) chmodSync(real, item.mode);
    if (item.time !== undefined) lutimesSync(real, item.time, item.time);
  }
}

export interface OverlayDirs {
  /** Top-most first. */
  readonly lowers: readonly string[];
  readonly upper: string;
  readonly work: string;
  readonly merged: string;
}

/** The kernel behaviour CowView copies: no redirect_dir, no metacopy, no index. `userxattr` (xattrs
 *  under user.overlay., CowView's opaqueXattr 'user.overlay.opaque') implies all three and refuses
 *  an explicit redirect_dir. */
const mountOptions = (opaqueXattr: OpaqueXattr): string => (opaqueXattr === OPAQUE ? 'redirect_dir=off,index=off,metacopy=off' : 'userxattr');

const mounted = new Set<string>();

export function mountOverlay({lowers, upper, work, merged}: OverlayDirs, opaqueXattr: OpaqueXattr = OPAQUE): void {
  const options = `lowerdir=${lowers.join(':')},upperdir=${upper},workdir=${work},${mountOptions(opaqueXattr)}`;
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', options, merged], {stdio: ['ignore', 'ignore', 'pipe']});
  mounted.add(merged);
}

export function umountOverlay(merged: string): void {
  if (!mounted.has(merged)) return;
  execFileSync('umount', [merged], {stdio: ['ignore', 'ignore', 'pipe']});
  mounted.delete(merged);
}

/** For afterEach/afterAll: unmounts whatever is still mounted, even after a failed test. */
export function umountAll(): void {
  for (const merged of [...mounted]) {
    try {
      umountOverlay(merged);
    } catch {
      execFileSync('umount', ['-l', merged]);
      mounted.delete(merged);
    }
  }
}

let mountCheck: {ok: true} | {ok: false; reason: string} | undefined;

/** Tries one real overlay mount (once per process), including a whiteout and an opaque directory. */
export function canMountOverlay(): {ok: true} | {ok: false; reason: string} {
  mountCheck ??= checkMount();
  return mountCheck;
}

function checkMount(): {ok: true} | {ok: false; reason: string} {
  if (!isRoot) return {ok: false, reason: 'mounting overlayfs and making trusted.* xattrs need root'};
  const root = tempDir('overlay-check');
  const dirs = {lowers: [join(root, 'lower')], upper: join(root, 'upper'), work: join(root, 'work'), merged: join(root, 'merged')};
  try {
    buildLayer(dirs.lowers[0]!, [
      {kind: 'file', path: '/gone', content: ''},
      {kind: 'dir', path: '/opaque', opaque: true},
    ]);
    buildLayer(dirs.upper, [{kind: 'whiteout', path: '/gone'}]);
    for (const dir of [dirs.work, dirs.merged]) mkdirSync(dir);
    mountOverlay(dirs);
    const names = readdirSync(dirs.merged);
    umountOverlay(dirs.merged);
    if (names.join() !== 'opaque') return {ok: false, reason: `overlay mounted but shows [${names.join()}]`};
    return {ok: true};
  } catch (error) {
    const stderr = (error as {stderr?: Buffer}).stderr?.toString().trim();
    return {ok: false, reason: `cannot mount overlayfs: ${stderr || (error as Error).message}`};
  } finally {
    umountAll();
    rmSync(root, {recursive: true, force: true});
  }
}

/** Drives a mounted overlay with Node's fs calls, so the kernel runs the same verbs as CowView. */
export class MountFs implements FsOpTarget {
  constructor(readonly root: string) {}

  #real(path: string): string {
    return this.root + path;
  }

  writeFile(path: string, data: Uint8Array | string): void {
    writeFileSync(this.#real(path), data);
  }
  appendFile(path: string, data: Uint8Array | string): void {
    appendFileSync(this.#real(path), data);
  }
  truncate(path: string, size: number): void {
    truncateSync(this.#real(path), size);
  }
  chmod(path: string, mode: number): void {
    chmodSync(this.#real(path), mode);
  }
  chown(path: string, uid: number, gid: number): void {
    chownSync(this.#real(path), uid, gid);
  }
  lchown(path: string, uid: number, gid: number): void {
    lchownSync(this.#real(path), uid, gid);
  }
  lutimes(path: string, atime: number, mtime: number): void {
    lutimesSync(this.#real(path), atime, mtime);
  }
  rename(from: string, to: string): void {
    renameSync(this.#real(from), this.#real(to));
  }
  unlink(path: string): void {
    unlinkSync(this.#real(path));
  }
  rm(path: string, options: {recursive?: boolean} = {}): void {
    if (options.recursive) rmTree(this.#real(path));
    else unlinkSync(this.#real(path));
  }
  mkdir(path: string, options: {recursive?: boolean} = {}): void {
    mkdirSync(this.#real(path), options);
  }
  rmdir(path: string): void {
    rmdirSync(this.#real(path));
  }
  symlink(target: string, path: string): void {
    symlinkSync(target, this.#real(path));
  }
  link(existingPath: string, newPath: string): void {
    linkSync(this.#real(existingPath), this.#real(newPath));
  }
  lstat(path: string) {
    return lstatSync(this.#real(path));
  }
  stat(path: string) {
    return statSync(this.#real(path));
  }
  /** The kernel passes readdir straight through for a directory that comes from one layer alone
   *  (no OVL_WHITEOUTS flag), listing its whiteouts as names that lstat cannot find. CowView lists
   *  only names that exist, so those are dropped here. */
  readdir(path: string): string[] {
    const real = this.#real(path);
    return readdirSync(real, {withFileTypes: true})
      .filter((dirent) => !dirent.isCharacterDevice() || lstatSync(join(real, dirent.name), {throwIfNoEntry: false}))
      .map((dirent) => dirent.name)
      .sort();
  }
  readFile(path: string): Buffer {
    return readFileSync(this.#real(path));
  }
  readlink(path: string): string {
    return readlinkSync(this.#real(path));
  }
}

/** Xattrs that only the kernel writes (origin, impure, uuid, ...): everything overlay-private but
 *  the opaque mark, in either namespace. */
const kernelPrivate = (name: string): boolean => /^(trusted|user)\.overlay\./.test(name) && !name.endsWith('.overlay.opaque');

/** One line per entry of a real directory tree (e.g. an upper layer), sorted by path: type, mode,
 *  owner, content or target, xattrs. File and symlink mtimes are shown when older than `recent`
 *  (copied up unchanged) and as "new" otherwise; directory times are left out. */
export function describeRealTree(root: string, recent: number): string[] {
  const lines: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = `${rel}/${name}`;
      const real = join(root, path);
      const stats = lstatSync(real);
      const owner = `${(stats.mode & 0o7777).toString(8)} ${stats.uid}:${stats.gid}`;
      const time = stats.mtimeMs < recent ? `t=${Math.round(stats.mtimeMs)}` : 't=new';
      const xattrs = stats.isSymbolicLink()
        ? ''
        : listAttributesSync(real)
            .filter((attr) => !kernelPrivate(attr))
            .sort()
            .map((attr) => ` ${attr}=${getAttributeSync(real, attr).toString()}`)
            .join('');
      if (stats.isDirectory()) lines.push(`${path} dir ${owner}${xattrs}`);
      else if (stats.isFile()) lines.push(`${path} file ${owner} ${JSON.stringify(readFileSync(real).toString())} ${time}${xattrs}`);
      else if (stats.isSymbolicLink()) lines.push(`${path} symlink ${stats.uid}:${stats.gid} -> ${readlinkSync(real)} ${time}`);
      else if (stats.isCharacterDevice() && stats.rdev === 0) lines.push(`${path} whiteout ${owner}`);
      else lines.push(`${path} other ${stats.mode.toString(8)}`);
      if (stats.isDirectory()) walk(path);
    }
  };
  walk('');
  return lines;
}

/** The same kind of lines for a merged view, walked through its own interface (CowView or a mount). */
export function describeView(view: Pick<FsOpTarget, 'lstat' | 'readdir' | 'readFile' | 'readlink'>, recent: number): string[] {
  const lines: string[] = [];
  const walk = (rel: string): void => {
    for (const name of view.readdir(rel || '/')) {
      const path = `${rel}/${name}`;
      const stats = view.lstat(path);
      const owner = `${(stats.mode & 0o7777).toString(8)} ${stats.uid}:${stats.gid}`;
      const time = stats.mtimeMs < recent ? `t=${Math.round(stats.mtimeMs)}` : 't=new';
      if (stats.isDirectory()) {
        lines.push(`${path} dir ${owner}`);
        walk(path);
      } else if (stats.isFile()) lines.push(`${path} file ${owner} ${JSON.stringify(view.readFile(path).toString())} ${time}`);
      else if (stats.isSymbolicLink()) lines.push(`${path} symlink ${stats.uid}:${stats.gid} -> ${view.readlink(path)} ${time}`);
      else lines.push(`${path} other ${stats.mode.toString(8)}`);
    }
  };
  walk('');
  return lines;
}

/**
 * `rm -r` as Node 20's fs.rmSync does it (its rimraf), whatever Node runs the test, as CowView
 * does it: rmdir first, into the children only when the directory is not empty, a child that is
 * gone (a whiteout a plain lower directory lists) skipped. So `rm -r` of the mount point itself
 * fails with EBUSY and keeps its contents; Node 24's rmSync empties it first, then reports an
 * error with no code.
 */
function rmTree(path: string): void {
  lstatSync(path); // a missing path is ENOENT (rmSync without force)
  rimraf(path);
}

const codeOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

function rimraf(path: string): void {
  let dir = false;
  try {
    dir = lstatSync(path).isDirectory();
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return;
  }
  if (dir) return rmdirEmptying(path, undefined);
  try {
    unlinkSync(path);
  } catch (err) {
    const code = codeOf(err);
    if (code === 'ENOENT') return;
    if (code !== 'EISDIR' && code !== 'EPERM') throw err;
    rmdirEmptying(path, err);
  }
}

function rmdirEmptying(path: string, first: unknown): void {
  try {
    rmdirSync(path);
  } catch (err) {
    const code = codeOf(err);
    if (code === 'ENOENT') return;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw first ?? err;
    for (const name of readdirSync(path)) rimraf(join(path, name));
    try {
      rmdirSync(path);
    } catch (again) {
      if (codeOf(again) !== 'ENOENT') throw again;
    }
  }
}

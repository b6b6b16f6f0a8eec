// A userspace copy-on-write view of overlayfs layers: reads merge `upper` over `lowers`, writes go
// to `upper` only, leaving exactly what the kernel's overlayfs (no redirect_dir, metacopy or index)
// would leave there. Checked step by step against a real overlay mount in test/engine/cow-kernel.test.ts.
//
// Paths are absolute inside the view. Symlinks are resolved inside the merged view, like path
// components in the kernel, but with the view as root: an absolute target starts at the view root
// and ".." stops at it (chroot semantics, what the container sees), so no operation ever follows a
// link out of the layers. A path that climbs above "/" by itself is refused with EINVAL; trailing
// slashes are ignored. Every check runs before the first write, so a failing operation changes
// nothing (but for one kernel quirk kept on purpose, see rename).
//
// Deliberate differences from the kernel: readdir never lists whiteouts (the kernel passes readdir
// through for a directory that comes from a single layer, whiteouts and all, as names that lstat
// cannot find); copy-up of device nodes, FIFOs and sockets fails with ENOTSUP; stat() returns the
// Stats of the layer file that backs the name (its dev/ino, not the overlay's).
import {
  chmodSync,
  lchownSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import {join, posix} from 'node:path';
import {setAttributeSync} from '../store/xattr-native.js';
import {copyUpEntry, makeWhiteout} from './cow-copyup.js';
import {CowError} from './cow-errors.js';
import {
  exists,
  hasLowers,
  isDirNode,
  isEmptyDir,
  isOpaqueDir,
  isPureUpper,
  isSymlinkNode,
  listNames,
  lookupChild,
  lowerPositive,
  lstatOrNull,
  rootNode,
  topEntry,
  upperOf,
  type LayerEntry,
  type MergedNode,
} from './cow-layers.js';
import {linkComponents, viewComponents} from './cow-path.js';

export {CowError, type CowErrorCode} from './cow-errors.js';

export type OpaqueXattr = 'trusted.overlay.opaque' | 'user.overlay.opaque';

export interface CowViewOptions {
  /** Lower layer directories, top-most first, like overlay's lowerdir. */
  readonly lowers: readonly string[];
  readonly upper: string;
  /** 'user.overlay.opaque' for overlays mounted with userxattr. Default 'trusted.overlay.opaque'. */
  readonly opaqueXattr?: OpaqueXattr;
}

interface Step {
  readonly name: string;
  readonly node: MergedNode;
}

/** A resolved path: the root step, then one step per component, with symlinks already replaced. */
type Chain = readonly Step[];

const MAX_SYMLINKS = 40; // the kernel's MAXSYMLINKS

/** The step `back` places from a chain's end (1: the path itself, 2: its parent); a chain always
 *  starts at the root, and callers only ask for steps the path has. */
function step(chain: Chain, back: number): Step {
  const found = chain[chain.length - back];
  if (!found) throw new Error(`internal: a chain of ${chain.length} steps has no step ${back} from its end`);
  return found;
}
const leaf = (chain: Chain): MergedNode => step(chain, 1).node;
const names = (chain: Chain): string[] => chain.slice(1).map((step) => step.name);
const startsWith = (whole: string[], prefix: string[]): boolean => prefix.every((name, i) => whole[i] === name);

export class CowView {
  /** [upper, ...lowers]: the index is the layer number used in LayerEntry. */
  readonly #layers: readonly string[];
  readonly #upper: string;
  readonly #opaqueXattr: OpaqueXattr;
  /** Xattrs under this prefix belong to overlayfs and are never copied up. */
  readonly #privatePrefix: string;

  constructor({lowers, upper, opaqueXattr = 'trusted.overlay.opaque'}: CowViewOptions) {
    this.#layers = [upper, ...lowers];
    this.#upper = upper;
    this.#opaqueXattr = opaqueXattr;
    this.#privatePrefix = opaqueXattr.slice(0, -'opaque'.length);
  }

  // ---- reading

  stat(path: string): Stats {
    return this.#existing(path, true, 'stat').entry.stats;
  }

  lstat(path: string): Stats {
    return this.#existing(path, false, 'lstat').entry.stats;
  }

  /** The layer file that shows at `path` (a final symlink is not followed), for reading it in place. */
  entry(path: string): {real: string; stats: Stats} {
    const {entry} = this.#existing(path, false, 'lstat');
    return {real: entry.real, stats: entry.stats};
  }

  readlink(path: string): string {
    const {entry} = this.#existing(path, false, 'readlink');
    if (!entry.stats.isSymbolicLink()) throw new CowError('EINVAL', 'readlink', path);
    return readlinkSync(entry.real);
  }

  readFile(path: string): Buffer {
    const {entry} = this.#existing(path, true, 'open');
    if (entry.stats.isDirectory()) throw new CowError('EISDIR', 'read', path);
    return readFileSync(entry.real);
  }

  /** Visible names, sorted. */
  readdir(path: string): string[] {
    const {chain, entry} = this.#existing(path, true, 'scandir');
    if (!entry.stats.isDirectory()) throw new CowError('ENOTDIR', 'scandir', path);
    return listNames(leaf(chain));
  }

  // ---- writing file contents and attributes (these follow a final symlink, like open(2))

  writeFile(path: string, data: Uint8Array | string): void {
    this.#write(path, data, 'w');
  }

  appendFile(path: string, data: Uint8Array | string): void {
    this.#write(path, data, 'a');
  }

  truncate(path: string, size: number): void {
    if (!Number.isSafeInteger(size) || size < 0) throw new CowError('EINVAL', 'truncate', path, `bad size ${size}`);
    const {chain, entry} = this.#existing(path, true, 'open');
    if (entry.stats.isDirectory()) throw new CowError('EISDIR', 'open', path);
    truncateSync(this.#copyUp(chain), size);
  }

  chmod(path: string, mode: number): void {
    chmodSync(this.#copyUp(this.#existing(path, true, 'chmod').chain), mode);
  }

  chown(path: string, uid: number, gid: number): void {
    lchownSync(this.#copyUp(this.#existing(path, true, 'chown').chain), uid, gid);
  }

  lchown(path: string, uid: number, gid: number): void {
    lchownSync(this.#copyUp(this.#existing(path, false, 'lchown').chain), uid, gid);
  }

  /** Times in seconds since the epoch; a final symlink is not followed. */
  lutimes(path: string, atime: number, mtime: number): void {
    lutimesSync(this.#copyUp(this.#existing(path, false, 'lutime').chain), atime, mtime);
  }

  // ---- creating and removing names (these never follow a final symlink)

  mkdir(path: string, options: {recursive?: boolean} = {}): void {
    if (options.recursive) this.#mkdirp(path);
    else this.#mkdir(path);
  }

  symlink(target: string, path: string): void {
    if (target === '') throw new CowError('ENOENT', 'symlink', path, 'empty symlink target');
    const chain = this.#resolve(path, false, 'symlink');
    if (exists(leaf(chain))) throw new CowError('EEXIST', 'symlink', path);
    symlinkSync(target, this.#prepareCreate(chain).real);
  }

  /** A hard link to `existingPath` itself (a symlink is not followed); copies it up first. */
  link(existingPath: string, newPath: string): void {
    const {chain: from, entry} = this.#existing(existingPath, false, 'link');
    const to = this.#resolve(newPath, false, 'link');
    if (exists(leaf(to))) throw new CowError('EEXIST', 'link', newPath);
    if (entry.stats.isDirectory()) throw new CowError('EPERM', 'link', existingPath);
    const real = this.#copyUp(from);
    linkSync(real, this.#prepareCreate(to).real);
  }

  unlink(path: string): void {
    const chain = this.#resolve(path, false, 'unlink');
    if (!exists(leaf(chain))) throw new CowError('ENOENT', 'unlink', path);
    if (isDirNode(leaf(chain))) throw new CowError('EISDIR', 'unlink', path);
    this.#remove(chain);
  }

  rmdir(path: string): void {
    const chain = this.#resolve(path, false, 'rmdir');
    const node = leaf(chain);
    if (!exists(node)) throw new CowError('ENOENT', 'rmdir', path);
    if (chain.length === 1) throw new CowError('EBUSY', 'rmdir', path);
    if (!isDirNode(node)) throw new CowError('ENOTDIR', 'rmdir', path);
    // The kernel skips its merged check only for an upper-only directory that needs no whiteout.
    const byUpper = isPureUpper(node) && !lowerPositive(step(chain, 2).node, step(chain, 1).name);
    if (!isEmptyDir(node, byUpper)) throw new CowError('ENOTEMPTY', 'rmdir', path);
    this.#remove(chain);
  }

  /** Without `recursive` this is unlink(); with it, the merged tree goes depth-first. */
  rm(path: string, options: {recursive?: boolean} = {}): void {
    if (!options.recursive) return this.unlink(path);
    const chain = this.#resolve(path, false, 'rm');
    const node = leaf(chain);
    if (!exists(node)) throw new CowError('ENOENT', 'rm', path);
    if (!isDirNode(node)) return this.unlink(path);
    if (chain.length === 1) throw new CowError('EBUSY', 'rm', path);
    const base = `/${names(chain).join('/')}`;
    for (const name of listNames(node)) this.rm(posix.join(base, name), {recursive: true});
    this.rmdir(base);
  }

  /** rename(2) as overlayfs does it: a directory that exists in a lower layer cannot move (EXDEV). */
  rename(fromPath: string, toPath: string): void {
    const from = this.#resolve(fromPath, false, 'rename');
    const to = this.#resolve(toPath, false, 'rename');
    if (from.length === 1 || to.length === 1) throw new CowError('EBUSY', 'rename', from.length === 1 ? fromPath : toPath);
    const source = leaf(from);
    const target = leaf(to);
    if (!exists(source)) throw new CowError('ENOENT', 'rename', fromPath);
    const [fromNames, toNames] = [names(from), names(to)];
    if (toNames.length > fromNames.length && startsWith(toNames, fromNames)) throw new CowError('EINVAL', 'rename', fromPath);
    if (fromNames.length > toNames.length && startsWith(fromNames, toNames)) throw new CowError('ENOTEMPTY', 'rename', toPath);
    if (sameInode(source, target) || fromNames.join('/') === toNames.join('/')) return;
    const isDir = isDirNode(source);
    if (exists(target) && isDir && !isDirNode(target)) throw new CowError('ENOTDIR', 'rename', toPath);
    if (exists(target) && !isDir && isDirNode(target)) throw new CowError('EISDIR', 'rename', toPath);
    if (isDir && !isPureUpper(source)) throw new CowError('EXDEV', 'rename', fromPath);
    const targetByUpper = isPureUpper(target); // then the upper file system tests emptiness
    if (isDirNode(target) && !targetByUpper && !isEmptyDir(target, false)) throw new CowError('ENOTEMPTY', 'rename', toPath);

    const whiteout = lowerPositive(step(from, 2).node, step(from, 1).name);
    const real = this.#copyUp(from);
    this.#copyUp(to, to.length - 2);
    // Like the kernel: a directory moved into a merged directory is made opaque, in case lower
    // layers hold its new name...
    if (isDir && !isOpaqueDir(real, this.#opaqueXattr) && hasLowers(step(to, 2).node)) {
      setAttributeSync(real, this.#opaqueXattr, 'y');
    }
    // ...even when the upper file system then refuses a non-empty target. The only change a failing
    // operation leaves, invisible in the view (the source is an upper-only directory).
    if (isDirNode(target) && targetByUpper && !isEmptyDir(target, true)) throw new CowError('ENOTEMPTY', 'rename', toPath);
    const dest = this.#upperPath(to);
    // What is left of the target in upper is a file, or a directory holding nothing but whiteouts.
    if (upperOf(target)) rmSync(dest, {recursive: true});
    else if (target.upperWhiteout && whiteout) {
      // The kernel swaps the names (RENAME_EXCHANGE): the target's whiteout, owner and all, moves
      // to the source instead of a new one being made there.
      const parked = `${dest}.layerscope-exchange`;
      renameSync(dest, parked);
      renameSync(real, dest);
      renameSync(parked, real);
      return;
    } else if (target.upperWhiteout) unlinkSync(dest);
    renameSync(real, dest);
    if (whiteout) makeWhiteout(real, 'by-rename');
  }

  // ---- internals

  #write(path: string, data: Uint8Array | string, flag: 'w' | 'a'): void {
    // open(O_CREAT) follows a dangling symlink and creates its target: the chain ends there.
    const chain = this.#resolve(path, true, 'open');
    const node = leaf(chain);
    if (isDirNode(node)) throw new CowError('EISDIR', 'open', path);
    writeFileSync(exists(node) ? this.#copyUp(chain) : this.#prepareCreate(chain).real, data, {flag});
  }

  #mkdir(path: string): void {
    const chain = this.#resolve(path, false, 'mkdir');
    if (exists(leaf(chain))) throw new CowError('EEXIST', 'mkdir', path);
    const {real, overWhiteout} = this.#prepareCreate(chain);
    mkdirSync(real);
    // Over a whiteout, lower layers still hold the old directory: hide it, as the kernel does.
    if (overWhiteout) setAttributeSync(real, this.#opaqueXattr, 'y');
  }

  /** The same walk as Node's mkdirSync(path, {recursive: true}), so both give the same errors. */
  #mkdirp(path: string): void {
    const pending = [path];
    while (pending.length > 0) {
      const next = pending.pop()!;
      try {
        this.#mkdir(next);
      } catch (error) {
        const code = (error as CowError).code;
        if (code === 'ENOENT' && posix.dirname(next) !== next) {
          pending.push(next, posix.dirname(next));
          continue;
        }
        if (code !== 'EEXIST') throw error;
        if (!this.stat(next).isDirectory()) throw new CowError(pending.length > 0 ? 'ENOTDIR' : 'EEXIST', 'mkdir', path);
      }
    }
  }

  /** Removes the chain's last name: from upper if it is there, and with a whiteout if a lower layer
   *  still has it. */
  #remove(chain: Chain): void {
    const whiteout = lowerPositive(step(chain, 2).node, step(chain, 1).name);
    this.#copyUp(chain, chain.length - 2);
    const real = this.#upperPath(chain);
    if (upperOf(leaf(chain))) rmSync(real, {recursive: true}); // a directory here holds only whiteouts
    if (whiteout) makeWhiteout(real, 'by-remove');
  }

  #existing(path: string, follow: boolean, syscall: string): {chain: Chain; entry: LayerEntry} {
    const chain = this.#resolve(path, follow, syscall);
    const entry = leaf(chain).entries[0];
    if (!entry) throw new CowError('ENOENT', syscall, path);
    return {chain, entry};
  }

  /** Walks the merged view component by component. Only the last step may be a name that does not
   *  exist; `follow` decides whether a final symlink is replaced by its target. */
  #resolve(path: string, follow: boolean, syscall: string): Chain {
    const pending = viewComponents(path, syscall);
    let chain: Step[] = [{name: '', node: rootNode(this.#layers)}];
    let links = 0;
    while (pending.length > 0) {
      const name = pending.shift()!;
      const dir = leaf(chain);
      if (!isDirNode(dir)) throw new CowError(exists(dir) ? 'ENOTDIR' : 'ENOENT', syscall, path);
      if (name === '..') {
        if (chain.length > 1) chain.pop();
        continue;
      }
      const node = lookupChild(dir, name, this.#opaqueXattr);
      if (isSymlinkNode(node) && (pending.length > 0 || follow)) {
        if (++links > MAX_SYMLINKS) throw new CowError('ELOOP', syscall, path);
        const target = readlinkSync(topEntry(node).real);
        if (target === '') throw new CowError('ENOENT', syscall, path);
        const {absolute, components} = linkComponents(target);
        if (absolute) chain = chain.slice(0, 1);
        pending.unshift(...components);
        continue;
      }
      chain.push({name, node});
    }
    return chain;
  }

  #upperPath(chain: Chain, depth = chain.length - 1): string {
    return join(this.#upper, ...names(chain).slice(0, depth));
  }

  /** Copies up every step of the chain down to `depth` that upper lacks; returns its upper path.
   *  Checks upper itself rather than the chain, which goes stale as earlier copy-ups happen. */
  #copyUp(chain: Chain, depth = chain.length - 1): string {
    for (let i = 1; i <= depth; i++) {
      const dest = this.#upperPath(chain, i);
      if (!lstatOrNull(dest)) copyUpEntry(topEntry(step(chain, chain.length - i).node), dest, this.#privatePrefix);
    }
    return this.#upperPath(chain, depth);
  }

  /** Makes room in upper for a new entry at the chain's last (absent) name. */
  #prepareCreate(chain: Chain): {real: string; overWhiteout: boolean} {
    this.#copyUp(chain, chain.length - 2);
    const real = this.#upperPath(chain);
    const overWhiteout = leaf(chain).upperWhiteout;
    if (overWhiteout) unlinkSync(real);
    return {real, overWhiteout};
  }
}

/** Two upper names of one inode are one overlay inode: rename between them does nothing. */
function sameInode(a: MergedNode, b: MergedNode): boolean {
  const [x, y] = [upperOf(a)?.stats, upperOf(b)?.stats];
  return x !== undefined && y !== undefined && x.dev === y.dev && x.ino === y.ino;
}

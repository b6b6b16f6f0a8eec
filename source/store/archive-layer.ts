// One layer tar (OCI / docker save form) turned into a change set: `.wh.NAME` entries become
// whiteouts, `.wh..wh..opq` marks its directory opaque. Metadata only: each regular file's node
// keeps where its bytes are in the (uncompressed) layer tar (`LayerNode.data`), never the bytes.
import {S_IFMT, type Kind, type LayerNode, type Meta} from '../tree/entry.js';
import type {TarEntry} from './archive-tar.js';
import type {Problems} from './problems.js';

export const WH_PREFIX = '.wh.';
export const WH_OPAQUE = '.wh..wh..opq';

export interface LayerIndex {
  tree: LayerNode;
  /** The layer's size as Docker measures an applied layer (`docker history`, `docker images`): regular
   * files once per inode plus symlink targets' lengths. */
  size: number;
  entries: number;
}

const KIND_OF_TYPE: Record<string, Kind> = {
  File: 'file', OldFile: 'file', ContiguousFile: 'file', Link: 'file',
  SymbolicLink: 'symlink', Directory: 'dir', CharacterDevice: 'char', BlockDevice: 'block', FIFO: 'fifo',
};
const TYPE_BITS: Record<Kind, number> = {file: 0o100000, dir: 0o040000, symlink: 0o120000, char: 0o020000, block: 0o060000, fifo: 0o010000, socket: 0o140000};

/** An implied directory (a parent with no entry of its own). */
function impliedDir(): Meta {
  return {kind: 'dir', mode: 0o40755, uid: 0, gid: 0, size: 0, mtimeSec: 0, mtimeNsec: 0, rdev: 0, ino: 0, nlink: 1};
}

/**
 * A layer's entry name as a list of names, or a reason to refuse it: absolute names and `..`
 * would land outside the root when extracted, so they are never part of the tree.
 */
export function entryNames(raw: string): string[] | string {
  if (raw.startsWith('/')) return 'absolute name';
  const names = raw.split('/').filter((n) => n !== '' && n !== '.');
  if (names.includes('..')) return "name contains '..'";
  return names;
}

/** Makedev as glibc encodes it, so rdev compares with what lstat reports on the root side. */
export function makedev(major: number, minor: number): number {
  return ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12);
}

/** The inverse of makedev: [major, minor]. */
export function devParts(rdev: number): [number, number] {
  return [(rdev >>> 8) & 0xfff, (rdev & 0xff) | ((rdev >>> 12) & ~0xff)];
}

/**
 * `entryNames` as an absolute path ('/' for the root), or the reason to refuse it. Names written
 * by tar (`a/b`, `./a/b`, `a/b/`) take a fast path that makes one string and no arrays.
 */
export function entryPath(raw: string): string | {refused: string} {
  const fast = simplePath(raw);
  if (fast !== undefined) return fast;
  const names = entryNames(raw);
  return typeof names === 'string' ? {refused: names} : `/${names.join('/')}`;
}

/** `/a/b` when `raw` has no empty, `.` or `..` names (after a leading `./` and one trailing `/`). */
function simplePath(raw: string): string | undefined {
  let start = 0;
  while (raw.startsWith('./', start)) start += 2;
  const end = raw.charCodeAt(raw.length - 1) === 0x2f ? raw.length - 1 : raw.length;
  if (end <= start) return undefined;
  let from = start;
  for (let i = start; i <= end; i++) {
    if (i < end && raw.charCodeAt(i) !== 0x2f) continue;
    const len = i - from;
    if (len === 0 || (len <= 2 && raw.charCodeAt(from) === 0x2e && (len === 1 || raw.charCodeAt(from + 1) === 0x2e))) return undefined;
    from = i + 1;
  }
  return `/${start === 0 && end === raw.length ? raw : raw.slice(start, end)}`;
}

export class LayerBuilder {
  private readonly root: LayerNode = {name: '', meta: impliedDir(), children: new Map()};
  /** Directories made for a parent the tar had not named (yet): naming them later is no duplicate. */
  private readonly implied = new Set<LayerNode>();
  private size = 0;
  private entries = 0;
  /** The last parent directory looked up: a tar lists a directory's entries together. */
  private cachedPath: string | undefined;
  private cachedDir: LayerNode = this.root;

  /** `label` names the layer in problems (e.g. `image.tar:abc/layer.tar`). */
  constructor(private readonly label: string, private readonly problems: Problems) {}

  /** One entry; `e` is read here and not kept. */
  add(e: TarEntry): void {
    this.entries++;
    this.size += e.type === 'SymbolicLink' ? Buffer.byteLength(e.linkpath) : e.type === 'Directory' ? 0 : e.size;
    const path = entryPath(e.path);
    if (typeof path !== 'string') return this.problems.add(`${this.label}:${e.path}`, `${path.refused}; entry ignored`);
    const kind = KIND_OF_TYPE[e.type];
    if (!kind) return this.problems.add(`${this.label}:${e.path}`, `unsupported tar entry type ${e.type}; entry ignored`);
    if (path === '/') {
      if (kind === 'dir') this.root.meta = this.meta(e, kind);
      return;
    }
    const slash = path.lastIndexOf('/');
    const name = path.slice(slash + 1);
    const parent = this.dir(path.slice(0, slash));
    if (name === WH_OPAQUE) {
      parent.opaque = true;
      return;
    }
    if (name.startsWith(WH_PREFIX + WH_PREFIX)) return; // AUFS bookkeeping, not content
    if (name.startsWith(WH_PREFIX)) {
      const real = name.slice(WH_PREFIX.length);
      const existing = parent.children!.get(real);
      if (existing?.whiteout) this.duplicate(e);
      // A real entry of the same name wins over its whiteout, as when a tar is applied.
      if (!existing || existing.whiteout) parent.children!.set(real, {name: real, meta: this.meta(e, 'file'), whiteout: true});
      return;
    }
    const existing = parent.children!.get(name);
    if (existing && !existing.whiteout && !this.implied.has(existing)) this.duplicate(e);
    const meta = this.meta(e, kind);
    if (e.type === 'Link') {
      const target = this.linkTarget(e, path);
      if (target === undefined) return;
      meta.target = target;
    } else if (kind === 'symlink') {
      meta.target = e.linkpath;
      if (escapes(path, e.linkpath)) this.problems.add(`${this.label}:${e.path}`, `symbolic link points outside the root (${e.linkpath})`);
    }
    const node: LayerNode = {name, meta};
    if (kind === 'dir') {
      node.children = existing?.children ?? new Map();
      if (existing?.opaque) node.opaque = true;
    } else if (kind === 'file' && e.type !== 'Link' && e.size > 0) {
      node.data = e.offset;
    }
    if (kind === 'dir' || existing?.children) this.cachedPath = undefined; // a directory node was replaced
    parent.children!.set(name, node);
  }

  finish(): LayerIndex {
    return {tree: this.root, size: this.size, entries: this.entries};
  }

  private duplicate(e: TarEntry): void {
    this.problems.add(`${this.label}:${e.path}`, 'duplicate entry; the later one is used');
  }

  private meta(e: TarEntry, kind: Kind): Meta {
    const ms = e.mtimeMs;
    const sec = Math.floor(ms / 1000);
    return {
      kind,
      mode: (e.mode & 0o7777 & ~S_IFMT) | TYPE_BITS[kind],
      uid: e.uid,
      gid: e.gid,
      size: kind === 'dir' ? 0 : e.size,
      mtimeSec: sec,
      mtimeNsec: (ms - sec * 1000) * 1_000_000,
      rdev: kind === 'char' || kind === 'block' ? makedev(e.devmaj, e.devmin) : 0,
      ino: 0,
      nlink: 1,
    };
  }

  /** A hard link must name an earlier regular file of this layer, inside the root. */
  private linkTarget(e: TarEntry, path: string): string | undefined {
    const target = entryNames(e.linkpath);
    const item = `${this.label}:${e.path}`;
    if (typeof target === 'string' || target.length === 0) {
      this.problems.add(item, `hard link points outside the root (${e.linkpath}); entry ignored`);
      return undefined;
    }
    const targetPath = `/${target.join('/')}`;
    if (targetPath === path) {
      this.problems.add(item, 'hard link to itself; entry ignored');
      return undefined;
    }
    let node: LayerNode | undefined = this.root;
    for (const n of target) node = node?.children?.get(n);
    if (!node || node.whiteout || node.meta.kind !== 'file') {
      this.problems.add(item, `hard link to ${e.linkpath}, which is not an earlier file of this layer; entry ignored`);
      return undefined;
    }
    return node.meta.target ?? targetPath;
  }

  /** The directory at `path` ('' for the root), creating implied parents (a file in the way becomes a directory, as tar does). */
  private dir(path: string): LayerNode {
    if (path === this.cachedPath) return this.cachedDir;
    let node = this.root;
    if (path) {
      for (const name of path.slice(1).split('/')) {
        let child = node.children!.get(name);
        if (!child || child.meta.kind !== 'dir' || child.whiteout) {
          child = {name, meta: impliedDir(), children: new Map()};
          this.implied.add(child);
          node.children!.set(name, child);
        }
        node = child;
      }
    }
    this.cachedPath = path;
    this.cachedDir = node;
    return node;
  }
}

/** Whether a relative symlink target climbs above the root from the directory of the link at `path`. */
function escapes(path: string, target: string): boolean {
  if (target.startsWith('/')) return false; // absolute targets resolve inside the container's root
  let depth = -1;
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) depth++;
  for (const part of target.split('/')) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) return true;
  }
  return false;
}

// One layer tar (OCI / docker save form) turned into a change set: `.wh.NAME` entries become
// whiteouts, `.wh..wh..opq` marks its directory opaque. Metadata only: each regular file's node
// keeps where its bytes are in the (uncompressed) layer tar (`LayerNode.data`), never the bytes.
import {parseWhiteout} from '../docker/whiteout.js';
import {S_IFMT, syntheticMeta, type Kind, type LayerNode, type Meta} from '../tree/entry.js';
import type {TarEntry} from '../tar/walker.js';
import type {Problems} from './problems.js';

export interface LayerIndex {
  tree: LayerNode;
  /** The layer's size as Docker measures an applied layer (`docker history`, `docker images`): regular
   * files once per inode plus symlink targets' lengths. */
  size: number;
  entries: number;
}

const KIND_OF_TYPE: Record<string, Kind> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Link: 'file',
  SymbolicLink: 'symlink',
  Directory: 'dir',
  CharacterDevice: 'char',
  BlockDevice: 'block',
  FIFO: 'fifo',
};
const TYPE_BITS: Record<Kind, number> = {file: 0o100000, dir: 0o040000, symlink: 0o120000, char: 0o020000, block: 0o060000, fifo: 0o010000, socket: 0o140000};

/** An implied directory (a parent with no entry of its own). */
function impliedDir(): Meta {
  return syntheticMeta('dir');
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
 * Where the names of a tar entry name written as tar writes them (`a/b`, `./a/b`, `a/b/`) are:
 * `raw.slice(start, end)` holds them and `slash` is the last `/` between (-1 for none). Undefined
 * for anything else (empty, `.` or `..` names, an absolute name), which `entryNames` then reads.
 */
interface Span {
  start: number;
  end: number;
  slash: number;
}

function simpleSpan(raw: string, span: Span): Span | undefined {
  let start = 0;
  while (raw.startsWith('./', start)) start += 2;
  const end = raw.charCodeAt(raw.length - 1) === 0x2f ? raw.length - 1 : raw.length;
  if (end <= start) return undefined;
  let from = start;
  let slash = -1;
  for (let i = start; i <= end; i++) {
    if (i < end && raw.charCodeAt(i) !== 0x2f) continue;
    const len = i - from;
    if (len === 0 || (len <= 2 && raw.charCodeAt(from) === 0x2e && (len === 1 || raw.charCodeAt(from + 1) === 0x2e))) return undefined;
    if (i < end) slash = i;
    from = i + 1;
  }
  span.start = start;
  span.end = end;
  span.slash = slash;
  return span;
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
  /** Every directory of the tree by path (`a/b`): tar lists a directory's entries around its subdirectories'. */
  private readonly dirs = new Map<string, LayerNode>([['', this.root]]);
  private readonly span: Span = {start: 0, end: 0, slash: -1};

  /** `label` names the layer in problems (e.g. `image.tar:abc/layer.tar`). */
  constructor(
    private readonly label: string,
    private readonly problems: Problems,
  ) {}

  /** One entry; `e` is read here and not kept. */
  add(e: TarEntry): void {
    this.entries++;
    this.size += e.type === 'SymbolicLink' ? Buffer.byteLength(e.linkpath) : e.type === 'Directory' ? 0 : e.size;
    const raw = e.path;
    // The parent directory's path (`a/b`, '' for the root) and the entry's name; a tar lists a
    // directory's entries together, so the parent is most often the last one, found with no string made.
    const span = simpleSpan(raw, this.span);
    const names = span ? undefined : entryNames(raw);
    if (typeof names === 'string') return this.problems.add(`${this.label}:${raw}`, `${names}; entry ignored`);
    const kind = KIND_OF_TYPE[e.type];
    if (!kind) return this.problems.add(`${this.label}:${raw}`, `unsupported tar entry type ${e.type}; entry ignored`);
    let parent: LayerNode;
    let name: string;
    if (span) {
      const {start, end, slash} = span;
      const dirLength = slash === -1 ? 0 : slash - start;
      const cached = this.cachedPath;
      parent =
        cached !== undefined && cached.length === dirLength && raw.startsWith(cached, start) ? this.cachedDir : this.dir(raw.slice(start, start + dirLength));
      name = start === 0 && end === raw.length && slash === -1 ? raw : raw.slice(slash === -1 ? start : slash + 1, end);
    } else if (names!.length === 0) {
      if (kind === 'dir') this.root.meta = this.meta(e, kind);
      return;
    } else {
      parent = this.dir(names!.slice(0, -1).join('/'));
      name = names![names!.length - 1]!;
    }
    const wh = parseWhiteout(name);
    if (wh?.kind === 'opaque') {
      parent.opaque = true;
      return;
    }
    if (wh?.kind === 'meta') return; // AUFS bookkeeping, not content
    if (wh) {
      const real = wh.name;
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
      const target = this.linkTarget(e, this.pathOf(name));
      if (target === undefined) return;
      // One inode under two names, as on disk: the linked file's size, no link target shown.
      meta.link = target.path;
      meta.size = target.size;
    } else if (kind === 'symlink') {
      meta.target = e.linkpath;
      meta.size = Buffer.byteLength(e.linkpath); // lstat's size of a symlink: its target's length
      if (escapes(this.pathOf(name), e.linkpath)) this.problems.add(`${this.label}:${e.path}`, `symbolic link points outside the root (${e.linkpath})`);
    }
    // Each form made whole, with no field added later (which would give it a second allocation).
    let node: LayerNode;
    if (kind === 'dir') {
      const children = existing?.children ?? new Map<string, LayerNode>();
      node = existing?.opaque ? {name, meta, children, opaque: true} : {name, meta, children};
    } else if (kind === 'file' && e.type !== 'Link' && e.size > 0) {
      node = {name, meta, data: e.offset};
    } else {
      node = {name, meta};
    }
    parent.children!.set(name, node);
    if (kind === 'dir') {
      // The entries of a directory follow it. One that replaced a directory keeps its children: what is below stays valid.
      const path = this.cachedPath ? `${this.cachedPath}/${name}` : name;
      this.dirs.set(path, node);
      this.cachedPath = path;
      this.cachedDir = node;
    } else if (existing?.children) {
      // A directory replaced by a file: what was below it is gone.
      this.dirs.clear();
      this.dirs.set('', this.root);
      this.cachedPath = undefined;
    }
  }

  finish(): LayerIndex {
    this.dirs.clear();
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
  private linkTarget(e: TarEntry, path: string): {path: string; size: number} | undefined {
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
    return {path: node.meta.link ?? targetPath, size: node.meta.size};
  }

  /** `/a/b/name` for an entry of the directory last looked up (`a/b`). */
  private pathOf(name: string): string {
    return this.cachedPath ? `/${this.cachedPath}/${name}` : `/${name}`;
  }

  /** The directory at `path` (`a/b`, '' for the root), creating implied parents (a file in the way becomes a directory, as tar does). */
  private dir(path: string): LayerNode {
    if (path === this.cachedPath) return this.cachedDir;
    let node: LayerNode | undefined = this.dirs.get(path);
    if (!node) {
      node = this.root;
      let at = '';
      for (const name of path.split('/')) {
        at = at ? `${at}/${name}` : name;
        let child: LayerNode | undefined = node.children!.get(name);
        if (!child || child.meta.kind !== 'dir' || child.whiteout) {
          child = {name, meta: impliedDir(), children: new Map()};
          this.implied.add(child);
          node.children!.set(name, child);
        }
        this.dirs.set(at, child);
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

// Reads a layer directory (overlay2 `diff/`, a vfs layer, a container's upper dir) into a
// change set: one readdir per directory, one lstat per entry, one xattr listing per directory.
import {lstatSync, readdirSync, readlinkSync, type Stats} from 'node:fs';
import {kindOfMode, type LayerNode, type Meta} from '../tree/entry.js';
import {Problems} from './problems.js';
import {listXattrs, opaqueIn} from './xattr.js';

const WH_PREFIX = '.wh.';
const WH_OPAQUE = '.wh..wh..opq';
/** AUFS bookkeeping entries that are not part of the image. */
const AUFS_META = new Set(['.wh..wh.plnk', '.wh..wh.aufs', '.wh..wh.orph']);

/**
 * Plain (not bigint) stats: bigint ones cost a dozen BigInt allocations per entry. mtime comes as
 * a double of milliseconds, exact to ~0.2 µs: equal times stay equal (copy-up keeps them), and
 * only two writes less than 0.2 µs apart could look the same.
 */
export function metaFromStats(st: Stats, target?: string): Meta {
  const sec = Math.floor(st.mtimeMs / 1000);
  return {
    kind: kindOfMode(st.mode),
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    mtimeSec: sec,
    mtimeNsec: Math.round((st.mtimeMs - sec * 1000) * 1e6),
    rdev: st.rdev,
    ino: st.ino,
    nlink: st.nlink,
    target,
  };
}

export interface ScanOptions {
  /** Recognise char-device 0/0 whiteouts and opaque xattrs (overlay2 dirs; not vfs full copies). */
  overlay: boolean;
}

/**
 * Scan `dir` into a change set rooted at a LayerNode named ''. Unreadable parts become problems
 * naming the path; everything else is still read. Symlinks are never followed.
 */
export function scanLayerDir(dir: string, problems: Problems, opts: ScanOptions = {overlay: true}): LayerNode {
  const st = lstatSync(dir);
  const root: LayerNode = {name: '', meta: metaFromStats(st), children: new Map()};
  if (opts.overlay && opaqueIn(dir, listXattrs(dir))) root.opaque = true;
  scanInto(dir, root, problems, opts);
  return root;
}

/** A path is a string, or raw bytes below a name that is not valid UTF-8. */
type FsPath = string | Buffer;

function childPath(dir: FsPath, name: string, raw: Map<string, Buffer> | undefined): FsPath {
  const bytes = raw?.get(name);
  if (bytes) return Buffer.concat([Buffer.from(dir), Buffer.from('/'), bytes]);
  // Plain concatenation: `dir` is already normal and names hold no '/' (path.join costs 8% here).
  return typeof dir === 'string' ? `${dir}/${name}` : Buffer.concat([dir, Buffer.from(`/${name}`)]);
}

function scanInto(dir: FsPath, node: LayerNode, problems: Problems, opts: ScanOptions): void {
  let names: string[];
  try {
    names = readdirSync(dir, {encoding: 'utf8'});
  } catch (err) {
    problems.fromError(String(dir), err, 'list directory');
    return;
  }
  const children = node.children!;
  const raw = names.some((n) => n.includes('\uFFFD')) ? rawNames(dir) : undefined;
  for (const name of names) {
    const path = childPath(dir, name, raw);
    if (name.startsWith(WH_PREFIX)) {
      if (name === WH_OPAQUE) node.opaque = true;
      else if (!AUFS_META.has(name)) children.set(name.slice(WH_PREFIX.length), whiteoutNode(name.slice(WH_PREFIX.length), path, problems));
      continue;
    }
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch (err) {
      problems.fromError(String(path), err, 'stat');
      continue;
    }
    // A `.wh.` entry read earlier for the same name loses to the real entry, as in a tar.
    children.set(name, entryNode(path, name, st, problems, opts));
  }
}

/** The change-set node of an entry just lstat'ed: a whiteout, a leaf, or a directory read whole. */
export function entryNode(path: FsPath, name: string, st: Stats, problems: Problems, opts: ScanOptions): LayerNode {
  const meta = metaFromStats(st, st.isSymbolicLink() ? readLink(path, problems) : undefined);
  const node: LayerNode = {name, meta};
  if (opts.overlay && meta.kind === 'char' && meta.rdev === 0) {
    node.whiteout = true;
  } else if (meta.kind === 'dir') {
    node.children = new Map();
    if (opts.overlay && typeof path === 'string' && opaqueIn(path, listXattrs(path))) node.opaque = true;
    scanInto(path, node, problems, opts);
  }
  return node;
}

/** Names that are not valid UTF-8 can only be reached through their raw bytes. */
function rawNames(dir: FsPath): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const b of readdirSync(dir, {encoding: 'buffer'})) {
    const decoded = b.toString('utf8');
    if (decoded.includes('\uFFFD')) out.set(decoded, b);
  }
  return out;
}

function whiteoutNode(name: string, path: FsPath, problems: Problems): LayerNode {
  let meta: Meta;
  try {
    meta = metaFromStats(lstatSync(path));
  } catch (err) {
    problems.fromError(String(path), err, 'stat');
    meta = {kind: 'file', mode: 0o100000, uid: 0, gid: 0, size: 0, mtimeSec: 0, mtimeNsec: 0, rdev: 0, ino: 0, nlink: 1};
  }
  return {name, meta, whiteout: true};
}

function readLink(path: FsPath, problems: Problems): string | undefined {
  try {
    return readlinkSync(path);
  } catch (err) {
    problems.fromError(String(path), err, 'read link');
    return undefined;
  }
}


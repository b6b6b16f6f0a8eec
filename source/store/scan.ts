// Reads a layer directory (overlay2 `diff/`, a vfs layer, a container's upper dir) into a
// change set: one readdir per directory, one lstat per entry, one xattr listing per directory.
import {decodeBytes} from '../text/escape.js';
import {lstatSync, readdirSync, readlinkSync, type Stats} from 'node:fs';
import {parseWhiteout} from '../docker/whiteout.js';
import {kindOfMode, syntheticMeta, type LayerNode, type Meta} from '../tree/entry.js';
import {Problems} from './problems.js';
import {listXattrs, opaqueIn} from './xattr.js';

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

/** Directories still to read: a work list, not recursion, so a deep tree costs no stack. */
type Todo = [FsPath, LayerNode][];

function scanInto(top: FsPath, topNode: LayerNode, problems: Problems, opts: ScanOptions): void {
  const todo: Todo = [[top, topNode]];
  for (let next = todo.pop(); next; next = todo.pop()) readDir(next[0], next[1], problems, opts, todo);
}

function readDir(dir: FsPath, node: LayerNode, problems: Problems, opts: ScanOptions, todo: Todo): void {
  let names: string[];
  try {
    names = readdirSync(dir, {encoding: 'utf8'});
  } catch (err) {
    problems.fromError(String(dir), err, 'list directory');
    return;
  }
  const children = node.children!;
  let raw: Map<string, Buffer> | undefined;
  if (names.some((n) => n.includes('\uFFFD'))) [names, raw] = rawNames(dir);
  for (const name of names) {
    const path = childPath(dir, name, raw);
    const wh = parseWhiteout(name);
    if (wh) {
      if (wh.kind === 'opaque') node.opaque = true;
      else if (wh.kind === 'whiteout') children.set(wh.name, whiteoutNode(wh.name, path, problems));
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
    children.set(name, entryNode(path, name, st, problems, opts, todo));
  }
}

/**
 * The change-set node of an entry just lstat'ed: a whiteout, a leaf, or a directory — read whole,
 * or, given a work list, queued there to be read.
 */
export function entryNode(path: FsPath, name: string, st: Stats, problems: Problems, opts: ScanOptions, todo?: Todo): LayerNode {
  const meta = metaFromStats(st, st.isSymbolicLink() ? readLink(path, problems) : undefined);
  const node: LayerNode = {name, meta};
  if (opts.overlay && meta.kind === 'char' && meta.rdev === 0) {
    node.whiteout = true;
  } else if (meta.kind === 'dir') {
    node.children = new Map();
    if (opts.overlay && opaqueIn(path, listXattrs(path))) node.opaque = true;
    if (todo) todo.push([path, node]);
    else scanInto(path, node, problems, opts);
  }
  return node;
}

/**
 * Names that are not valid UTF-8 can only be reached through their raw bytes. Each invalid byte is
 * kept as a lone surrogate (`decodeBytes`, source/text/escape.ts), so two names differing only there stay two entries
 * (UTF-8 decoding made both U+FFFD: one hid the other).
 */
function rawNames(dir: FsPath): [string[], Map<string, Buffer>] {
  const raw = new Map<string, Buffer>();
  const names = readdirSync(dir, {encoding: 'buffer'}).map((b) => {
    const name = decodeBytes(b);
    if (name !== b.toString('utf8')) raw.set(name, b);
    return name;
  });
  return [names, raw];
}

function whiteoutNode(name: string, path: FsPath, problems: Problems): LayerNode {
  let meta: Meta;
  try {
    meta = metaFromStats(lstatSync(path));
  } catch (err) {
    problems.fromError(String(path), err, 'stat');
    meta = syntheticMeta('file', 0, {mode: 0o100000});
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

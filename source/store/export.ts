// Copying things out of a store, to one file the user names and nowhere else:
//  - exportPath: a path of a merged view (image, IMAGE@N, container). A regular file becomes its
//    bytes; a directory (or a symlink, device, fifo) becomes a tar whose names start with the
//    path's last name (`/etc` -> `etc/`, `etc/passwd`, ...), like `tar -C / -c etc`.
//  - exportLayer: one layer's change set as an OCI layer tar, as Docker writes them: lexical
//    order, `.wh.NAME` for whiteouts, `DIR/.wh..wh..opq` for opaque directories, the first name
//    of a hard-linked inode carrying the data and the others as links to it.
import {unescape} from '../text/escape.js';
import {chmodSync, createReadStream, createWriteStream, existsSync, realpathSync, rmSync, statSync} from 'node:fs';
import {dirname, join, relative, resolve as resolvePath} from 'node:path';
import {Readable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {encodeHeader, type EntryType, type TarHeader} from '../tar/encode.js';
import {joinPath, lookup, splitPath, walk, type Meta} from '../tree/entry.js';
import {ArchiveStore} from './archive.js';
import {openInside} from './confine.js';
import {WH_OPAQUE, WH_PREFIX} from '../docker/whiteout.js';
import {devParts} from './archive-layer.js';
import type {Layer} from './model.js';
import type {Target} from './refs.js';
import type {LayerStore} from './store.js';

export interface ExportResult {
  /** `file`: the bytes of one regular file; `tar`: a tar archive. */
  kind: 'file' | 'tar';
  entries: number;
  bytes: number;
}

/** The bytes of a regular file of `layer` (hard links followed in archives). */
export function layerFileStream(store: LayerStore, layer: Layer, path: string): Readable {
  const statement = store.statement(layer.id, path);
  if (statement) return Readable.from([statement]);
  if (store instanceof ArchiveStore) return store.readFile(layer.id, path);
  // Resolved inside the root, never following a last symlink, a regular file (no FIFO).
  return createReadStream('', {fd: openInside(store.layerRoot(layer), join(layer.dir, path)).fd});
}

/** Refuse outputs that would overwrite the source being read or are directories. */
export function checkOut(store: LayerStore, out: string): string {
  const abs = resolvePath(out);
  if (existsSync(abs) && statSync(abs).isDirectory()) throw new Error(`${out}: is a directory; --out names the file to write`);
  const real = existsSync(abs) ? realpathSync(abs) : join(realpathSync(dirname(abs)), abs.slice(dirname(abs).length + 1));
  const src = realpathSync(store.root);
  const rel = relative(src, real);
  if (rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'))) throw new Error(`${out}: inside the source ${store.root}; refusing to write there`);
  return abs;
}

/** Write `chunks` to `out`; a failure removes the partial file. */
async function writeOut(out: string, chunks: AsyncIterable<Buffer>): Promise<number> {
  let bytes = 0;
  const counted = async function* () {
    for await (const c of chunks) {
      bytes += c.length;
      yield c;
    }
  };
  try {
    await pipeline(Readable.from(counted()), createWriteStream(out));
  } catch (err) {
    rmSync(out, {force: true});
    throw err;
  }
  return bytes;
}

/**
 * The entry a user names by `arg` in a view, and its path: the name as typed, or else as shown
 * escaped (`bad\xffbyte` for a name that is not UTF-8, which no argument can hold as bytes).
 */
export function lookupArg<N extends {children?: Map<string, N>}>(view: N, arg: string): {node: N; path: string} | undefined {
  const node = lookup(view, arg);
  if (node) return {node, path: arg};
  const raw = unescape(arg);
  const found = raw === arg ? undefined : lookup(view, raw);
  return found && {node: found, path: raw};
}

/** Copy `path` of the target's merged view to `out`. */
export async function exportPath(store: LayerStore, target: Target, arg: string, out: string): Promise<ExportResult> {
  const file = checkOut(store, out);
  const view = store.merged(target.top);
  const found = lookupArg(view, arg);
  if (!found) throw new Error(`${arg}: no such file or directory in ${target.label}`);
  const {node, path} = found;
  const chain = target.top ? store.chain(target.top) : [];
  const abs = `/${splitPath(path).join('/')}`;
  if (node.meta.kind === 'file') {
    const bytes = await writeOut(file, checked(layerFileStream(store, chain[node.layer]!, abs), node.meta.size, abs));
    // The file's permission bits, as `docker cp` keeps them (set-id bits are not carried to the host).
    chmodSync(file, node.meta.mode & 0o777);
    return {kind: 'file', entries: 1, bytes};
  }
  const base = splitPath(path).at(-1) ?? '.';
  const entries: Entry[] = [[abs, base, node, chain[node.layer]]];
  if (node.children) {
    for (const [p, n] of walk(node, abs)) entries.push([p, `${base}${p.slice(abs === '/' ? 0 : abs.length)}`, n, chain[n.layer]]);
  }
  const bytes = await writeOut(file, tarStream(store, entries));
  return {kind: 'tar', entries: entries.length, bytes};
}

/** Write layer `id`'s change set to `out` as an OCI layer tar. */
export async function exportLayer(store: LayerStore, id: string, out: string): Promise<ExportResult> {
  const file = checkOut(store, out);
  const layer = store.layers.get(id);
  if (!layer) throw new Error(`no layer ${id}`);
  const entries: Entry[] = [];
  // Depth first in name order (walk keeps its own stack: a deep tree costs no stack).
  for (const [p, child] of walk(store.changeSet(id))) {
    const name = p.slice(1);
    if (child.whiteout) {
      // Docker's overlay whiteout converter: a 0600 empty file, owner and time of the device.
      entries.push([
        p,
        `${dirname(name) === '.' ? '' : `${dirname(name)}/`}${WH_PREFIX}${child.name}`,
        {...child, meta: {...child.meta, kind: 'file', mode: 0o100600, size: 0, target: undefined}},
        layer,
      ]);
      continue;
    }
    entries.push([p, name, child, layer]);
    if (child.meta.kind === 'dir' && child.opaque)
      entries.push([
        joinPath(p, WH_OPAQUE),
        `${name}/${WH_OPAQUE}`,
        {name: WH_OPAQUE, meta: {...child.meta, kind: 'file', mode: 0o100000 | (child.meta.mode & 0o777), size: 0, mtimeSec: 0, mtimeNsec: 0}},
        layer,
      ]);
  }
  const bytes = await writeOut(file, tarStream(store, entries));
  return {kind: 'tar', entries: entries.length, bytes};
}

/** [path in the layer or view, name in the tar, node, layer holding it]. */
type Entry = [string, string, {meta: Meta; name: string}, Layer | undefined];

const TYPE: Record<string, EntryType | undefined> = {file: 'file', dir: 'dir', symlink: 'symlink', char: 'char', block: 'block', fifo: 'fifo'};

/**
 * One inode, for hard links: an archive's link names its target path, a root's names share
 * an inode number. The first name written carries the data.
 */
function inodeKey(layer: Layer | undefined, path: string, meta: Meta): string | undefined {
  if (meta.kind !== 'file' || !layer) return undefined;
  if (meta.link !== undefined) return `${layer.id}\0${meta.link}`;
  if (meta.nlink > 1) return `${layer.id}\0#${meta.ino}`;
  return `${layer.id}\0${path}`;
}

async function* tarStream(store: LayerStore, entries: Entry[]): AsyncGenerator<Buffer> {
  const written = new Map<string, string>();
  for (const [path, name, node, layer] of entries) {
    const {meta} = node;
    const type = TYPE[meta.kind];
    if (!type) continue; // sockets: Docker's tar writer leaves them out too
    const key = inodeKey(layer, path, meta);
    const first = key === undefined ? undefined : written.get(key);
    const [devmajor, devminor] = devParts(meta.rdev);
    const size = type === 'file' && first === undefined && layer ? meta.size : 0;
    const header: TarHeader = {
      name: type === 'dir' ? `${name}/` : name,
      type: first !== undefined ? 'hardlink' : type,
      mode: meta.mode & 0o7777,
      uid: meta.uid,
      gid: meta.gid,
      size,
      mtime: meta.mtimeSec,
      linkname: first ?? (type === 'symlink' ? (meta.target ?? '') : ''),
      devmajor: type === 'char' || type === 'block' ? devmajor : 0,
      devminor: type === 'char' || type === 'block' ? devminor : 0,
      xattrs: {},
    };
    yield encodeHeader(header);
    if (key !== undefined && first === undefined) written.set(key, name);
    if (size > 0) {
      yield* checked(layerFileStream(store, layer!, path), size, path);
      if (size % 512) yield Buffer.alloc(512 - (size % 512));
    }
  }
  yield Buffer.alloc(1024);
}

/** A file's bytes, refusing a source whose length differs from what its header promised. */
async function* checked(source: Readable, size: number, path: string): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    seen += chunk.length;
    if (seen > size) throw new Error(`${path}: longer than its recorded size ${size} (changed while reading?)`);
    yield chunk;
  }
  if (seen !== size) throw new Error(`${path}: ${seen} bytes, expected ${size} (changed while reading?)`);
}

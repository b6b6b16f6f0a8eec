// Layer tars in the OCI/Docker form, streamed both ways:
//   writeLayerTar: diff dir (overlay2 form: char-device 0/0 whiteouts, trusted.overlay.opaque dirs)
//                  -> deterministic tar (sorted, fixed header layout, `.wh.` whiteouts);
//   applyLayerTar: tar -> diff dir, converting `.wh.` entries back and refusing entries that escape.
// Both report the raw header bytes and file payloads to an optional SplitSink, which is how Docker's
// tar-split metadata is produced, so `save` can later re-emit byte-identical tars.
import {createHash} from 'node:crypto';
import {execFileSync} from 'node:child_process';
import {createReadStream} from 'node:fs';
import * as fsp from 'node:fs/promises';
import type {Stats} from 'node:fs';
import {join, posix} from 'node:path';
import type {Readable} from 'node:stream';
import {getAttributeSync, listAttributesSync, setAttributeSync} from '../store/xattr-native.js';
import {OPAQUE_XATTRS, parseWhiteout, WH_OPAQUE, whiteoutOf} from '../docker/whiteout.js';
import {encodeHeader, padding, type EntryType, type TarHeader} from '../tar/encode.js';
import {decodeHeader, HEADER_BAD_SUM, HEADER_NULL, type HeaderFields} from '../tar/header.js';
import {MAX_PAX_BYTES, paxFields, paxRecords, paxXattrs, type PaxFields} from '../tar/pax.js';

const OPAQUE_XATTR = OPAQUE_XATTRS[0];
/** sha256 of an empty layer tar (two zero blocks): Docker marks such steps `empty_layer`. */
export const EMPTY_TAR_DIGEST = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

/** Receives the raw tar bytes that are not file contents, and one call per entry (tar-split). */
export interface SplitSink {
  segment(raw: Buffer): void;
  file(name: string, size: number, crc64: Buffer | null): void;
}

export interface TarResult {
  /** `sha256:<hex>` of the uncompressed tar bytes */
  diffId: string;
  bytes: number;
  /**
   * When the tar does not fill its last 10240-byte record: the digest with that record
   * zero-padded, as GNU tar writes it (skopeo's zstd:chunked writer drops the padding and keeps
   * the original's diff_id), and the zeros that pad it.
   */
  padded?: {diffId: string; zeros: number};
}

/** tar's default record: GNU tar pads an archive with zeros to a multiple of it. */
const RECORD = 10240;

// ---------------------------------------------------------------- CRC-64/ISO (tar-split payload checksum)

const CRC_HI = new Uint32Array(256);
const CRC_LO = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  // Reflected ISO polynomial 0xD800000000000000, kept as two 32-bit halves for speed.
  let hi = 0;
  let lo = i;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry) hi = (hi ^ 0xd8000000) >>> 0;
  }
  CRC_HI[i] = hi;
  CRC_LO[i] = lo;
}

export class Crc64 {
  private hi = 0xffffffff;
  private lo = 0xffffffff;
  update(buf: Buffer): void {
    let {hi, lo} = this;
    for (let i = 0; i < buf.length; i++) {
      const idx = (lo ^ buf[i]!) & 0xff;
      lo = ((lo >>> 8) | ((hi & 0xff) << 24)) >>> 0;
      hi = hi >>> 8;
      hi = (hi ^ CRC_HI[idx]!) >>> 0;
      lo = (lo ^ CRC_LO[idx]!) >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
  }
  digest(): Buffer {
    const out = Buffer.alloc(8);
    out.writeUInt32BE((this.hi ^ 0xffffffff) >>> 0, 0);
    out.writeUInt32BE((this.lo ^ 0xffffffff) >>> 0, 4);
    return out;
  }
}

// ---------------------------------------------------------------- header encoding

// ---------------------------------------------------------------- writer

/** xattrs that describe overlay internals or host labels, never layer content. */
function isPrivateXattr(name: string): boolean {
  return name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.') || name === 'security.selinux';
}

function readXattrs(path: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const name of listAttributesSync(path)) {
    if (!isPrivateXattr(name)) out[name] = getAttributeSync(path, name);
  }
  return out;
}

function isWhiteoutDevice(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function isOpaque(path: string): boolean {
  try {
    return getAttributeSync(path, OPAQUE_XATTR).toString() === 'y';
  } catch {
    return false;
  }
}

function major(rdev: number): number {
  return ((rdev >> 8) & 0xfff) | ((rdev >>> 32) & ~0xfff);
}
function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
}

function headerFromStat(name: string, st: Stats, type: EntryType): TarHeader {
  return {
    name,
    type,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    size: 0,
    mtime: Math.floor(st.mtimeMs / 1000),
    linkname: '',
    devmajor: 0,
    devminor: 0,
    xattrs: {},
  };
}

/**
 * Stream a diff dir as a layer tar. Entries are sorted bytewise per directory (depth-first), header
 * fields come only from lstat (no user-name lookup, no atime/ctime), so the same diff dir always gives
 * the same bytes and therefore the same diff id.
 */
export async function* layerTarChunks(diffDir: string, split?: SplitSink): AsyncGenerator<Buffer> {
  const seenInodes = new Map<string, string>();
  let pending: Buffer[] = [];
  const flushSegment = (): void => {
    if (split && pending.length) split.segment(Buffer.concat(pending));
    pending = [];
  };

  async function* emit(h: TarHeader, contentPath?: string): AsyncGenerator<Buffer> {
    const head = encodeHeader(h);
    pending.push(head);
    yield head;
    if (!contentPath || h.size === 0) {
      flushSegment();
      split?.file(h.name, 0, null);
      return;
    }
    flushSegment();
    const crc = new Crc64();
    let seen = 0;
    for await (const chunk of createReadStream(contentPath) as AsyncIterable<Buffer>) {
      const part = seen + chunk.length > h.size ? chunk.subarray(0, h.size - seen) : chunk;
      seen += part.length;
      crc.update(part);
      yield part;
      if (seen >= h.size) break;
    }
    if (seen !== h.size) throw new Error(`layer tar: ${contentPath} changed size while being archived`);
    split?.file(h.name, h.size, crc.digest());
    const pad = padding(h.size);
    if (pad.length) {
      pending.push(pad);
      yield pad;
    }
  }

  async function* walk(rel: string): AsyncGenerator<Buffer> {
    const names = (await fsp.readdir(join(diffDir, rel))).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const base of names) {
      const relPath = rel ? `${rel}/${base}` : base;
      const abs = join(diffDir, relPath);
      const st = await fsp.lstat(abs);
      if (st.isDirectory()) {
        const h = headerFromStat(`${relPath}/`, st, 'dir');
        h.xattrs = readXattrs(abs);
        yield* emit(h);
        if (isOpaque(abs)) {
          const wo = headerFromStat(`${relPath}/${WH_OPAQUE}`, st, 'file');
          wo.mtime = 0; // Docker's opaque marker header carries no time
          wo.bareMode = true;
          yield* emit(wo);
        }
        yield* walk(relPath);
      } else if (isWhiteoutDevice(st)) {
        const dir = posix.dirname(relPath);
        const h = headerFromStat(dir === '.' ? whiteoutOf(base) : `${dir}/${whiteoutOf(base)}`, st, 'file');
        h.mode = 0o600;
        h.bareMode = true;
        // Overlayfs shares one whiteout inode between deletions; Docker's writer then records the first
        // one's original name as link name on the (regular-file) marker. Kept for byte-identical tars.
        if (st.nlink > 1) {
          const first = seenInodes.get(`${st.dev}:${st.ino}`);
          if (first === undefined) seenInodes.set(`${st.dev}:${st.ino}`, relPath);
          else h.linkname = first;
        }
        yield* emit(h);
      } else if (st.isSymbolicLink()) {
        const h = headerFromStat(relPath, st, 'symlink');
        h.linkname = await fsp.readlink(abs);
        yield* emit(h);
      } else {
        const inodeKey = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? seenInodes.get(inodeKey) : undefined;
        if (first !== undefined) {
          const h = headerFromStat(relPath, st, 'hardlink');
          h.linkname = first;
          h.xattrs = readXattrs(abs);
          yield* emit(h);
          continue;
        }
        if (st.nlink > 1) seenInodes.set(inodeKey, relPath);
        if (st.isFile()) {
          const h = headerFromStat(relPath, st, 'file');
          h.size = st.size;
          h.xattrs = readXattrs(abs);
          yield* emit(h, abs);
        } else if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO()) {
          const h = headerFromStat(relPath, st, st.isFIFO() ? 'fifo' : st.isBlockDevice() ? 'block' : 'char');
          h.devmajor = st.isFIFO() ? 0 : major(st.rdev);
          h.devminor = st.isFIFO() ? 0 : minor(st.rdev);
          yield* emit(h);
        } else {
          throw new Error(`layer tar: ${abs} is a socket or unknown file type, which a layer cannot hold`);
        }
      }
    }
  }

  yield* walk('');
  const end = Buffer.alloc(1024);
  pending.push(end);
  yield end;
  flushSegment();
}

/** Write the layer tar of `diffDir` to `out` (if given) and return its diff id. */
export async function writeLayerTar(diffDir: string, out?: NodeJS.WritableStream, split?: SplitSink): Promise<TarResult> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of layerTarChunks(diffDir, split)) {
    hash.update(chunk);
    bytes += chunk.length;
    if (out && !out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  return {diffId: `sha256:${hash.digest('hex')}`, bytes};
}

// ---------------------------------------------------------------- reader

/** Pull-style reader over a stream that hashes every byte it consumes (the diff id covers them all). */
class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private readonly it: AsyncIterator<Buffer>;
  private done = false;
  readonly hash = createHash('sha256');
  bytes = 0;

  constructor(input: Readable) {
    this.it = (input as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  /** The next chunk of the stream (hashed and counted), or undefined at its end. */
  private async next(): Promise<Buffer | undefined> {
    if (this.done) return undefined;
    const next = await this.it.next();
    if (next.done) {
      this.done = true;
      return undefined;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    this.hash.update(chunk);
    this.bytes += chunk.length;
    return chunk;
  }

  /** Exactly n bytes, or fewer only at end of stream. Chunks are joined once (linear in n). */
  async read(n: number): Promise<Buffer> {
    if (this.buf.length < n) {
      const parts = [this.buf];
      let have = this.buf.length;
      for (let c = have < n ? await this.next() : undefined; c; c = have < n ? await this.next() : undefined) {
        parts.push(c);
        have += c.length;
      }
      this.buf = Buffer.concat(parts, have);
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(out.length);
    return out;
  }

  /** Hand n bytes to `sink` chunk by chunk without buffering them all. */
  async pipe(n: number, sink: (chunk: Buffer) => Promise<void>): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0) this.buf = (await this.next()) ?? Buffer.alloc(0);
      if (this.buf.length === 0) throw new Error('unexpected end of tar inside a file');
      const part = this.buf.subarray(0, Math.min(left, this.buf.length));
      this.buf = this.buf.subarray(part.length);
      left -= part.length;
      await sink(part);
    }
  }

  async drain(): Promise<Buffer> {
    const parts = [this.buf];
    for (let c = await this.next(); c; c = await this.next()) parts.push(c);
    this.buf = Buffer.alloc(0);
    return Buffer.concat(parts);
  }
}

export interface ReadEntry extends TarHeader {
  /** raw tar type flag, for error messages */
  typeflag: string;
}

const TYPE_OF: Record<string, EntryType> = {
  File: 'file',
  ContiguousFile: 'file',
  Link: 'hardlink',
  SymbolicLink: 'symlink',
  CharacterDevice: 'char',
  BlockDevice: 'block',
  Directory: 'dir',
  FIFO: 'fifo',
};
const META_TYPES = new Set(['ExtendedHeader', 'GlobalExtendedHeader', 'NextFileHasLongPath', 'NextFileHasLongLinkpath']);

/**
 * Iterate the entries of a tar stream. `onEntry` must consume exactly `size` content bytes through
 * `content` (or call it with a no-op sink to skip them).
 */
export async function readTar(
  input: Readable,
  onEntry: (e: ReadEntry, content: (sink: (chunk: Buffer) => Promise<void>) => Promise<void>) => Promise<void>,
  split?: SplitSink,
): Promise<TarResult> {
  const r = new ByteReader(input);
  let raw: Buffer[] = [];
  const h: HeaderFields = {type: '', path: '', linkpath: '', mode: 0, uid: 0, gid: 0, size: 0, mtimeMs: 0, devmaj: 0, devmin: 0};
  let ex: PaxFields | undefined;
  let gex: PaxFields | undefined;
  let xattrs: Record<string, Buffer> = {};
  for (;;) {
    const block = await r.read(512);
    if (block.length === 0) break;
    if (block.length < 512) throw new Error('tar: truncated header block');
    raw.push(block);
    const status = decodeHeader(block, 0, ex, gex, h);
    if (status === HEADER_NULL) {
      // End of archive: everything that follows (second zero block, record padding) is kept verbatim.
      raw.push(await r.drain());
      break;
    }
    if (status === HEADER_BAD_SUM) throw new Error(`tar: bad header checksum after ${r.bytes - 512} bytes`);
    const typeflag = String.fromCharCode(block[156]!);
    const padded = h.size + ((512 - (h.size % 512)) % 512);
    if (META_TYPES.has(h.type)) {
      if (h.size > MAX_PAX_BYTES) throw new Error(`tar: extended header of ${h.size} bytes`);
      const body = await r.read(padded);
      raw.push(body);
      const data = body.subarray(0, h.size);
      if (h.type === 'GlobalExtendedHeader') gex = paxFields(data, gex);
      else if (h.type === 'ExtendedHeader') {
        ex = paxFields(data, ex);
        xattrs = {...xattrs, ...paxXattrs(paxRecords(data))};
      } else {
        const value = data.toString('utf8').replace(/\0.*/s, '');
        ex = h.type === 'NextFileHasLongPath' ? {...ex, path: value} : {...ex, linkpath: value};
      }
      continue;
    }
    const type = TYPE_OF[h.type];
    const name = h.path;
    const entry: ReadEntry = {
      name,
      typeflag,
      xattrs,
      linkname: h.linkpath,
      type: type ?? 'file',
      mode: h.mode & 0o7777,
      uid: h.uid,
      gid: h.gid,
      size: h.size,
      mtime: Math.floor(h.mtimeMs / 1000),
      devmajor: h.devmaj,
      devminor: h.devmin,
    };
    ex = undefined;
    xattrs = {};
    if (!type) throw new Error(`tar entry "${name}": unsupported tar entry type '${typeflag}'`);
    if (split) split.segment(Buffer.concat(raw));
    raw = [];
    const contentSize = entry.type === 'file' ? entry.size : 0;
    const crc = new Crc64();
    let consumed = false;
    await onEntry(entry, async (sink) => {
      consumed = true;
      await r.pipe(contentSize, async (chunk) => {
        crc.update(chunk);
        await sink(chunk);
      });
    });
    if (!consumed) await r.pipe(contentSize, async (chunk) => crc.update(chunk));
    split?.file(name, contentSize, contentSize > 0 ? crc.digest() : null);
    const pad = await r.read(padded - contentSize);
    if (pad.length) raw.push(pad);
  }
  if (split && raw.length) split.segment(Buffer.concat(raw));
  const zeros = (RECORD - (r.bytes % RECORD)) % RECORD;
  const padded = zeros ? {diffId: `sha256:${r.hash.copy().update(Buffer.alloc(zeros)).digest('hex')}`, zeros} : undefined;
  return {diffId: `sha256:${r.hash.digest('hex')}`, bytes: r.bytes, ...(padded ? {padded} : {})};
}

// ---------------------------------------------------------------- applier

/** Normalise a tar entry name to a clean relative path, or throw naming the entry. */
export function cleanEntryName(name: string): string {
  const trimmed = name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (name.startsWith('/')) throw new Error(`tar entry "${name}": absolute path names are not allowed in a layer`);
  const parts = trimmed.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new Error(`tar entry "${name}": ".." path components are not allowed in a layer`);
  return parts.join('/');
}

/** Refuse paths that would pass through a symlink already extracted into the diff dir. */
async function assertNoSymlinkParents(root: string, rel: string, entryName: string): Promise<void> {
  const parts = rel.split('/');
  let cur = root;
  for (const part of parts.slice(0, -1)) {
    cur = join(cur, part);
    const st = await fsp.lstat(cur).catch(() => null);
    if (!st) return;
    if (st.isSymbolicLink()) throw new Error(`tar entry "${entryName}": path goes through symlink "${part}", which could escape the layer`);
    if (!st.isDirectory()) throw new Error(`tar entry "${entryName}": parent "${part}" is not a directory`);
  }
}

async function removeExisting(path: string, keepDir: boolean): Promise<void> {
  const st = await fsp.lstat(path).catch(() => null);
  if (!st || (keepDir && st.isDirectory())) return;
  await fsp.rm(path, {recursive: true, force: true});
}

function mknod(path: string, kind: 'c' | 'b' | 'p', major = 0, minor = 0, mode = 0): void {
  // Node has no mknod(2); the coreutils tool is the portable way to make devices and whiteouts.
  const args = ['-m', mode.toString(8).padStart(4, '0'), path, kind];
  if (kind !== 'p') args.push(String(major), String(minor));
  execFileSync('mknod', args, {stdio: ['ignore', 'ignore', 'pipe']});
}

export interface ApplyOptions {
  split?: SplitSink;
  /** Convert `.wh.` entries to overlay whiteouts (a layer) or keep them as plain names (ADD of an archive). Default true. */
  whiteouts?: boolean;
  /** Change ownership to the uid/gid in the tar (needs root; default: when running as root). */
  chown?: boolean;
  /** Receives the relative name of each directory entry of the archive (not the ones it only implies). */
  dirs?: Set<string>;
}

/**
 * Extract a layer tar into an (empty or partly filled) diff dir in overlay2 form: `.wh.<name>` becomes a
 * char device 0/0, `.wh..wh..opq` sets trusted.overlay.opaque=y on its directory.
 */
export async function applyLayerTar(input: Readable, diffDir: string, opts: ApplyOptions = {}): Promise<TarResult> {
  const chown = opts.chown ?? process.getuid?.() === 0;
  const whiteouts = opts.whiteouts ?? true;
  const dirTimes: Array<[string, number]> = [];
  const result = await readTar(
    input,
    async (e, content) => {
      const rel = cleanEntryName(e.name);
      if (rel === '') {
        if (e.type !== 'dir') throw new Error(`tar entry "${e.name}": the layer root must be a directory`);
        return;
      }
      await assertNoSymlinkParents(diffDir, rel, e.name);
      const dest = join(diffDir, rel);
      const base = posix.basename(rel);
      const parent = posix.dirname(rel);
      if (parent !== '.') await fsp.mkdir(join(diffDir, parent), {recursive: true});

      const wh = whiteouts ? parseWhiteout(base) : undefined;
      if (wh?.kind === 'opaque') {
        setAttributeSync(join(diffDir, parent), OPAQUE_XATTR, 'y');
        return;
      }
      // AUFS bookkeeping and names like `.wh..` that would delete the directory itself: not content.
      if (wh?.kind === 'meta') return;
      if (wh) {
        const target = join(diffDir, parent, wh.name);
        await removeExisting(target, false);
        mknod(target, 'c');
        if (chown) await fsp.lchown(target, e.uid, e.gid);
        return;
      }
      await removeExisting(dest, e.type === 'dir');
      switch (e.type) {
        case 'dir':
          opts.dirs?.add(rel);
          await fsp.mkdir(dest, {recursive: true});
          break;
        case 'file': {
          const fh = await fsp.open(dest, 'w', 0o600);
          try {
            await content(async (chunk) => {
              await fh.write(chunk);
            });
          } finally {
            await fh.close();
          }
          break;
        }
        case 'symlink':
          await fsp.symlink(e.linkname, dest);
          break;
        case 'hardlink': {
          const target = (() => {
            try {
              return cleanEntryName(e.linkname);
            } catch {
              throw new Error(`tar entry "${e.name}": hard link target "${e.linkname}" leaves the layer`);
            }
          })();
          if (target === '') throw new Error(`tar entry "${e.name}": hard link to the layer root`);
          await assertNoSymlinkParents(diffDir, target, e.name);
          await fsp.link(join(diffDir, target), dest).catch((err: NodeJS.ErrnoException) => {
            throw new Error(`tar entry "${e.name}": hard link target "${e.linkname}" is not in this layer (${err.code})`);
          });
          return; // a hard link shares its target's inode: no metadata of its own
        }
        case 'char':
        case 'block':
        case 'fifo':
          mknod(dest, e.type === 'fifo' ? 'p' : e.type === 'char' ? 'c' : 'b', e.devmajor, e.devminor, e.mode & 0o777);
          break;
      }
      if (chown) await fsp.lchown(dest, e.uid, e.gid);
      if (e.type !== 'symlink') {
        await fsp.chmod(dest, e.mode);
        for (const [k, v] of Object.entries(e.xattrs)) if (!isPrivateXattr(k)) setAttributeSync(dest, k, v);
      }
      if (e.type === 'dir') dirTimes.push([dest, e.mtime]);
      else await fsp.lutimes(dest, e.mtime, e.mtime);
    },
    opts.split,
  );
  // Directory mtimes last: extracting their children changed them.
  for (const [dir, mtime] of dirTimes.reverse()) await fsp.utimes(dir, mtime, mtime);
  return result;
}

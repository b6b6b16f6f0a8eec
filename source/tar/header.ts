// Decoding one 512-byte tar header straight from the buffer it arrived in: no copy of the block,
// no string per numeric field. Fields are read the way node-tar's `Header` reads them (same type
// names, PAX and global overrides, ustar prefix, base-256 numbers and their errors). The one
// header decoder of the project: the archive walker and the engine's layer reader both use it.
import {decodeBytes} from '../text/escape.js';
import type {PaxFields} from './pax.js';

/** One header's fields; the walker reuses a single object for every header. */
export interface HeaderFields {
  /** node-tar's type name: File, Link, SymbolicLink, Directory, ExtendedHeader, ... or Unsupported. */
  type: string;
  path: string;
  linkpath: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Milliseconds since the epoch, as a `Date` would hold them (NaN when out of range). */
  mtimeMs: number;
  devmaj: number;
  devmin: number;
}

export const HEADER_OK = 0;
export const HEADER_NULL = 1;
export const HEADER_BAD_SUM = 2;
export type HeaderStatus = typeof HEADER_OK | typeof HEADER_NULL | typeof HEADER_BAD_SUM;

const TYPE_NAMES: string[] = new Array<string>(256).fill('Unsupported');
for (const [code, name] of Object.entries({
  0: 'File',
  1: 'Link',
  2: 'SymbolicLink',
  3: 'CharacterDevice',
  4: 'BlockDevice',
  5: 'Directory',
  6: 'FIFO',
  7: 'ContiguousFile',
  g: 'GlobalExtendedHeader',
  x: 'ExtendedHeader',
  A: 'SolarisACL',
  D: 'GNUDumpDir',
  I: 'Inode',
  K: 'NextFileHasLongLinkpath',
  L: 'NextFileHasLongPath',
  M: 'ContinuationFile',
  N: 'OldGnuLongPath',
  S: 'SparseFile',
  V: 'TapeVolumeHeader',
  X: 'OldExtendedHeader',
}))
  TYPE_NAMES[code.charCodeAt(0)] = name;
TYPE_NAMES[0] = 'File'; // a NUL type flag is a regular file (pre-POSIX tar)

/** Type flags of file-system entries: only these take PAX and global overrides. */
function isFsType(flag: number): boolean {
  return flag === 0 || (flag >= 0x30 && flag <= 0x37) || flag === 0x44;
}

const isBlank = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);

/**
 * A numeric field: base-256 when the high bit is set, else octal text after leading blanks up to
 * the first non-digit; undefined when there is no digit. Unusual text (a sign, non-ASCII bytes)
 * goes through `parseInt` exactly as node-tar does.
 */
function decNumber(buf: Buffer, off: number, size: number): number | undefined {
  if (buf[off]! & 0x80) return base256(buf, off, size);
  const end = off + size;
  let i = off;
  while (i < end && isBlank(buf[i]!)) i++;
  const first = buf[i]!;
  if (i < end && (first >= 0x80 || first === 0x2b || first === 0x2d)) {
    const n = parseInt(buf.toString('utf8', off, end).replace(/\0.*$/, '').trim(), 8);
    return Number.isNaN(n) ? undefined : n;
  }
  let value = 0;
  const start = i;
  for (; i < end; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 7) break;
    value = value * 8 + d;
  }
  return i > start ? value : undefined;
}

/** GNU base-256: 0x80 then a big-endian magnitude, or 0xff then a two's complement value. */
function base256(buf: Buffer, off: number, size: number): number {
  const lead = buf[off];
  let value = 0;
  if (lead === 0x80) {
    for (let i = off + 1; i < off + size; i++) value = value * 256 + buf[i]!;
  } else if (lead === 0xff) {
    let flipped = false;
    for (let i = off + size - 1, scale = 1; i >= off; i--, scale *= 256) {
      const byte = buf[i]!;
      const f = flipped ? (0xff ^ byte) & 0xff : byte === 0 ? 0 : ((0xff ^ byte) + 1) & 0xff;
      if (byte !== 0) flipped = true;
      if (f !== 0) value -= f * scale;
    }
  } else {
    throw new Error('invalid base256 encoding');
  }
  if (!Number.isSafeInteger(value)) throw new Error('parsed number outside of javascript safe integer range');
  return value;
}

/** Seconds as `new Date(s * 1000).getTime()` gives them. */
function dateMs(seconds: number): number {
  const ms = seconds * 1000;
  return Math.abs(ms) <= 8.64e15 ? Math.trunc(ms) : NaN;
}

/**
 * A NUL-terminated string field (UTF-8; other bytes kept as lone surrogates, see text/escape.ts).
 * ASCII, what names nearly always are, is read in place: no Buffer view made to decode it.
 */
function decString(buf: Buffer, off: number, size: number): string {
  let end = off;
  let bits = 0;
  for (const limit = off + size; end < limit; end++) {
    const b = buf[end]!;
    if (b === 0) break;
    bits |= b;
  }
  if (end === off) return '';
  return bits < 0x80 ? buf.toString('latin1', off, end) : decodeBytes(buf.subarray(off, end));
}

/** `ustar\0` + version `00`: the POSIX form, the only one with a name prefix. */
function isUstar(buf: Buffer, at: number): boolean {
  return (
    buf[at + 257] === 0x75 &&
    buf[at + 258] === 0x73 &&
    buf[at + 259] === 0x74 &&
    buf[at + 260] === 0x61 &&
    buf[at + 261] === 0x72 &&
    buf[at + 262] === 0 &&
    buf[at + 263] === 0x30 &&
    buf[at + 264] === 0x30
  );
}

/** `ustar  \0`: GNU tar's default form, which keeps device numbers where ustar does (Go's archive/tar reads them). */
function isGnu(buf: Buffer, at: number): boolean {
  return buf.toString('latin1', at + 257, at + 265) === 'ustar  \0';
}

/** Base-256 date fields that node-tar decodes (and may reject) though nothing here uses them. */
function checkDate(buf: Buffer, off: number): void {
  if (buf[off]! & 0x80) base256(buf, off, 12);
}

/**
 * Decode the header block at `buf[at..at+512]` into `out`. `ex` (PAX or GNU long names of this
 * entry) and `gex` (global PAX) apply to file-system entries only; `words` is `wordsOf(buf)`, if
 * the caller has one. Throws on an invalid base-256 number, as node-tar does.
 */
export function decodeHeader(
  buf: Buffer,
  at: number,
  ex: PaxFields | undefined,
  gex: PaxFields | undefined,
  out: HeaderFields,
  words?: Int32Array,
): HeaderStatus {
  const flag = buf[at + 156]!;
  const fs = isFsType(flag);
  const x = fs ? ex : undefined;
  const g = fs ? gex : undefined;
  let path = x?.path ?? decString(buf, at, 100);
  out.mode = decNumber(buf, at + 100, 8) ?? 0;
  out.uid = x?.uid ?? g?.uid ?? decNumber(buf, at + 108, 8) ?? 0;
  out.gid = x?.gid ?? g?.gid ?? decNumber(buf, at + 116, 8) ?? 0;
  const size = x?.size ?? g?.size ?? decNumber(buf, at + 124, 12);
  const mtime = x?.mtime ?? g?.mtime;
  let mtimeMs = mtime?.getTime();
  if (mtimeMs === undefined) {
    const seconds = decNumber(buf, at + 136, 12);
    mtimeMs = seconds === undefined ? 0 : dateMs(seconds);
  }
  out.mtimeMs = mtimeMs;
  const cksum = decNumber(buf, at + 148, 12);
  const type = (flag === 0x30 || flag === 0) && path.endsWith('/') ? 'Directory' : TYPE_NAMES[flag]!; // old tars mark dirs by a trailing '/'
  out.type = type;
  out.size = type === 'Directory' || size === undefined || size < 0 ? 0 : size;
  out.linkpath = x?.linkpath ?? decString(buf, at + 157, 100);
  out.devmaj = 0;
  out.devmin = 0;
  const ustar = isUstar(buf, at);
  if (ustar || isGnu(buf, at)) {
    out.devmaj = decNumber(buf, at + 329, 8) ?? 0;
    out.devmin = decNumber(buf, at + 337, 8) ?? 0;
  }
  if (ustar) {
    if (buf[at + 475] !== 0) {
      path = `${decString(buf, at + 345, 155)}/${path}`;
    } else {
      const prefix = decString(buf, at + 345, 130);
      if (prefix) path = `${prefix}/${path}`;
      if (!(ex?.atime ?? gex?.atime)) checkDate(buf, at + 476);
      if (!(ex?.ctime ?? gex?.ctime)) checkDate(buf, at + 488);
    }
  }
  out.path = path;
  const sum = checksum(buf, at, words);
  if (cksum === undefined && sum === 8 * 0x20) return HEADER_NULL;
  return sum === cksum ? HEADER_OK : HEADER_BAD_SUM;
}

/**
 * The sum of the block's bytes with the checksum field counted as spaces. Summing a byte at a
 * time is most of a header's cost, so aligned blocks are summed four bytes at a time: two 16-bit
 * lanes per word, which 126 words cannot overflow (126 × 2 × 255 < 65536).
 */
function checksum(buf: Buffer, at: number, words: Int32Array | undefined): number {
  const base = buf.byteOffset + at;
  if (!words || (base & 3) !== 0) {
    let sum = 8 * 0x20;
    for (let i = at; i < at + 148; i++) sum += buf[i]!;
    for (let i = at + 156; i < at + 512; i++) sum += buf[i]!;
    return sum;
  }
  const w = base >> 2;
  let lanes = 0;
  for (let i = w; i < w + 37; i++) lanes += (words[i]! & 0x00ff00ff) + ((words[i]! >>> 8) & 0x00ff00ff);
  for (let i = w + 39; i < w + 128; i++) lanes += (words[i]! & 0x00ff00ff) + ((words[i]! >>> 8) & 0x00ff00ff);
  return 8 * 0x20 + (lanes & 0xffff) + (lanes >>> 16);
}

/** A word view of a buffer's memory (from its ArrayBuffer's start), for `decodeHeader`. */
export function wordsOf(buf: Buffer): Int32Array {
  return new Int32Array(buf.buffer, 0, buf.buffer.byteLength >> 2);
}

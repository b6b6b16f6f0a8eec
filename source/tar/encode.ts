// Writing tar headers: ustar blocks with PAX records where ustar cannot hold a value, written the
// way Docker's archive package writes layer tars (deterministic: no atime/ctime, no user names but root).
import {posix} from 'node:path';
import {decodeBytes, encodeBytes} from '../text/escape.js';

// Names are strings whose non-UTF-8 bytes are lone surrogates (text/escape.ts): written back as those bytes.

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';
const TYPEFLAG: Record<EntryType, string> = {file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6'};
const TYPE_BITS: Record<EntryType, number> = {
  file: 0o100000,
  hardlink: 0o100000,
  symlink: 0o120000,
  char: 0o20000,
  block: 0o60000,
  dir: 0o40000,
  fifo: 0o10000,
};
const MAX_OCTAL_8 = 0o7777777;
const MAX_OCTAL_12 = 0o77777777777;

export interface TarHeader {
  name: string;
  type: EntryType;
  /** permission bits incl. setuid/setgid/sticky */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  xattrs: Record<string, Buffer>;
  /** whiteout markers are written without file-type bits in mode, as Docker does */
  bareMode?: boolean;
}

function octal(buf: Buffer, off: number, len: number, value: number): void {
  buf.write(value.toString(8).padStart(len - 1, '0') + '\0', off, len, 'ascii');
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

function ustarBlock(h: {
  name: string;
  prefix: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  devmajor: number;
  devminor: number;
}): Buffer {
  const b = Buffer.alloc(512);
  encodeBytes(h.name).copy(b, 0, 0, 100);
  octal(b, 100, 8, h.mode);
  octal(b, 108, 8, h.uid);
  octal(b, 116, 8, h.gid);
  octal(b, 124, 12, h.size);
  octal(b, 136, 12, h.mtime);
  b.write(h.typeflag, 156, 1, 'ascii');
  encodeBytes(h.linkname).copy(b, 157, 0, 100);
  b.write('ustar\u000000', 257, 8, 'ascii');
  // Docker's tar writer looks user names up on the host; only id 0 has the same name everywhere.
  if (h.uid === 0) b.write('root', 265, 32, 'ascii');
  if (h.gid === 0) b.write('root', 297, 32, 'ascii');
  octal(b, 329, 8, h.devmajor);
  octal(b, 337, 8, h.devminor);
  encodeBytes(h.prefix).copy(b, 345, 0, 155);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return b;
}

export function padding(size: number): Buffer {
  return Buffer.alloc((512 - (size % 512)) % 512);
}

/** Split a name into ustar prefix/name, or null when it needs a PAX path record. */
function splitUstarName(name: string): [string, string] | null {
  const bytes = encodeBytes(name).length;
  if (bytes <= 100) return ['', name];
  if (bytes > 256) return null; // no prefix (155) + '/' + name (100) can hold it: skip the O(n²) search
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (encodeBytes(prefix).length <= 155 && encodeBytes(rest).length <= 100 && rest.length > 0) return [prefix, rest];
  }
  return null;
}

/** Encode one entry as (optional PAX header +) ustar header. Deterministic: no atime/ctime, no names. */
export function encodeHeader(h: TarHeader): Buffer {
  const pax: Buffer[] = [];
  const split = splitUstarName(h.name);
  if (!split) pax.push(paxRecord('path', encodeBytes(h.name)));
  const link = encodeBytes(h.linkname);
  if (link.length > 100) pax.push(paxRecord('linkpath', link));
  if (h.uid > MAX_OCTAL_8) pax.push(paxRecord('uid', Buffer.from(String(h.uid))));
  if (h.gid > MAX_OCTAL_8) pax.push(paxRecord('gid', Buffer.from(String(h.gid))));
  if (h.size > MAX_OCTAL_12) pax.push(paxRecord('size', Buffer.from(String(h.size))));
  for (const key of Object.keys(h.xattrs).sort()) pax.push(paxRecord(`SCHILY.xattr.${key}`, h.xattrs[key]!));
  const main = ustarBlock({
    name: split ? split[1] : truncateBytes(h.name, 100),
    prefix: split ? split[0] : '',
    mode: h.bareMode ? h.mode : h.mode | TYPE_BITS[h.type],
    uid: Math.min(h.uid, MAX_OCTAL_8),
    gid: Math.min(h.gid, MAX_OCTAL_8),
    size: h.size > MAX_OCTAL_12 ? 0 : h.size,
    mtime: Math.max(0, Math.min(h.mtime, MAX_OCTAL_12)),
    typeflag: TYPEFLAG[h.type],
    linkname: truncateBytes(h.linkname, 100),
    devmajor: h.devmajor,
    devminor: h.devminor,
  });
  if (pax.length === 0) return main;
  const body = Buffer.concat(pax);
  const dir = posix.dirname(h.name.replace(/\/$/, ''));
  const paxName = truncateBytes(posix.join(dir, 'PaxHeaders.0', posix.basename(h.name)), 100);
  const paxHead = ustarBlock({
    name: paxName,
    prefix: '',
    mode: 0,
    uid: 0,
    gid: 0,
    size: body.length,
    mtime: 0,
    typeflag: 'x',
    linkname: '',
    devmajor: 0,
    devminor: 0,
  });
  return Buffer.concat([paxHead, body, padding(body.length), main]);
}

function truncateBytes(s: string, max: number): string {
  const b = encodeBytes(s);
  return b.length <= max ? s : decodeBytes(b.subarray(0, max));
}

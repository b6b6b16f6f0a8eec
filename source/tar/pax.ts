// PAX extended headers (POSIX.1-2001): `LEN KEY=VALUE\n` records that override the next entry's
// header fields (or every entry's, for a global header) and carry what ustar cannot, such as
// xattrs (`SCHILY.xattr.NAME`, binary values).
import {decodeBytes} from '../text/escape.js';

/** The header fields a PAX header (or a GNU long name) overrides. */
export interface PaxFields {
  path?: string;
  linkpath?: string;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: Date;
  atime?: Date;
  ctime?: Date;
}

export const XATTR_PREFIX = 'SCHILY.xattr.';

/** Extended headers are metadata: anything bigger is damage, not a name or xattrs. */
export const MAX_PAX_BYTES = 1 << 20;

/**
 * The records of a PAX body, values kept as bytes. Linear in the body's length; a record whose
 * length does not fit ends the parse (the rest is damage, as GNU tar treats it).
 */
export function paxRecords(body: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let off = 0;
  while (off < body.length) {
    const sp = body.indexOf(0x20, off);
    if (sp === -1 || sp - off > 20) break;
    const len = Number(body.toString('latin1', off, sp));
    if (!Number.isSafeInteger(len) || len <= sp - off + 1 || off + len > body.length || body[off + len - 1] !== 0x0a) break;
    const eq = body.indexOf(0x3d, sp + 1);
    if (eq !== -1 && eq < off + len - 1 && eq > sp + 1) out.set(body.toString('utf8', sp + 1, eq), body.subarray(eq + 1, off + len - 1));
    off += len;
  }
  return out;
}

const TIME_KEY = /^([A-Z]+\.)?([mac]|birth|creation)time$/;

/** The overriding fields of a PAX body, merged over `prev` (the same entry's earlier headers). */
export function paxFields(body: Buffer, prev?: PaxFields): PaxFields {
  const out: PaxFields = {...prev};
  for (const [key, raw] of paxRecords(body)) {
    const value = decodeBytes(raw); // a path's non-UTF-8 bytes kept (text/escape.ts)
    switch (key) {
      case 'path':
      case 'linkpath':
        out[key] = value;
        break;
      case 'uid':
      case 'gid':
      case 'size':
        if (/^[0-9]+$/.test(value)) out[key] = Number(value);
        break;
      default:
        if (TIME_KEY.test(key)) {
          const k = key.replace(/^[A-Z]+\./, '') as 'mtime' | 'atime' | 'ctime';
          if (k === 'mtime' || k === 'atime' || k === 'ctime') out[k] = new Date(Number(value) * 1000);
        }
    }
  }
  return out;
}

/** The xattrs a PAX body carries. */
export function paxXattrs(records: Map<string, Buffer>): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [key, value] of records) if (key.startsWith(XATTR_PREFIX)) out[key.slice(XATTR_PREFIX.length)] = Buffer.from(value);
  return out;
}

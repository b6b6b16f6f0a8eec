// Read-only reader for SQLite 3 database files (https://www.sqlite.org/fileformat2.html), enough
// to list the rows of ordinary (rowid) tables: podman 5 keeps libpod's state in `libpod/db.sql`.
//   header (100 B on page 1): "SQLite format 3\0", page size u16 BE at 16 (1 = 65536), reserved
//     bytes per page u8 at 20, text encoding u32 BE at 56 (1 = UTF-8).
//   b-tree page header: type u8 (0x0D table leaf, 0x05 table interior), cell count u16 at 3,
//     right-most child u32 at 8 (interior); the cell pointer array follows (8 or 12 bytes in).
//   table leaf cell: payload size varint, rowid varint, payload; a payload larger than U-35 keeps
//     a local part and a u32 first overflow page (each: next page u32, then U-4 bytes).
//   interior cell: left child u32, rowid varint. Records: header size varint, serial types, values.
// The file is read whole; every offset is bounds-checked and every page visited once per walk,
// so corrupt input throws a SqliteError naming the file and page instead of reading garbage.
// Only committed data in the main file is read: a `-wal` file's frames are not applied.
import {dirname} from 'node:path';
import {DB_FILE, readInside} from './confine.js';

export class SqliteError extends Error {
  override name = 'SqliteError';
}

export type SqlValue = null | number | bigint | string | Buffer;
export type Row = Record<string, SqlValue>;

export interface SqliteDb {
  tables(): string[];
  /** Every row of a table, columns named as its CREATE TABLE names them. */
  rows(table: string): Row[];
}

const MAGIC = 'SQLite format 3\0';

/** A database file: a regular file inside `root` (no symlink out of it, no FIFO), at most 1 GiB. */
export function openSqlite(path: string, root = dirname(path)): SqliteDb {
  return parseSqlite(readInside(root, path, DB_FILE), path);
}

export function parseSqlite(buf: Buffer, name: string): SqliteDb {
  const fail = (msg: string): never => {
    throw new SqliteError(`${name}: ${msg}`);
  };
  if (buf.length < 100 || buf.toString('latin1', 0, 16) !== MAGIC) fail('not an SQLite 3 database');
  const raw = buf.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) fail(`invalid page size ${raw}`);
  const usable = pageSize - buf[20]!;
  if (buf.readUInt32BE(56) > 1) fail('text encoding is UTF-16, not read');
  const pages = Math.floor(buf.length / pageSize);

  const page = (n: number, from: string): Buffer => {
    if (!Number.isInteger(n) || n < 1 || n > pages) fail(`page ${n} (${from}) is outside the file (${pages} pages)`);
    return buf.subarray((n - 1) * pageSize, n * pageSize);
  };

  /** SQLite's varint: 1-9 bytes, big-endian, 7 bits a byte (the 9th gives 8). */
  const varint = (b: Buffer, at: number, where: string): [bigint, number] => {
    let v = 0n;
    for (let i = 0; i < 9; i++) {
      if (at + i >= b.length) fail(`truncated varint in ${where}`);
      const byte = b[at + i]!;
      if (i === 8) return [(v << 8n) | BigInt(byte), 9];
      v = (v << 7n) | BigInt(byte & 0x7f);
      if (byte < 0x80) return [v, i + 1];
    }
    return [v, 9];
  };

  const payloadOf = (p: Buffer, at: number, size: number, where: string, seen: Set<number>): Buffer => {
    const max = usable - 35;
    if (size <= max) {
      if (at + size > p.length) fail(`cell overruns ${where}`);
      return p.subarray(at, at + size);
    }
    const min = Math.floor(((usable - 12) * 32) / 255) - 23;
    const k = min + ((size - min) % (usable - 4));
    const local = k <= max ? k : min;
    if (at + local + 4 > p.length) fail(`cell overruns ${where}`);
    const parts = [p.subarray(at, at + local)];
    let got = local;
    for (let next = p.readUInt32BE(at + local); got < size;) {
      if (next === 0 || seen.has(next)) fail(`broken overflow chain from ${where}`);
      seen.add(next);
      const o = page(next, `overflow of ${where}`);
      const take = Math.min(usable - 4, size - got);
      parts.push(o.subarray(4, 4 + take));
      got += take;
      next = o.readUInt32BE(0);
    }
    return Buffer.concat(parts);
  };

  /** Every (rowid, record) of the table b-tree rooted at `root`. */
  const walk = (root: number, what: string): [bigint, Buffer][] => {
    const out: [bigint, Buffer][] = [];
    const seen = new Set<number>();
    const stack = [root];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) fail(`page ${n} of ${what} is reached twice (a cycle)`);
      seen.add(n);
      const p = page(n, what);
      const h = n === 1 ? 100 : 0;
      const type = p[h];
      const count = p.readUInt16BE(h + 3);
      const where = `page ${n} of ${what}`;
      if (h + (type === 0x05 ? 12 : 8) + 2 * count > p.length) fail(`${where}: ${count} cells do not fit the page`);
      if (type === 0x0d) {
        for (let i = 0; i < count; i++) {
          let at = p.readUInt16BE(h + 8 + 2 * i);
          const [size, a] = varint(p, at, where);
          at += a;
          const [rowid, b] = varint(p, at, where);
          out.push([rowid, payloadOf(p, at + b, Number(size), where, seen)]);
        }
      } else if (type === 0x05) {
        const children: number[] = [];
        for (let i = 0; i < count; i++) {
          const at = p.readUInt16BE(h + 12 + 2 * i);
          if (at + 4 > p.length) fail(`${where}: a cell points outside the page`);
          children.push(p.readUInt32BE(at));
        }
        children.push(p.readUInt32BE(h + 8));
        // Pushed in reverse so rows come out in rowid order.
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
      } else fail(`${where} is not a table b-tree page (type ${type})`);
    }
    return out;
  };

  const record = (rec: Buffer, where: string): SqlValue[] => {
    const [hsize, a] = varint(rec, 0, where);
    const types: bigint[] = [];
    for (let at = a; at < Number(hsize);) {
      const [t, n] = varint(rec, at, where);
      types.push(t);
      at += n;
    }
    const values: SqlValue[] = [];
    let at = Number(hsize);
    const take = (n: number): Buffer => {
      if (at + n > rec.length) fail(`record overruns its payload in ${where}`);
      const b = rec.subarray(at, at + n);
      at += n;
      return b;
    };
    for (const big of types) {
      const t = Number(big);
      if (t === 0) values.push(null);
      else if (t >= 1 && t <= 6) {
        const n = [0, 1, 2, 3, 4, 6, 8][t]!;
        const b = take(n);
        let v = 0n;
        for (const byte of b) v = (v << 8n) | BigInt(byte);
        if (b[0]! & 0x80) v -= 1n << BigInt(8 * n);
        values.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
      } else if (t === 7) values.push(take(8).readDoubleBE(0));
      else if (t === 8 || t === 9) values.push(t - 8);
      else if (t >= 12 && t % 2 === 0) values.push(Buffer.from(take((t - 12) / 2)));
      else if (t >= 13) values.push(take((t - 13) / 2).toString('utf8'));
      else fail(`reserved serial type ${t} in ${where}`);
    }
    return values;
  };

  const schema = walk(1, 'sqlite_schema').map(([, rec]) => record(rec, 'sqlite_schema'));
  const tables = new Map<string, {root: number; columns: string[]; rowidColumn?: number}>();
  for (const [type, tname, , root, sql] of schema) {
    if (type !== 'table' || typeof tname !== 'string' || typeof root !== 'number' || typeof sql !== 'string' || /WITHOUT\s+ROWID\s*$/i.test(sql)) continue;
    tables.set(tname, {root, ...columnsOf(sql)});
  }

  return {
    tables: () => [...tables.keys()],
    rows: (table) => {
      const t = tables.get(table);
      if (!t) return [];
      return walk(t.root, table).map(([rowid, rec]) => {
        const values = record(rec, table);
        const row: Row = {};
        t.columns.forEach((c, i) => {
          // An INTEGER PRIMARY KEY column is the rowid; the record stores NULL for it.
          row[c] = i === t.rowidColumn ? (rowid <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(rowid) : rowid) : (values[i] ?? null);
        });
        return row;
      });
    },
  };
}

/** Column names of a CREATE TABLE statement, and which one (if any) is an INTEGER PRIMARY KEY. */
function columnsOf(sql: string): {columns: string[]; rowidColumn?: number} {
  const body = sql.slice(sql.indexOf('(') + 1, sql.lastIndexOf(')'));
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of body) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  const columns: string[] = [];
  let rowidColumn: number | undefined;
  for (const part of parts.map((p) => p.trim()).filter(Boolean)) {
    if (/^(CONSTRAINT|PRIMARY|FOREIGN|UNIQUE|CHECK)\b/i.test(part)) continue;
    const name = /^("([^"]+)"|`([^`]+)`|\[([^\]]+)\]|(\S+))/.exec(part)!;
    if (/^\S+\s+INTEGER\s+PRIMARY\s+KEY/i.test(part)) rowidColumn = columns.length;
    columns.push(name[2] ?? name[3] ?? name[4] ?? name[5]!);
  }
  return {columns, rowidColumn};
}

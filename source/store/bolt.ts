// Read-only parser for bbolt (BoltDB) files, as used by Docker for volumes/metadata.db.
// On-disk facts (go.etcd.io/bbolt page.go, node.go, bucket.go, db.go), all little-endian:
//   page header (16 B): id u64, flags u16, count u16, overflow u32; a page spans (overflow+1) pages.
//   meta (after header): magic u32, version u32, pageSize u32, flags u32, root bucket {root u64,
//     sequence u64}, freelist u64, pgid (high-water mark) u64, txid u64, checksum u64 =
//     fnv-1a 64 over the 56 bytes before it.
//   branch element (16 B): pos u32, ksize u32, pgid u64; leaf element: flags u32, pos u32,
//     ksize u32, vsize u32. pos is relative to the element itself.
//   A leaf value flagged as a bucket starts with a bucket header {root u64, sequence u64};
//   root 0 means an inline bucket whose page follows the header inside the value.
// The whole file is held in one Buffer; every offset is bounds-checked so that corrupt input
// throws a BoltError (naming the file and the page) instead of reading garbage, and pages are
// tracked per walk and per bucket so that a cyclic tree cannot loop or recurse forever.
import {dirname} from 'node:path';
import {DB_FILE, readInside} from './confine.js';

export class BoltError extends Error {
  override name = 'BoltError';
}

export interface BoltBucket {
  /** Id of the bucket's root page, 0 for an inline bucket (its page lives in the parent's value). */
  readonly root: number;
  /** Value stored under key, or undefined (also for a key that names a sub-bucket). */
  get(key: string | Buffer): Buffer | undefined;
  bucket(name: string | Buffer): BoltBucket | undefined;
  /** Key/value pairs in key order, sub-buckets left out. Buffers are views into the file. */
  entries(): Iterable<[Buffer, Buffer]>;
  /** Names of sub-buckets, in key order. */
  buckets(): string[];
}

export interface BoltDb {
  readonly name: string;
  readonly pageSize: number;
  readonly txid: bigint;
  bucket(name: string | Buffer): BoltBucket | undefined;
  buckets(): string[];
}

const MAGIC = 0xed0cdaed;
const VERSION = 2;
const PAGE_HEADER = 16;
const ELEMENT = 16;
const META_SIZE = 64;
const CHECKSUMMED = 56;
const BUCKET_HEADER = 16;
const BRANCH = 0x01;
const LEAF = 0x02;
const BUCKET_LEAF = 0x01;

interface Meta {
  pageSize: number;
  root: bigint;
  highWater: bigint;
  txid: bigint;
}

/** A page's bytes plus how to name it in error messages. */
interface Page {
  label: string;
  data: Buffer;
  flags: number;
  count: number;
}

interface LeafElement {
  flags: number;
  key: Buffer;
  value: Buffer;
}

/** Where a bucket's tree starts: a page id, or an inline page carried in its parent's value. */
interface InlineRoot {
  path: Buffer[];
  inline: Buffer;
}
type Root = {path: Buffer[]; pgid: bigint} | InlineRoot;

interface Context {
  buf: Buffer;
  name: string;
  meta: Meta;
  /** Which bucket (by path) each visited page belongs to; see enter(). */
  owners: Map<bigint, Buffer[]>;
}

/** A database file: a regular file inside `root` (no symlink out of it, no FIFO), at most 1 GiB. */
export function openBolt(path: string, root = dirname(path)): BoltDb {
  return parseBolt(readInside(root, path, DB_FILE), path);
}

export function parseBolt(buf: Buffer, name: string): BoltDb {
  const meta = pickMeta(buf, name);
  const ctx: Context = {buf, name, meta, owners: new Map()};
  // Check the root page now, so a file whose tree cannot even start fails at open.
  enter(ctx, meta.root, new Set(), []);
  const root = makeBucket(ctx, {path: [], pgid: meta.root});
  return {
    name,
    pageSize: meta.pageSize,
    txid: meta.txid,
    bucket: (n) => root.bucket(n),
    buckets: () => root.buckets(),
  };
}

function fnv1a64(data: Buffer): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of data) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash;
}

/** Validates the meta page at offset; returns the meta or why it is unusable. */
function readMeta(buf: Buffer, offset: number): Meta | string {
  const start = offset + PAGE_HEADER;
  if (start + META_SIZE > buf.length) return `file ends at byte ${buf.length}`;
  if (buf.readUInt32LE(start) !== MAGIC) return 'bad magic';
  if (buf.readUInt32LE(start + 4) !== VERSION) return `unsupported version ${buf.readUInt32LE(start + 4)}`;
  if (buf.readBigUInt64LE(start + CHECKSUMMED) !== fnv1a64(buf.subarray(start, start + CHECKSUMMED))) {
    return 'checksum mismatch';
  }
  const pageSize = buf.readUInt32LE(start + 8);
  // The checksum vouches for bbolt having written it, but a page must still hold a meta.
  if (pageSize < PAGE_HEADER + META_SIZE) return `page size ${pageSize} too small`;
  return {
    pageSize,
    root: buf.readBigUInt64LE(start + 16),
    highWater: buf.readBigUInt64LE(start + 40),
    txid: buf.readBigUInt64LE(start + 48),
  };
}

/** Like bbolt: meta 0 gives the page size; if it is bad, probe meta 1 at 1 KiB << i. */
function pickMeta(buf: Buffer, name: string): Meta {
  const meta0 = readMeta(buf, 0);
  let meta1: Meta | string = 'not found at any page size';
  if (typeof meta0 !== 'string') {
    meta1 = readMeta(buf, meta0.pageSize);
  } else {
    for (let i = 0; i <= 14 && 1024 << i < buf.length; i++) {
      const candidate = readMeta(buf, 1024 << i);
      if (typeof candidate !== 'string') {
        meta1 = candidate;
        break;
      }
    }
  }
  if (typeof meta0 === 'string' && typeof meta1 === 'string') {
    throw new BoltError(`${name}: no valid meta page (page 0: ${meta0}; page 1: ${meta1})`);
  }
  if (typeof meta0 === 'string') return meta1 as Meta;
  if (typeof meta1 === 'string') return meta0;
  return meta1.txid > meta0.txid ? meta1 : meta0;
}

function fail(ctx: Context, label: string, problem: string): never {
  throw new BoltError(`${ctx.name}: ${label}: ${problem}`);
}

function filePage(ctx: Context, pgid: bigint): Page {
  const label = `page ${pgid}`;
  const {buf, meta} = ctx;
  // Pages 0 and 1 are metas; a tree page at or past the high-water mark was never allocated.
  if (pgid < 2n || pgid >= meta.highWater) {
    fail(ctx, label, `page id out of range (valid 2..${meta.highWater - 1n})`);
  }
  const offset = pgid * BigInt(meta.pageSize);
  if (offset + BigInt(PAGE_HEADER) > BigInt(buf.length)) fail(ctx, label, `beyond end of file (${buf.length} bytes)`);
  const start = Number(offset);
  const end = offset + BigInt(buf.readUInt32LE(start + 12) + 1) * BigInt(meta.pageSize);
  if (end > BigInt(buf.length)) fail(ctx, label, `overflow runs beyond end of file (${buf.length} bytes)`);
  if (buf.readBigUInt64LE(start) !== pgid) fail(ctx, label, `header says page ${buf.readBigUInt64LE(start)}`);
  return {label, data: buf.subarray(start, Number(end)), ...flagsAndCount(buf, start)};
}

function inlinePage(ctx: Context, data: Buffer, path: Buffer[]): Page {
  const label = `inline page of ${describePath(path)}`;
  if (data.length < PAGE_HEADER) fail(ctx, label, `value too short (${data.length} bytes)`);
  return {label, data, ...flagsAndCount(data, 0)};
}

function flagsAndCount(buf: Buffer, start: number): {flags: number; count: number} {
  return {flags: buf.readUInt16LE(start + 8), count: buf.readUInt16LE(start + 10)};
}

/** Bounds-checked slice of a page's data for element i's key (and value). */
function slice(ctx: Context, page: Page, i: number, from: number, length: number, what: string): Buffer {
  if (from + length > page.data.length) {
    fail(ctx, page.label, `${what} of element ${i} runs past the page end`);
  }
  return page.data.subarray(from, from + length);
}

function elementOffset(ctx: Context, page: Page, i: number): number {
  const offset = PAGE_HEADER + i * ELEMENT;
  if (offset + ELEMENT > page.data.length) fail(ctx, page.label, `element ${i} of ${page.count} lies past the page end`);
  return offset;
}

function branchElement(ctx: Context, page: Page, i: number): {key: Buffer; pgid: bigint} {
  const at = elementOffset(ctx, page, i);
  const {data} = page;
  const key = slice(ctx, page, i, at + data.readUInt32LE(at), data.readUInt32LE(at + 4), 'key');
  return {key, pgid: data.readBigUInt64LE(at + 8)};
}

function leafElement(ctx: Context, page: Page, i: number): LeafElement {
  const at = elementOffset(ctx, page, i);
  const {data} = page;
  const keyAt = at + data.readUInt32LE(at + 4);
  const keySize = data.readUInt32LE(at + 8);
  const key = slice(ctx, page, i, keyAt, keySize, 'key');
  const value = slice(ctx, page, i, keyAt + keySize, data.readUInt32LE(at + 12), 'value');
  return {flags: data.readUInt32LE(at), key, value};
}

/** A page that can sit in a bucket's tree; an inline bucket's page must be a leaf. */
function treePage(ctx: Context, page: Page, inline: boolean): Page {
  if (page.flags !== BRANCH && page.flags !== LEAF) {
    fail(ctx, page.label, `flags 0x${page.flags.toString(16)}, expected a branch or leaf page`);
  }
  if (inline && page.flags !== LEAF) fail(ctx, page.label, 'inline page is not a leaf');
  return page;
}

function inlineLeaf(ctx: Context, root: InlineRoot): Page {
  return treePage(ctx, inlinePage(ctx, root.inline, root.path), true);
}

function describePath(path: Buffer[]): string {
  return path.length ? `bucket ${JSON.stringify(path.map((key) => key.toString('utf8')).join('/'))}` : 'the root bucket';
}

function samePath(a: Buffer[], b: Buffer[]): boolean {
  return a.length === b.length && a.every((key, i) => key.equals(b[i]!));
}

/**
 * Follows pgid for the bucket at path. In bbolt every page belongs to one bucket, so a page seen
 * twice in one walk, or claimed by two buckets, means a cycle that could otherwise recurse forever.
 */
function enter(ctx: Context, pgid: bigint, seen: Set<bigint>, path: Buffer[]): Page {
  if (seen.has(pgid)) fail(ctx, `page ${pgid}`, 'page reached twice (cycle in the tree)');
  seen.add(pgid);
  const owner = ctx.owners.get(pgid);
  if (owner && !samePath(owner, path)) {
    fail(ctx, `page ${pgid}`, `claimed by ${describePath(owner)} and ${describePath(path)} (cycle in the tree)`);
  }
  ctx.owners.set(pgid, path);
  return treePage(ctx, filePage(ctx, pgid), false);
}

/** Every leaf element of the tree under root, in key order. */
function* walk(ctx: Context, root: Root): Generator<LeafElement> {
  if ('inline' in root) {
    yield* leafElements(ctx, inlineLeaf(ctx, root));
    return;
  }
  const seen = new Set<bigint>();
  function* visit(pgid: bigint): Generator<LeafElement> {
    const page = enter(ctx, pgid, seen, root.path);
    if (page.flags === LEAF) {
      yield* leafElements(ctx, page);
      return;
    }
    for (let i = 0; i < page.count; i++) yield* visit(branchElement(ctx, page, i).pgid);
  }
  yield* visit(root.pgid);
}

function* leafElements(ctx: Context, page: Page): Generator<LeafElement> {
  for (let i = 0; i < page.count; i++) yield leafElement(ctx, page, i);
}

/** Descends branch pages to the one leaf that can hold key, as bbolt's cursor.seek does. */
function find(ctx: Context, root: Root, key: Buffer): LeafElement | undefined {
  let page: Page;
  if ('inline' in root) {
    page = inlineLeaf(ctx, root);
  } else {
    const seen = new Set<bigint>();
    let pgid = root.pgid;
    for (;;) {
      page = enter(ctx, pgid, seen, root.path);
      if (page.flags === LEAF) break;
      if (page.count === 0) fail(ctx, page.label, 'empty branch page');
      // The child to follow is the last one whose first key is <= key.
      let child = 0;
      for (let i = 1; i < page.count && Buffer.compare(branchElement(ctx, page, i).key, key) <= 0; i++) child = i;
      pgid = branchElement(ctx, page, child).pgid;
    }
  }
  for (const element of leafElements(ctx, page)) {
    if (element.key.equals(key)) return element;
  }
  return undefined;
}

function subRoot(ctx: Context, parent: Buffer[], element: LeafElement): Root {
  const path = [...parent, element.key];
  if (element.value.length < BUCKET_HEADER) {
    fail(ctx, describePath(path), `bucket header too short (${element.value.length} bytes)`);
  }
  const pgid = element.value.readBigUInt64LE(0);
  return pgid === 0n ? {path, inline: element.value.subarray(BUCKET_HEADER)} : {path, pgid};
}

function toKey(key: string | Buffer): Buffer {
  return typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
}

function makeBucket(ctx: Context, root: Root): BoltBucket {
  return {
    root: 'inline' in root ? 0 : Number(root.pgid),
    get(key) {
      const element = find(ctx, root, toKey(key));
      return element && !(element.flags & BUCKET_LEAF) ? element.value : undefined;
    },
    bucket(name) {
      const element = find(ctx, root, toKey(name));
      return element && element.flags & BUCKET_LEAF ? makeBucket(ctx, subRoot(ctx, root.path, element)) : undefined;
    },
    *entries() {
      for (const element of walk(ctx, root)) {
        if (!(element.flags & BUCKET_LEAF)) yield [element.key, element.value];
      }
    },
    buckets() {
      const names: string[] = [];
      for (const element of walk(ctx, root)) {
        if (element.flags & BUCKET_LEAF) names.push(element.key.toString('utf8'));
      }
      return names;
    },
  };
}

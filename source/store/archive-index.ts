// One streaming pass over an image archive (`docker save`, classic or OCI) or over the blobs of
// an OCI layout directory. Every entry is hashed; small JSON entries (manifests, configs) are
// kept; layer tars, plain or gzip, are walked as they stream by, so all layers are indexed in
// the same pass without extracting anything or holding file contents.
import {createHash, type Hash} from 'node:crypto';
import {stat} from 'node:fs/promises';
import {posix} from 'node:path';
import {createGunzip} from 'node:zlib';
import {LayerBuilder, entryNames, type LayerIndex} from './archive-layer.js';
import {hashEntries} from './archive-hash.js';
import {TarError, TarWalker, type DataSink} from './archive-tar.js';
import {readChunks} from './chunks.js';
import type {Problems} from './problems.js';

export type Compression = 'none' | 'gzip';

/** One file of the archive (or blob of a layout directory) as the pass saw it. */
export interface Blob {
  /** Entry name in the archive, or path relative to the layout directory. */
  name: string;
  /** The file holding the bytes, and where they start in it. */
  file: string;
  offset: number;
  size: number;
  /** `sha256:<hex>` of the bytes as stored. */
  digest: string;
  /** The bytes, for JSON documents only. */
  json?: Buffer;
  layer?: LayerIndex & {diffId: string; compression: Compression};
  /** Why the entry could not be read as a layer (reported only if a manifest names it as one). */
  error?: string;
}

const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];
/** Manifests and configs are small; bigger JSON-looking entries are not kept. */
const MAX_JSON = 16 << 20;

function startsWith(buf: Buffer, magic: number[]): boolean {
  return magic.every((b, i) => buf[i] === b);
}

/**
 * A sink for one blob: it looks at the first block, then keeps JSON, walks a tar, or gunzips and
 * walks a tar. `label` names the blob in the problems its layer tar has. The stored bytes are
 * hashed once: for an uncompressed layer that digest is also its diff id.
 */
class BlobSink implements DataSink {
  /** Absent when another thread hashes the stored bytes (see archive-hash.ts). */
  private readonly hash?: Hash;
  /** The first bytes, copied, while fewer than a block have come. */
  private head?: Buffer;
  private route?: DataSink;
  private json?: Buffer[];
  private builder?: LayerBuilder;
  /** The hash of the uncompressed bytes, when they differ from the stored ones. */
  private diffHash?: Hash;
  private compression: Compression = 'none';
  private error?: string;

  constructor(readonly blob: Blob, private readonly label: string, private readonly problems: Problems, hashHere: boolean) {
    if (hashHere) this.hash = createHash('sha256');
  }

  write(chunk: Buffer): void | Promise<void> {
    this.hash?.update(chunk);
    if (this.route) return this.route.write(chunk);
    const head = this.head ? Buffer.concat([this.head, chunk]) : chunk;
    if (head.length < 512) {
      this.head = head === chunk ? Buffer.from(chunk) : head;
      return undefined;
    }
    this.head = undefined;
    return this.decide(head);
  }

  async end(): Promise<void> {
    if (!this.route) await this.decide(this.head ?? Buffer.alloc(0));
    await this.route!.end();
    if (this.hash) this.blob.digest = `sha256:${this.hash.digest('hex')}`;
    if (this.json) this.blob.json = Buffer.concat(this.json);
    if (this.builder) {
      // An uncompressed layer's diff id is its digest, which may still be on its way (setDigest).
      const diffId = this.diffHash ? `sha256:${this.diffHash.digest('hex')}` : this.blob.digest;
      this.blob.layer = {...this.builder.finish(), diffId, compression: this.compression};
    }
    if (this.error) this.blob.error = this.error;
  }

  private decide(head: Buffer): void | Promise<void> {
    const text = head.subarray(0, 64).toString('latin1').trimStart();
    if (startsWith(head, GZIP)) this.route = this.gunzip();
    else if (startsWith(head, ZSTD)) this.route = this.skip('zstd-compressed layers are not supported');
    else if ((text.startsWith('{') || text.startsWith('[')) && this.blob.size <= MAX_JSON) this.route = this.keep();
    else this.route = this.tar();
    return head.length ? this.route.write(head) : undefined;
  }

  private keep(): DataSink {
    const parts: Buffer[] = (this.json = []);
    return {write: (c) => void parts.push(Buffer.from(c)), end: () => {}};
  }

  private skip(reason: string): DataSink {
    this.error = reason;
    return {write: () => {}, end: () => {}};
  }

  /** Walk the uncompressed bytes as a layer tar; a broken tar becomes `error`, the pass goes on. */
  private tar(): DataSink {
    const builder = (this.builder = new LayerBuilder(this.label, this.problems));
    const walker = new TarWalker((e) => void builder.add(e));
    const fail = (err: unknown) => {
      if (!(err instanceof TarError)) throw err;
      this.error ??= `not a readable layer tar: ${err.message}`;
    };
    return {
      write: (c) => {
        this.diffHash?.update(c);
        if (this.error || walker.ended) return;
        try {
          walker.write(c); // no entry of a layer has a sink, so nothing to wait for
        } catch (err) {
          fail(err);
        }
      },
      end: async () => {
        if (!this.error) await walker.end().catch(fail);
      },
    };
  }

  /** Inflate as the bytes come (zlib works on the thread pool) and walk the output as a layer tar. */
  private gunzip(): DataSink {
    this.compression = 'gzip';
    this.diffHash = createHash('sha256');
    const inner = this.tar();
    const gunzip = createGunzip();
    let failed = false;
    /** An unexpected error in the walk, raised again from `end` rather than from a zlib callback. */
    let bug: unknown;
    gunzip.on('data', (c: Buffer) => {
      try {
        void inner.write(c);
      } catch (err) {
        bug ??= err;
      }
    });
    const done = new Promise<void>((resolve) => {
      gunzip.on('end', resolve);
      gunzip.on('error', (err) => {
        failed = true;
        this.error ??= `gzip: ${err.message}`;
        resolve();
      });
    });
    return {
      // zlib reads the chunk in place: the caller's buffer stays busy until this settles
      write: (c) => (failed ? undefined : Promise.race([new Promise<void>((resolve) => void gunzip.write(c, () => resolve())), done])),
      end: async () => {
        if (!failed) gunzip.end();
        await done;
        if (bug) throw bug;
        if (!failed) await inner.end();
      },
    };
  }
}

/** A digest computed elsewhere; an uncompressed layer's diff id is the same digest. */
function setDigest(blob: Blob, digest: string): void {
  blob.digest = digest;
  if (blob.layer?.compression === 'none') blob.layer.diffId = digest;
}

/**
 * Index every entry of an archive file in one pass. Entries with unsafe names are refused. The
 * stored bytes are hashed on a worker thread reading the same file, in parallel with the walk.
 */
export async function indexArchive(path: string, problems: Problems): Promise<Map<string, Blob>> {
  const hashing = hashEntries(path);
  try {
    const blobs = await walkArchive(path, problems, !hashing);
    if (hashing) {
      const digests = await hashing.digests;
      for (const blob of new Set(blobs.values())) {
        const digest = digests.get(blob.offset);
        if (!digest) throw new Error(`${path}:${blob.name}: the hashing thread did not see this entry (the archive changed while it was read?)`);
        setDigest(blob, digest);
      }
    }
    return blobs;
  } finally {
    hashing?.stop();
  }
}

async function walkArchive(path: string, problems: Problems, hashHere: boolean): Promise<Map<string, Blob>> {
  const blobs = new Map<string, Blob>();
  const aliases = new Map<string, string>();
  let current: string | undefined;
  const walker = new TarWalker((e) => {
    current = e.path;
    const names = entryNames(e.path);
    if (typeof names === 'string') {
      problems.add(`${path}:${e.path}`, `${names}; entry ignored`);
      return undefined;
    }
    if (e.type === 'Directory' || names.length === 0) return undefined;
    if (e.type === 'SymbolicLink' || e.type === 'Link') {
      // `docker save` writes a layer shared under two v1 ids once and links the other name to it.
      const base = e.type === 'Link' ? [] : names.slice(0, -1);
      const joined = posix.join(...base, e.linkpath);
      const target = e.linkpath.startsWith('/') || joined.startsWith('..') ? 'outside' : entryNames(joined);
      if (typeof target !== 'string') aliases.set(names.join('/'), target.join('/'));
      else problems.add(`${path}:${e.path}`, `link points outside the archive (${e.linkpath}); entry ignored`);
      return undefined;
    }
    if (e.type !== 'File' && e.type !== 'OldFile' && e.type !== 'ContiguousFile') return undefined;
    const name = names.join('/');
    if (blobs.has(name)) problems.add(`${path}:${e.path}`, 'duplicate entry; the later one is used');
    const blob: Blob = {name, file: path, offset: e.offset, size: e.size, digest: ''};
    blobs.set(name, blob);
    return new BlobSink(blob, `${path}:${name}`, problems, hashHere);
  });
  try {
    await readChunks(path, (chunk, first) => {
      if (first && startsWith(chunk, GZIP)) throw new Error(`${path}: a gzip-compressed archive; decompress it first (gunzip -k)`);
      return walker.write(chunk);
    });
    await walker.end();
  } catch (err) {
    if (err instanceof TarError) throw new Error(`${path}: ${err.message}${current ? `; last entry: ${current}` : ''}`);
    throw err;
  }
  for (const [name, target] of aliases) {
    const blob = blobs.get(target);
    if (blob) blobs.set(name, blob);
    else problems.add(`${path}:${name}`, `link to ${target}, which is not in the archive`);
  }
  return blobs;
}


/** Index one blob file of an OCI layout directory. */
export async function indexBlobFile(dir: string, name: string, problems: Problems): Promise<Blob> {
  const file = `${dir}/${name}`;
  const blob: Blob = {name, file, offset: 0, size: (await stat(file)).size, digest: ''};
  const sink = new BlobSink(blob, `${dir}:${name}`, problems, true);
  await readChunks(file, (chunk) => sink.write(chunk));
  await sink.end();
  return blob;
}

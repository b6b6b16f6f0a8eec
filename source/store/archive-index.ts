// One streaming pass over an image archive (`docker save`, classic or OCI) or over the blobs of
// an OCI layout directory. Every entry is hashed; small JSON entries (manifests, configs) are
// kept; layer tars, plain, gzip or zstd, are walked as they stream by, so all layers are indexed
// in the same pass without extracting anything or holding file contents. A gzip-compressed
// archive (`docker save | gzip`, which `docker load` takes) is inflated as it is read.
import {createHash, type Hash} from 'node:crypto';
import {closeSync, createReadStream, openSync, readSync} from 'node:fs';
import {pipeline} from 'node:stream';
import {posix} from 'node:path';
import {compressionOf, createGunzip, decompressor, ZstdDecoder, type Compression} from './decompress.js';
import {LayerBuilder, entryNames, type LayerIndex} from './archive-layer.js';
import {hashEntries} from './archive-hash.js';
import {TarError, TarWalker, type DataSink} from '../tar/walker.js';
import {readChunks} from './chunks.js';
import {openInside} from './confine.js';
import type {Problems} from './problems.js';

/** One file of the archive (or blob of a layout directory) as the pass saw it. */
export interface Blob {
  /** Entry name in the archive, or path relative to the layout directory. */
  name: string;
  /** The file holding the bytes, and where they start in it (in the decompressed stream, when the whole archive is compressed). */
  file: string;
  /** How the whole archive file is compressed, when it is (`docker save | gzip`). */
  packed?: Exclude<Compression, 'none'>;
  offset: number;
  size: number;
  /** `sha256:<hex>` of the bytes as stored. */
  digest: string;
  /** The bytes, for JSON documents only. */
  json?: Buffer;
  layer?: LayerIndex & {
    diffId: string;
    /**
     * For a compressed layer whose tar does not fill its last 10240-byte record: the digest with
     * that record zero-padded, as GNU tar writes it. skopeo's zstd:chunked writer re-serializes
     * a layer without that padding and keeps the original's diff_id; the files are the same.
     */
    paddedDiffId?: string;
    compression: Compression;
  };
  /** Why the entry could not be read as a layer (reported only if a manifest names it as one). */
  error?: string;
}

/** Manifests, configs and attestation statements are small; bigger JSON-looking entries are not kept. */
const MAX_JSON = 16 << 20;
/** tar's default record: GNU tar pads an archive with zeros to a multiple of it. */
const RECORD = 10240;

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
  private diffSize = 0;
  private compression: Compression = 'none';
  private error?: string;

  constructor(
    readonly blob: Blob,
    private readonly label: string,
    private readonly problems: Problems,
    hashHere: boolean,
  ) {
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
      const rest = (RECORD - (this.diffSize % RECORD)) % RECORD;
      const paddedDiffId = this.diffHash && rest ? `sha256:${this.diffHash.copy().update(Buffer.alloc(rest)).digest('hex')}` : undefined;
      const diffId = this.diffHash ? `sha256:${this.diffHash.digest('hex')}` : this.blob.digest;
      this.blob.layer = {...this.builder.finish(), diffId, compression: this.compression, ...(paddedDiffId ? {paddedDiffId} : {})};
    }
    if (this.error) this.blob.error = this.error;
  }

  private decide(head: Buffer): void | Promise<void> {
    const text = head.subarray(0, 64).toString('latin1').trimStart();
    const compression = compressionOf(head);
    if (compression === 'gzip') this.route = this.gunzip();
    else if (compression === 'zstd') this.route = this.unzstd();
    else if ((text.startsWith('{') || text.startsWith('[')) && this.blob.size <= MAX_JSON) this.route = this.keep();
    else this.route = this.tar();
    return head.length ? this.route.write(head) : undefined;
  }

  private keep(): DataSink {
    const parts: Buffer[] = (this.json = []);
    return {write: (c) => void parts.push(Buffer.from(c)), end: () => {}};
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
        if (this.diffHash) {
          this.diffHash.update(c);
          this.diffSize += c.length;
        }
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

  /** Decode zstd here, synchronously, into the tar walk (no entry of a layer keeps the bytes). */
  private unzstd(): DataSink {
    this.compression = 'zstd';
    this.diffHash = createHash('sha256');
    const inner = this.tar();
    let failed = false;
    const fail = (err: unknown) => {
      failed = true;
      this.error ??= (err as Error).message;
    };
    // Without the optional zstd-napi the layer is named, as one that does not decode is.
    let decoder: ZstdDecoder | undefined;
    try {
      decoder = new ZstdDecoder((c) => void inner.write(c));
    } catch (err) {
      fail(err);
    }
    return {
      write: (c) => {
        if (failed || !decoder) return;
        try {
          decoder.write(c);
        } catch (err) {
          fail(err);
        }
      },
      end: async () => {
        if (failed || !decoder) return;
        try {
          decoder.end();
        } catch (err) {
          return fail(err);
        }
        await inner.end();
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
  const packed = fileCompression(path);
  // The hashing thread reads tar headers from the file: a compressed archive is hashed as it is walked.
  const hashing = packed === 'none' ? hashEntries(path) : undefined;
  try {
    const blobs = await walkArchive(path, problems, !hashing, packed);
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

/** The compression of a whole file, from its first bytes. */
export function fileCompression(path: string): Compression {
  const head = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    return compressionOf(head.subarray(0, readSync(fd, head, 0, 4, 0)));
  } finally {
    closeSync(fd);
  }
}

async function walkArchive(path: string, problems: Problems, hashHere: boolean, packed: Compression): Promise<Map<string, Blob>> {
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
      const joined = posix.join(base.join('/'), e.linkpath);
      const target = e.linkpath.startsWith('/') || joined.startsWith('..') ? 'outside' : entryNames(joined);
      if (typeof target !== 'string') aliases.set(names.join('/'), target.join('/'));
      else problems.add(`${path}:${e.path}`, `link points outside the archive (${e.linkpath}); entry ignored`);
      return undefined;
    }
    if (e.type !== 'File' && e.type !== 'OldFile' && e.type !== 'ContiguousFile') return undefined;
    const name = names.join('/');
    if (blobs.has(name)) problems.add(`${path}:${e.path}`, 'duplicate entry; the later one is used');
    const blob: Blob = {name, file: path, offset: e.offset, size: e.size, digest: ''};
    if (packed !== 'none') blob.packed = packed;
    blobs.set(name, blob);
    return new BlobSink(blob, `${path}:${name}`, problems, hashHere);
  });
  try {
    if (packed === 'none') {
      await readChunks(path, (chunk) => walker.write(chunk));
    } else {
      const stream = pipeline(createReadStream(path, {highWaterMark: 2 << 20}), decompressor(packed), () => {});
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) await walker.write(chunk);
      } catch (err) {
        throw new Error(`${path}: a ${packed}-compressed archive that cannot be decompressed: ${(err as Error).message}`);
      }
    }
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

/** Index one blob file of an OCI layout directory: a regular file resolved inside `dir`. */
export async function indexBlobFile(dir: string, name: string, problems: Problems): Promise<Blob> {
  const {fd, stats, real} = openInside(dir, `${dir}/${name}`);
  closeSync(fd);
  const blob: Blob = {name, file: real, offset: 0, size: stats.size, digest: ''};
  const sink = new BlobSink(blob, `${dir}:${name}`, problems, true);
  await readChunks(real, (chunk) => sink.write(chunk));
  await sink.end();
  return blob;
}

// One streaming pass over an image archive (`docker save`, classic or OCI) or over the blobs of
// an OCI layout directory. Every entry is hashed; small JSON entries (manifests, configs) are
// kept; layer tars, plain or gzip, are walked as they stream by, so all layers are indexed in
// the same pass without extracting anything or holding file contents.
import {createHash, type Hash} from 'node:crypto';
import {once} from 'node:events';
import {createReadStream} from 'node:fs';
import {stat} from 'node:fs/promises';
import {posix} from 'node:path';
import {createGunzip} from 'node:zlib';
import {LayerBuilder, entryNames, type LayerIndex} from './archive-layer.js';
import {TarError, TarWalker, type DataSink} from './archive-tar.js';
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
 * walks a tar. `label` names the blob in the problems its layer tar has.
 */
class BlobSink implements DataSink {
  private readonly hash = createHash('sha256');
  private head: Buffer[] = [];
  private headBytes = 0;
  private route?: DataSink;
  private json?: Buffer[];
  private builder?: LayerBuilder;
  private diffHash?: Hash;
  private compression: Compression = 'none';
  private error?: string;

  constructor(readonly blob: Blob, private readonly label: string, private readonly problems: Problems) {}

  async write(chunk: Buffer): Promise<void> {
    this.hash.update(chunk);
    if (this.route) return this.route.write(chunk);
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes >= 512) await this.decide();
  }

  async end(): Promise<void> {
    if (!this.route) await this.decide();
    await this.route!.end();
    this.blob.digest = `sha256:${this.hash.digest('hex')}`;
    if (this.json) this.blob.json = Buffer.concat(this.json);
    if (this.builder) {
      this.blob.layer = {...this.builder.finish(), diffId: `sha256:${this.diffHash!.digest('hex')}`, compression: this.compression};
    }
    if (this.error) this.blob.error = this.error;
  }

  private async decide(): Promise<void> {
    const head = Buffer.concat(this.head);
    this.head = [];
    const text = head.subarray(0, 64).toString('latin1').trimStart();
    if (startsWith(head, GZIP)) this.route = this.gunzipTo(this.tar());
    else if (startsWith(head, ZSTD)) this.route = this.skip('zstd-compressed layers are not supported');
    else if ((text.startsWith('{') || text.startsWith('[')) && this.blob.size <= MAX_JSON) this.route = this.keep();
    else this.route = this.tar();
    if (head.length) await this.route.write(head);
  }

  private keep(): DataSink {
    const parts: Buffer[] = (this.json = []);
    return {write: (c) => void parts.push(c), end: () => {}};
  }

  private skip(reason: string): DataSink {
    this.error = reason;
    return {write: () => {}, end: () => {}};
  }

  /** Walk the uncompressed bytes as a layer tar; a broken tar becomes `error`, the pass goes on. */
  private tar(): DataSink {
    this.builder = new LayerBuilder(this.label, this.problems);
    this.diffHash = createHash('sha256');
    const walker = new TarWalker((e) => void this.builder!.add(e));
    const fail = (err: unknown) => {
      if (!(err instanceof TarError)) throw err;
      this.error ??= `not a readable layer tar: ${err.message}`;
    };
    return {
      write: async (c) => {
        this.diffHash!.update(c);
        if (this.error || walker.ended) return;
        await walker.write(c).catch(fail);
      },
      end: async () => {
        if (!this.error) await walker.end().catch(fail);
      },
    };
  }

  private gunzipTo(inner: DataSink): DataSink {
    this.compression = 'gzip';
    const gunzip = createGunzip();
    const consumer = (async () => {
      for await (const chunk of gunzip) await inner.write(chunk as Buffer);
      await inner.end();
    })().catch((err: Error) => {
      this.error ??= `gzip: ${err.message}`;
      gunzip.destroy();
    });
    return {
      write: async (c) => {
        if (this.error) return;
        if (!gunzip.write(c)) await Promise.race([once(gunzip, 'drain'), consumer]);
      },
      end: async () => {
        if (!this.error) gunzip.end();
        await consumer;
      },
    };
  }
}

/** Index every entry of an archive file in one pass. Entries with unsafe names are refused. */
export async function indexArchive(path: string, problems: Problems): Promise<Map<string, Blob>> {
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
    return new BlobSink(blob, `${path}:${name}`, problems);
  });
  try {
    const head = await readHead(path);
    if (startsWith(head, GZIP)) throw new Error(`${path}: a gzip-compressed archive; decompress it first (gunzip -k)`);
    for await (const chunk of createReadStream(path)) await walker.write(chunk as Buffer);
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
  const sink = new BlobSink(blob, `${dir}:${name}`, problems);
  for await (const chunk of createReadStream(file)) await sink.write(chunk as Buffer);
  await sink.end();
  return blob;
}

async function readHead(path: string): Promise<Buffer> {
  for await (const chunk of createReadStream(path, {start: 0, end: 511})) return chunk as Buffer;
  return Buffer.alloc(0);
}

// Compressed layers and archives, told by their first bytes (magic numbers) rather than by a
// media type: registries, BuildKit, skopeo and the containerd content store hold layers gzip,
// zstd (zstd:chunked is plain zstd frames plus skippable frames, which the decoder passes over)
// or uncompressed, whatever the manifest claims. gzip is node's zlib; zstd is zstd-napi (the
// reference C library; node 20 has no zstd), decoded through one fixed output buffer, so memory
// stays bounded by the frame's window (the library refuses windows over 128 MiB by default).
import {createRequire} from 'node:module';
import {Transform, type TransformCallback} from 'node:stream';
import type {Gunzip} from 'node:zlib';

export type Compression = 'none' | 'gzip' | 'zstd';

const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];

function startsWith(buf: Buffer, magic: number[]): boolean {
  return magic.every((b, i) => buf[i] === b);
}

/** The compression the first bytes of a blob announce. */
export function compressionOf(head: Buffer): Compression {
  if (startsWith(head, GZIP)) return 'gzip';
  if (startsWith(head, ZSTD)) return 'zstd';
  return 'none';
}

type Zlib = typeof import('node:zlib');
let zlib: Zlib | undefined;

/**
 * A gunzip stream. Node's zlib is loaded on the first gzip blob (synchronously, as a built-in):
 * loading it costs ~2 ms of start-up that `ci` on an uncompressed archive never needs.
 */
export function createGunzip(): Gunzip {
  zlib ??= createRequire(import.meta.url)('node:zlib') as Zlib;
  return zlib.createGunzip();
}

/** The part of zstd-napi's binding used here, declared here: the optional package may be absent. */
interface Binding {
  DCtx: new () => {decompressStream(dst: Uint8Array, src: Uint8Array): [number, number, number]};
}
let binding: Binding | undefined;

/** zstd-napi is an optional native addon, loaded on the first zstd blob. */
function zstd(): Binding {
  try {
    binding ??= createRequire(import.meta.url)('zstd-napi/binding') as Binding;
  } catch (err) {
    throw new Error(
      `zstd: reading zstd-compressed data needs the zstd-napi package, which is not installed or not built (${(err as Error).message.split('\n')[0]})`,
    );
  }
  return binding;
}

/** Whether zstd-napi is there (loading it if it is: the same cost as the first zstd blob). */
export function zstdSupport(): boolean {
  try {
    zstd();
    return true;
  } catch {
    return false;
  }
}

const OUT = 1 << 20;

/**
 * A push zstd decoder: `onData` gets views of one reused buffer, synchronously, and must copy
 * what it keeps. Several frames in a row (zstd:chunked writes one per file) decode as one stream.
 */
export class ZstdDecoder {
  private readonly dctx = new (zstd().DCtx)();
  private readonly out = Buffer.allocUnsafe(OUT);
  private inFrame = false;

  constructor(private readonly onData: (chunk: Buffer) => void) {}

  write(chunk: Buffer): void {
    let src = chunk;
    for (;;) {
      const [ret, produced, consumed] = this.decompress(src);
      if (produced > 0) this.onData(this.out.subarray(0, produced));
      src = src.subarray(consumed);
      if (src.length === 0 && produced < this.out.length) {
        this.inFrame = ret !== 0;
        return;
      }
    }
  }

  private decompress(src: Buffer): [number, number, number] {
    try {
      return this.dctx.decompressStream(this.out, src);
    } catch (err) {
      const message = (err as Error).message;
      // The library's window limit keeps memory bounded; say which limit a frame passed.
      throw new Error(`zstd: ${message}${/too much memory/i.test(message) ? ' (a window over the 128 MiB limit, as `zstd --long=28+` writes)' : ''}`);
    }
  }

  /** The input is over: a frame cut short is an error. */
  end(): void {
    if (this.inFrame) throw new Error('zstd: the data ends inside a frame (truncated)');
  }
}

class ZstdStream extends Transform {
  private readonly decoder = new ZstdDecoder((c) => void this.push(Buffer.from(c)));

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.decoder.write(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.decoder.end();
      done();
    } catch (err) {
      done(err as Error);
    }
  }
}

/** A stream that decompresses `kind`. */
export function decompressor(kind: Exclude<Compression, 'none'>): Transform {
  return kind === 'gzip' ? createGunzip() : new ZstdStream();
}

/** Compressed bytes per synchronous gunzip step: deflate's 1032:1 limit makes that at most ~4 MiB out. */
const SYNC_SLICE = 4 << 10;

/** The node:zlib internals the synchronous gunzip steps use (what gunzipSync runs). */
interface ZlibSync {
  _processChunk(chunk: Buffer, flush: number): Buffer;
  _handle: {close(): void} | null;
  removeAllListeners(event: string): unknown;
}

/**
 * A synchronous push decoder for either compression (for the explorer's file view, which reads a
 * page at a time without waiting): `onData` gets each piece of output as it is produced, a view
 * of a reused buffer it must copy what it keeps from.
 */
export function syncDecoder(kind: Exclude<Compression, 'none'>, onData: (chunk: Buffer) => void): {write(chunk: Buffer): void} {
  if (kind === 'zstd') return new ZstdDecoder(onData);
  // zlib's synchronous step closes its handle when done (it is made for one-shot gunzipSync):
  // the close is skipped and the handle put back, so the stream goes on from step to step. These
  // internals are the same in Node 20, 22 and 24 (`npm run test:node` reads gzip'd archives with each).
  const gunzip = createGunzip() as unknown as ZlibSync;
  const handle = gunzip._handle!;
  const close = handle.close.bind(handle);
  const step = (slice: Buffer) => {
    handle.close = () => {};
    try {
      return gunzip._processChunk(slice, zlib!.constants.Z_SYNC_FLUSH);
    } finally {
      gunzip._handle = handle;
      handle.close = close;
      gunzip.removeAllListeners('error'); // each step adds one
    }
  };
  return {
    write: (chunk) => {
      for (let at = 0; at < chunk.length; at += SYNC_SLICE) onData(step(chunk.subarray(at, at + SYNC_SLICE)));
    },
  };
}

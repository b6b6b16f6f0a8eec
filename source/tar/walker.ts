// A push-driven tar walker that knows where every entry's bytes are, so an index can record
// offsets and read a file's contents later by range. It works on the caller's buffers in place:
// headers are decoded where they lie (header.ts), skipped contents cost only
// arithmetic, and only entries given a sink see their bytes.
import {decodeBytes} from '../text/escape.js';
import {MAX_PAX_BYTES, paxFields, type PaxFields} from './pax.js';
import {decodeHeader, HEADER_BAD_SUM, HEADER_NULL, wordsOf, type HeaderFields} from './header.js';

export interface TarEntry extends HeaderFields {
  /** Offset of the entry's data from the start of the tar stream. */
  offset: number;
}

/**
 * Receives one entry's data. The chunks are views of the caller's buffer: a sink copies what it
 * keeps, and a returned promise means "the chunk is still in use until this settles".
 */
export interface DataSink {
  write(chunk: Buffer): void | Promise<void>;
  end(): void | Promise<void>;
}

export class TarError extends Error {}

const META_TYPES = new Set(['ExtendedHeader', 'OldExtendedHeader', 'GlobalExtendedHeader', 'NextFileHasLongPath', 'OldGnuLongPath', 'NextFileHasLongLinkpath']);

const HEADER = 0;
const META = 1;
const DATA = 2;
const EOF = 3;

export class TarWalker {
  /** Bytes consumed so far. */
  private pos = 0;
  private state = HEADER;
  /** For META and DATA: where the entry's data ends, and where its padding ends. */
  private dataEnd = 0;
  private skipEnd = 0;
  private sink: DataSink | undefined;
  private metaType = '';
  private metaParts: Buffer[] = [];
  /** A header split across two writes is gathered here. */
  private readonly block = Buffer.alloc(512);
  private readonly blockWords = wordsOf(this.block);
  private blockBytes = 0;
  /** Word view of the memory behind the current chunk, for checksums. */
  private words: Int32Array = new Int32Array(0);
  private ex: PaxFields | undefined;
  private gex: PaxFields | undefined;
  private entries = 0;
  /** Promises sinks returned for the current write. */
  private pending: Promise<void>[] = [];
  /** Handed to `onEntry` for every entry: read it there, never keep it. */
  private readonly entry: TarEntry = {type: '', path: '', linkpath: '', mode: 0, uid: 0, gid: 0, size: 0, mtimeMs: 0, devmaj: 0, devmin: 0, offset: 0};

  /** `onEntry` returns where the entry's data goes, or nothing to skip it. */
  constructor(private readonly onEntry: (entry: TarEntry) => DataSink | undefined) {}

  get ended(): boolean {
    return this.state === EOF;
  }

  /**
   * Walk the next bytes of the stream. Returns a promise when a sink still uses `chunk`: the
   * caller must not reuse the buffer before it settles.
   */
  write(chunk: Buffer): Promise<void> | undefined {
    const len = chunk.length;
    let at = 0;
    if (this.words.buffer !== chunk.buffer) this.words = wordsOf(chunk);
    while (at < len && this.state !== EOF) {
      if (this.state === HEADER) {
        if (this.blockBytes === 0 && len - at >= 512) {
          this.pos += 512;
          this.header(chunk, at, this.words);
          at += 512;
        } else {
          const n = Math.min(512 - this.blockBytes, len - at);
          chunk.copy(this.block, this.blockBytes, at, at + n);
          this.blockBytes += n;
          this.pos += n;
          at += n;
          if (this.blockBytes === 512) {
            this.blockBytes = 0;
            this.header(this.block, 0, this.blockWords);
          }
        }
        continue;
      }
      const n = Math.min(this.skipEnd - this.pos, len - at);
      const data = Math.max(0, Math.min(this.dataEnd - this.pos, n));
      if (data > 0) {
        if (this.state === META) this.metaParts.push(Buffer.from(chunk.subarray(at, at + data)));
        else if (this.sink) this.wait(this.sink.write(chunk.subarray(at, at + data)));
      }
      const dataWasOpen = this.pos < this.dataEnd;
      this.pos += n;
      at += n;
      if (dataWasOpen && this.pos >= this.dataEnd) this.dataDone();
      if (this.pos === this.skipEnd && this.state !== HEADER) this.state = HEADER;
    }
    return this.flush();
  }

  /** The stream is over: anything short of the end-of-archive block is a truncated archive. */
  async end(): Promise<void> {
    if (this.state === EOF) return;
    const inData = this.state === DATA && this.pos < this.dataEnd;
    if (inData && this.sink) await this.sink.end();
    await this.flush();
    const atBoundary = this.state === HEADER && this.blockBytes === 0;
    if (atBoundary && this.entries === 0 && this.pos === 0) throw new TarError('empty file, not a tar archive');
    const where = atBoundary ? 'no end-of-archive block' : `inside ${inData ? 'an entry' : 'a header'}`;
    throw new TarError(`truncated at byte ${this.pos}, ${where}`);
  }

  private wait(p: void | Promise<void>): void {
    if (p) this.pending.push(p);
  }

  private flush(): Promise<void> | undefined {
    if (this.pending.length === 0) return undefined;
    const all = this.pending;
    this.pending = [];
    return Promise.all(all).then(() => undefined);
  }

  /** A header block at `buf[at..at+512]`; `this.pos` is already past it. */
  private header(buf: Buffer, at: number, words: Int32Array): void {
    const start = this.pos - 512;
    const e = this.entry;
    let status;
    try {
      status = decodeHeader(buf, at, this.ex, this.gex, e, words);
    } catch (err) {
      throw new TarError(`bad header at byte ${start}: ${(err as Error).message}`);
    }
    if (status === HEADER_NULL) {
      this.state = EOF;
      return;
    }
    if (status === HEADER_BAD_SUM) throw new TarError(`bad header checksum at byte ${start}${this.entries === 0 ? ' (not a tar archive?)' : ''}`);
    const size = e.size;
    this.dataEnd = this.pos + size;
    this.skipEnd = this.dataEnd + ((512 - (size % 512)) % 512);
    if (META_TYPES.has(e.type)) {
      if (size > MAX_PAX_BYTES) throw new TarError(`extended header of ${size} bytes at byte ${start}`);
      this.state = META;
      this.metaType = e.type;
      this.metaParts = [];
    } else {
      this.ex = undefined;
      this.entries++;
      e.offset = this.pos;
      this.sink = this.onEntry(e);
      this.state = DATA;
    }
    if (size === 0) this.dataDone();
    if (this.pos === this.skipEnd) this.state = HEADER;
  }

  /** All of an entry's data has gone by (its padding may follow). */
  private dataDone(): void {
    if (this.state === META) {
      this.extended(Buffer.concat(this.metaParts));
      this.metaParts = [];
    } else if (this.sink) {
      this.wait(this.sink.end());
      this.sink = undefined;
    }
  }

  /** PAX records or a GNU long name, for the next entry (or every entry, if global). */
  private extended(body: Buffer): void {
    const type = this.metaType;
    if (type === 'GlobalExtendedHeader') this.gex = paxFields(body, this.gex);
    else if (type === 'ExtendedHeader' || type === 'OldExtendedHeader') this.ex = paxFields(body, this.ex);
    else {
      const value = decodeBytes(body).replace(/\0.*/s, '');
      this.ex ??= {};
      if (type === 'NextFileHasLongLinkpath') this.ex.linkpath = value;
      else this.ex.path = value;
    }
  }
}

// A push-driven tar walker that knows where every entry's bytes are: node-tar decodes the
// headers (checksums, base-256 numbers, PAX and GNU long names), this module keeps the byte
// count, so an index can record offsets and read a file's contents later by range.
import {Header, Pax} from 'tar';

export interface TarEntry {
  /** The name as stored (PAX and GNU long names applied), not yet cleaned. */
  path: string;
  /** node-tar's type name: File, OldFile, ContiguousFile, Link, SymbolicLink, Directory, ... */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Date;
  linkpath: string;
  devmaj: number;
  devmin: number;
  /** Offset of the entry's data from the start of the tar stream. */
  offset: number;
}

/** Receives one entry's data; a returned promise holds the walker until it settles. */
export interface DataSink {
  write(chunk: Buffer): void | Promise<void>;
  end(): void | Promise<void>;
}

export class TarError extends Error {}

const META_TYPES = new Set(['ExtendedHeader', 'OldExtendedHeader', 'GlobalExtendedHeader', 'NextFileHasLongPath', 'OldGnuLongPath', 'NextFileHasLongLinkpath']);
/** Extended headers are metadata; anything this big is damage, not a name. */
const MAX_META = 1 << 20;

type State =
  | {kind: 'header'}
  | {kind: 'meta'; type: string; remain: number; parts: Buffer[]; pad: number}
  | {kind: 'data'; remain: number; sink?: DataSink; pad: number}
  | {kind: 'pad'; remain: number}
  | {kind: 'eof'};

export class TarWalker {
  private pos = 0;
  private state: State = {kind: 'header'};
  private head: Buffer = Buffer.alloc(0);
  private ex: Pax | undefined;
  private gex: Pax | undefined;
  private entries = 0;

  /** `onEntry` returns where the entry's data goes, or nothing to skip it. */
  constructor(private readonly onEntry: (entry: TarEntry) => DataSink | undefined) {}

  get ended(): boolean {
    return this.state.kind === 'eof';
  }

  async write(chunk: Buffer): Promise<void> {
    let at = 0;
    while (at < chunk.length) {
      const s = this.state;
      if (s.kind === 'eof') return; // trailing zero blocks / record padding
      if (s.kind === 'header') {
        const need = 512 - this.head.length;
        const take = chunk.subarray(at, at + need);
        this.head = this.head.length ? Buffer.concat([this.head, take]) : take;
        at += take.length;
        this.pos += take.length;
        if (this.head.length === 512) {
          const block = this.head;
          this.head = Buffer.alloc(0);
          await this.header(Buffer.from(block));
        }
        continue;
      }
      const n = Math.min(s.remain, chunk.length - at);
      const part = chunk.subarray(at, at + n);
      at += n;
      this.pos += n;
      s.remain -= n;
      if (s.kind === 'meta') s.parts.push(part);
      else if (s.kind === 'data' && s.sink && n > 0) await s.sink.write(part);
      if (s.remain === 0) await this.finish(s);
    }
  }

  /** The stream is over: anything short of the end-of-archive block is a truncated archive. */
  async end(): Promise<void> {
    if (this.state.kind === 'eof') return;
    if (this.state.kind === 'data' && this.state.sink) await this.state.sink.end();
    if (this.state.kind === 'header' && this.head.length === 0 && this.entries === 0 && this.pos === 0) throw new TarError('empty file, not a tar archive');
    const where = this.state.kind === 'header' && this.head.length === 0 ? 'no end-of-archive block' : `inside ${this.state.kind === 'data' ? 'an entry' : 'a header'}`;
    throw new TarError(`truncated at byte ${this.pos}, ${where}`);
  }

  private async header(block: Buffer): Promise<void> {
    const at = this.pos - 512;
    let h: Header;
    try {
      h = new Header(block, 0, this.ex, this.gex);
    } catch (err) {
      throw new TarError(`bad header at byte ${at}: ${(err as Error).message}`);
    }
    if (h.nullBlock) {
      this.state = {kind: 'eof'};
      return;
    }
    if (!h.cksumValid) throw new TarError(`bad header checksum at byte ${at}${this.entries === 0 ? ' (not a tar archive?)' : ''}`);
    const size = h.size ?? 0;
    const pad = (512 - (size % 512)) % 512;
    if (META_TYPES.has(h.type)) {
      if (size > MAX_META) throw new TarError(`extended header of ${size} bytes at byte ${at}`);
      this.state = {kind: 'meta', type: h.type, remain: size, parts: [], pad};
      if (size === 0) await this.finish(this.state);
      return;
    }
    this.ex = undefined;
    this.entries++;
    const entry: TarEntry = {
      path: h.path ?? '',
      type: h.type,
      mode: h.mode ?? 0,
      uid: h.uid ?? 0,
      gid: h.gid ?? 0,
      size,
      mtime: h.mtime ?? new Date(0),
      linkpath: h.linkpath ?? '',
      devmaj: h.devmaj,
      devmin: h.devmin,
      offset: this.pos,
    };
    const sink = this.onEntry(entry);
    this.state = {kind: 'data', remain: size, sink, pad};
    if (size === 0) await this.finish(this.state);
  }

  private async finish(s: State): Promise<void> {
    if (s.kind === 'meta') {
      const body = Buffer.concat(s.parts).toString('utf8');
      if (s.type === 'GlobalExtendedHeader') this.gex = Pax.parse(body, this.gex, true);
      else if (s.type === 'ExtendedHeader' || s.type === 'OldExtendedHeader') this.ex = Pax.parse(body, this.ex, false);
      else {
        const value = body.replace(/\0.*/s, '');
        this.ex ??= new Pax({});
        if (s.type === 'NextFileHasLongLinkpath') this.ex.linkpath = value;
        else this.ex.path = value;
      }
    }
    const pad = s.kind === 'meta' || s.kind === 'data' ? s.pad : 0;
    this.state = pad ? {kind: 'pad', remain: pad} : {kind: 'header'};
    if (s.kind === 'data' && s.sink) await s.sink.end();
  }
}

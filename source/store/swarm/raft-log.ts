// swarmkit's raft log on disk (manager/state/raft/storage): etcd's snapshot files and write-ahead
// log, whose payloads swarmkit encrypts (crypt.ts). Read here without decrypting:
//   - `snap-v3-encrypted/<term>-<index>.snap`: snappb.Snapshot {crc = 1, data = 2}, the data a
//     raftpb.Snapshot {data = 1, metadata = 2 {index = 2, term = 3}}; the newest readable one counts.
//   - `wal-v3-encrypted/<seq>-<index>.wal`: records framed by an 8-byte little-endian length whose
//     top byte, when negative, holds the padding to 8 bytes; each a walpb.Record {type = 1, crc = 2,
//     data = 3} chained by a running CRC-32C. Types: 1 metadata, 2 entry (raftpb.Entry {type = 1,
//     term = 2, index = 3, data = 4}), 3 hard state (raftpb.HardState {commit = 3}), 4 the CRC
//     carried over from the previous file, 5 a snapshot marker. A zero length ends a file (its
//     preallocated rest); a record cut short at the end of the last file is a torn write etcd drops.
// Files are opened confined to the root and read a record at a time (a segment is preallocated
// to 64 MB). What cannot be read is a problem naming the file; what was read before it is kept.
import {closeSync, readSync} from 'node:fs';
import {join} from 'node:path';
import {DB_FILE, openInside, readInside} from '../confine.js';
import {RootFiles} from '../files.js';
import type {Problems} from '../problems.js';
import {Message, ProtoError} from '../protobuf.js';

export interface RaftEntry {
  index: bigint;
  term: bigint;
  /** 0 normal (swarmkit's store actions), 1 and 2 configuration changes. */
  type: number;
  /** Still encrypted (a MaybeEncryptedRecord). */
  data: Buffer;
}

export interface RaftLog {
  snapshot?: {file: string; index: bigint; term: bigint; data: Buffer};
  /** The entries after the snapshot, in index order, the last of each index as the log keeps it. */
  entries: RaftEntry[];
  /** The hard state's commit index: entries past it were not known to be committed when the log was written. */
  commit: bigint;
}

const CASTAGNOLI = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli) of `data` continuing from `crc` (Go's crc32.Update). */
export function crc32c(crc: number, data: Buffer): number {
  let c = ~crc >>> 0;
  for (const b of data) c = CASTAGNOLI[(c ^ b) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.(wal|snap)$/;

export const WAL_DIR = 'wal-v3-encrypted';
export const SNAP_DIR = 'snap-v3-encrypted';

export class WalError extends Error {
  override name = 'WalError';
}

/** Read the newest snapshot that reads whole; broken newer ones are problems. */
function readSnapshot(root: string, dir: string, problems: Problems): RaftLog['snapshot'] {
  const names = new RootFiles(root, problems)
    .list(dir)
    .filter((n) => NAME.test(n) && n.endsWith('.snap'))
    .sort()
    .reverse();
  for (const name of names) {
    const file = join(dir, name);
    try {
      const outer = new Message(readInside(root, file, DB_FILE));
      const data = outer.bytes(2) ?? Buffer.alloc(0);
      const crc = Number(outer.uint(1));
      if (!data.length || crc === 0) throw new WalError('an empty snapshot');
      if (crc32c(0, data) !== crc) throw new WalError(`CRC mismatch (recorded ${crc.toString(16)}, computed ${crc32c(0, data).toString(16)})`);
      const snap = new Message(data);
      const meta = snap.message(2);
      return {file, index: meta?.uint(2) ?? 0n, term: meta?.uint(3) ?? 0n, data: snap.bytes(1) ?? Buffer.alloc(0)};
    } catch (err) {
      if (err instanceof WalError || err instanceof ProtoError) problems.add(file, `raft snapshot not read: ${err.message}; trying an older one`);
      else problems.fromError(file, err);
    }
  }
  return undefined;
}

/** A file read record by record at positions (never whole: WAL segments are preallocated). */
class Frames {
  private at = 0;
  constructor(
    private readonly fd: number,
    private readonly size: number,
  ) {}

  private read(n: number): Buffer | undefined {
    if (this.at + n > this.size) return undefined;
    const buf = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const k = readSync(this.fd, buf, got, n - got, this.at + got);
      if (k === 0) return undefined;
      got += k;
    }
    this.at += n;
    return buf;
  }

  get offset(): number {
    return this.at;
  }

  /** The next record's bytes; 'end' at a zero length or the end of the file; 'torn' for a frame that runs past it. */
  next(): Buffer | 'end' | 'torn' {
    const head = this.read(8);
    if (!head) return 'end';
    const len = head.readBigInt64LE(0);
    if (len === 0n) return 'end';
    const bytes = Number(BigInt.asUintN(64, len) & 0x00ffffffffffffffn);
    const pad = len < 0n ? Number((BigInt.asUintN(64, len) >> 56n) & 7n) : 0;
    const body = this.read(bytes + pad);
    return body ? body.subarray(0, bytes) : 'torn';
  }
}

export function readRaftLog(root: string, raftDir: string, problems: Problems): RaftLog {
  const snapshot = readSnapshot(root, join(raftDir, SNAP_DIR), problems);
  const start = snapshot?.index ?? 0n;
  const log: RaftLog = {snapshot, entries: [], commit: 0n};
  const walDir = join(raftDir, WAL_DIR);
  const files = new RootFiles(root, problems)
    .list(walDir)
    .map((name) => ({name, m: NAME.exec(name)}))
    .filter((f) => f.m?.[3] === 'wal')
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  // etcd reads from the last segment that starts at or before the snapshot's index.
  let first = 0;
  files.forEach((f, i) => {
    if (BigInt(`0x${f.m![2]}`) <= start) first = i;
  });
  const used = files.slice(first);
  if (!used.length) {
    problems.add(walDir, 'no WAL segment (<seq>-<index>.wal): the raft log is not there');
    return log;
  }
  let crc = 0;
  for (const [n, f] of used.entries()) {
    const file = join(walDir, f.name);
    const seq = BigInt(`0x${f.m![1]}`);
    if (n > 0 && seq !== BigInt(`0x${used[n - 1]!.m![1]}`) + 1n) {
      problems.add(file, `WAL segment out of sequence after ${used[n - 1]!.name}; the log is read up to there`);
      return log;
    }
    let opened: ReturnType<typeof openInside>;
    try {
      opened = openInside(root, file);
    } catch (err) {
      problems.fromError(file, err);
      return log;
    }
    const frames = new Frames(opened.fd, opened.stats.size);
    try {
      for (let records = 0; ; records++) {
        const offset = frames.offset;
        const raw = frames.next();
        if (raw === 'end' && records === 0) throw new WalError('the segment holds no record');
        if (raw === 'end') break;
        if (raw === 'torn') {
          // A torn last write: etcd repairs it by cutting it off. Not so a segment's first record.
          if (n === used.length - 1 && records > 0) break;
          throw new WalError(`a record at offset ${offset} runs past the end of the segment`);
        }
        const rec = new Message(raw);
        const type = rec.int(1);
        if (records === 0 && type !== 4) throw new WalError(`not an etcd WAL segment: it begins with a record of type ${type}, not the CRC record`);
        const recCrc = Number(rec.uint(2));
        const data = rec.bytes(3) ?? Buffer.alloc(0);
        if (type === 4) {
          if (crc !== 0 && recCrc !== crc)
            throw new WalError(`the CRC carried into this segment (${recCrc.toString(16)}) is not the previous segment's (${crc.toString(16)})`);
          crc = recCrc;
          continue;
        }
        crc = crc32c(crc, data);
        if (recCrc !== crc) throw new WalError(`CRC mismatch in the record at offset ${offset}: the log is damaged`);
        if (type === 2) {
          const e = new Message(data);
          const entry = {type: e.int(1), term: e.uint(2), index: e.uint(3), data: e.bytes(4) ?? Buffer.alloc(0)};
          if (entry.index <= start) continue;
          const at = entry.index - start - 1n;
          if (at > BigInt(log.entries.length))
            throw new WalError(`entry ${entry.index} follows entry ${start + BigInt(log.entries.length)}: entries are missing`);
          log.entries.length = Number(at); // a later write of an index replaces it and what followed
          log.entries.push(entry);
        } else if (type === 3) log.commit = new Message(data).uint(3);
        else if (type !== 1 && type !== 5) throw new WalError(`a record of unknown type ${type} at offset ${offset}`);
      }
    } catch (err) {
      if (err instanceof WalError || err instanceof ProtoError)
        problems.add(file, `raft WAL read up to a bad record: ${err.message}; later changes to cluster volumes are not seen`);
      else problems.fromError(file, err);
      return log;
    } finally {
      closeSync(opened.fd);
    }
  }
  return log;
}

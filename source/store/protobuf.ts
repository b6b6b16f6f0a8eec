// A small reader of the protobuf wire format (varints, length-delimited bytes, fixed 32/64-bit),
// enough for the messages layerscope decodes without their schemas' generated code: swarmkit's raft
// log and objects, etcd's WAL records. Malformed input throws a ProtoError; callers turn it into a
// problem naming the file.

export class ProtoError extends Error {
  override name = 'ProtoError';
}

/** One field as found on the wire: varints as bigint (uint64 values exceed 2^53), the rest as bytes. */
export type Field = {no: number; wire: 0; value: bigint} | {no: number; wire: 1 | 2 | 5; value: Buffer};

function readVarint(buf: Buffer, at: number): [bigint, number] {
  let x = 0n;
  for (let i = 0; i < 10; i++) {
    if (at >= buf.length) throw new ProtoError('truncated varint');
    const b = buf[at++]!;
    x |= BigInt(b & 0x7f) << BigInt(7 * i);
    if (b < 0x80) return [x & 0xffffffffffffffffn, at];
  }
  throw new ProtoError('varint longer than 10 bytes');
}

/** The fields of a message, in wire order (repeated fields appear once per value). */
export function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < buf.length) {
    const [key, next] = readVarint(buf, at);
    at = next;
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (no === 0) throw new ProtoError('field number 0');
    if (wire === 0) {
      const [value, after] = readVarint(buf, at);
      out.push({no, wire, value});
      at = after;
      continue;
    }
    let len: number;
    if (wire === 1) len = 8;
    else if (wire === 5) len = 4;
    else if (wire === 2) {
      const [n, after] = readVarint(buf, at);
      at = after;
      if (n > BigInt(buf.length - at)) throw new ProtoError(`field ${no}: ${n} bytes announced, ${buf.length - at} left`);
      len = Number(n);
    } else throw new ProtoError(`field ${no}: wire type ${wire} (groups are not used by these messages)`);
    if (at + len > buf.length) throw new ProtoError(`field ${no}: truncated`);
    out.push({no, wire, value: buf.subarray(at, at + len)});
    at += len;
  }
  return out;
}

/** A decoded message: the last value of a singular field, every value of a repeated one. */
export class Message {
  readonly list: Field[];

  constructor(buf: Buffer) {
    this.list = fields(buf);
  }

  private last(no: number): Field | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]!.no === no) return this.list[i];
    return undefined;
  }

  uint(no: number): bigint {
    const f = this.last(no);
    if (!f) return 0n;
    if (f.wire !== 0) throw new ProtoError(`field ${no}: expected a varint`);
    return f.value;
  }

  /** A varint as a number (enums, booleans, counts); int64 as two's complement. */
  int(no: number): number {
    return Number(BigInt.asIntN(64, this.uint(no)));
  }

  bool(no: number): boolean {
    return this.uint(no) !== 0n;
  }

  bytes(no: number): Buffer | undefined {
    const f = this.last(no);
    if (!f) return undefined;
    if (f.wire !== 2) throw new ProtoError(`field ${no}: expected length-delimited bytes`);
    return f.value;
  }

  has(no: number): boolean {
    return this.last(no) !== undefined;
  }

  string(no: number): string {
    return this.bytes(no)?.toString('utf8') ?? '';
  }

  /** An embedded message, or undefined when the field is absent (proto3 message fields are nullable). */
  message(no: number): Message | undefined {
    const b = this.bytes(no);
    return b === undefined ? undefined : new Message(b);
  }

  repeated(no: number): Buffer[] {
    return this.list.flatMap((f) => {
      if (f.no !== no) return [];
      if (f.wire !== 2) throw new ProtoError(`field ${no}: expected length-delimited values`);
      return [f.value];
    });
  }

  messages(no: number): Message[] {
    return this.repeated(no).map((b) => new Message(b));
  }

  strings(no: number): string[] {
    return this.repeated(no).map((b) => b.toString('utf8'));
  }

  /**
   * A `map<string, string>` (entries of key = 1, value = 2) with its keys sorted as Go's JSON
   * writes them, or null when it has no entry: Go decodes an empty map as nil.
   */
  map(no: number): Record<string, string> | null {
    const entries = this.messages(no);
    if (!entries.length) return null;
    const pairs = new Map(entries.map((e) => [e.string(1), e.string(2)]));
    return Object.fromEntries([...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

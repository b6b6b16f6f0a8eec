// Value encodings of containerd's bbolt files (containerd metadata/buckets.go, snapshots/storage):
// sizes are Go `binary.PutVarint` (zigzag), ids `binary.PutUvarint`, times `time.MarshalBinary`.

/** Go's binary.Uvarint; undefined for a truncated or over-long value. */
export function uvarint(buf: Buffer): bigint | undefined {
  let x = 0n;
  let shift = 0n;
  for (let i = 0; i < buf.length && i < 10; i++) {
    const b = buf[i]!;
    x |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return x;
    shift += 7n;
  }
  return undefined;
}

/** Go's binary.Varint (zigzag), as a number (sizes fit in 2^53). */
export function varint(buf: Buffer): number | undefined {
  const ux = uvarint(buf);
  if (ux === undefined) return undefined;
  const x = ux >> 1n;
  return Number(ux & 1n ? ~x : x);
}

/** Seconds from 0001-01-01 to 1970-01-01 (Go's unixToInternal). */
const UNIX_TO_INTERNAL = 62135596800n;

/**
 * Go's time.MarshalBinary: version (1, or 2 with a seconds-of-offset byte), seconds since year 1
 * (int64 BE), nanoseconds (int32 BE), zone offset in minutes (int16 BE, -1 = UTC). Returns RFC 3339
 * in UTC with nanoseconds trimmed like Go's RFC3339Nano; undefined when malformed.
 */
export function goTime(buf: Buffer | undefined): string | undefined {
  if (!buf || (buf[0] !== 1 && buf[0] !== 2) || buf.length < 15) return undefined;
  const unix = buf.readBigInt64BE(1) - UNIX_TO_INTERNAL;
  const nsec = buf.readInt32BE(9);
  if (nsec < 0 || nsec >= 1e9) return undefined;
  const date = new Date(Number(unix) * 1000);
  if (Number.isNaN(date.getTime())) return undefined;
  const frac = nsec ? `.${String(nsec).padStart(9, '0').replace(/0+$/, '')}` : '';
  return date.toISOString().replace(/\.\d{3}Z$/, `${frac}Z`);
}

// JSON exactly as Go's encoding/json writes it, so that ids (sha256 of the bytes) follow Docker's rules:
// compact, HTML-sensitive characters escaped, map keys sorted by the caller where Go would sort them.

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
  // Go before 1.22 (Docker 20.10's toolchain) has no short forms for these two.
  '\\b': '\\u0008',
  '\\f': '\\u000c',
};

/** JSON.stringify, then Go's extra escapes. Object key order is kept as given. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]|\\[bf]/g, (m) => GO_ESCAPES[m] ?? m);
}

/** A copy of a string-keyed map with keys in Go's (bytewise) order, as Go marshals maps. */
export function sortedKeys<T>(obj: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(obj).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))) out[k] = obj[k]!;
  return out;
}

/** Go's time.RFC3339Nano for a JS date (millisecond precision, trailing zeros trimmed). */
export function goTime(d: Date = new Date()): string {
  return d.toISOString().replace(/\.?0+Z$/, 'Z');
}

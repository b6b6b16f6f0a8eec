// What may reach a terminal. Names, tags, labels, commands and file contents come from the store
// and can hold any bytes; shown raw, control sequences rewrite the screen (OSC titles, SGR, a CR
// over a row, a forged newline) and bidi overrides reorder it. Everything from the store is shown
// through `escape`, like `ls -b` / Go's %q: visible, unambiguous, one line.
//
// Bytes that are not UTF-8 are carried in JS strings as lone surrogates U+DC80..U+DCFF, one per
// byte (Python's surrogateescape, PEP 383): `decodeBytes` and `encodeBytes` convert exactly, JSON
// output writes them as "\udcff", and `escape` shows them as \xff. Pure: imports nothing.

const SPECIAL: Record<string, string> = {'\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\'};

/** C0/DEL/C1 controls, bidi marks, embeddings, overrides and isolates, line/paragraph separators, lone surrogates. */
const UNSAFE = /[\p{Cc}\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\\]|\p{Cs}/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');
const GUARD = /[\p{Cc}\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|\p{Cs}/u;
const GUARD_ALL = new RegExp(GUARD.source, 'gu');

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function escapeChar(ch: string): string {
  const special = SPECIAL[ch];
  if (special) return special;
  const code = ch.charCodeAt(0);
  if (code < 0x80) return `\\x${hex(code, 2)}`;
  if (code >= 0xdc80 && code <= 0xdcff) return `\\x${hex(code - 0xdc00, 2)}`; // a raw byte
  return `\\u${hex(code, 4)}`;
}

/** A string from the store as a terminal may show it: escapes as `\n`, `\x1b`, `\xff`, `\u202e`, `\\`. */
export function escape(s: string): string {
  return UNSAFE.test(s) ? s.replace(UNSAFE_ALL, escapeChar) : s;
}

/**
 * The last line of defence at the terminal: escapes what is unsafe but leaves backslashes, so
 * text already escaped (or a message quoting it) passes unchanged. Used for file contents (where
 * `\` is common and not a name) and for whole rendered UI strings.
 */
export function guard(s: string): string {
  return GUARD.test(s) ? s.replace(GUARD_ALL, (ch) => (ch === '\t' ? '    ' : escapeChar(ch))) : s;
}

/** JSON text with C1 controls, DEL and bidi marks written as \uXXXX (still the same JSON value). */
export function jsonSafe(json: string): string {
  return json.replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, (ch) => `\\u${hex(ch.charCodeAt(0), 4)}`);
}

/** UTF-8 bytes as a string; each byte of an invalid sequence becomes U+DC80+byte. */
export function decodeBytes(b: Uint8Array): string {
  const fast = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  if (!fast.includes('\uFFFD')) return fast;
  let out = '';
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    const len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    let ok = len > 0 && i + len <= b.length;
    for (let k = 1; ok && k < len; k++) ok = (b[i + k]! & 0xc0) === 0x80;
    if (ok) {
      const second = b[i + 1]!;
      if ((c === 0xe0 && second < 0xa0) || (c === 0xed && second > 0x9f) || (c === 0xf0 && second < 0x90) || (c === 0xf4 && second > 0x8f)) ok = false;
    }
    if (!ok) {
      out += String.fromCharCode(0xdc00 + c);
      i++;
      continue;
    }
    let cp = c & (len === 2 ? 0x1f : len === 3 ? 0x0f : 0x07);
    for (let k = 1; k < len; k++) cp = (cp << 6) | (b[i + k]! & 0x3f);
    out += String.fromCodePoint(cp);
    i += len;
  }
  return out;
}

/** Whether `s` holds lone surrogates (String.prototype.isWellFormed, ES2024: not in our lib yet). */
export function hasRawBytes(s: string): boolean {
  return !(s as string & {isWellFormed(): boolean}).isWellFormed();
}

/** The bytes a string from `decodeBytes` came from (U+DC80..U+DCFF back to single bytes). */
export function encodeBytes(s: string): Buffer {
  if (!hasRawBytes(s)) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let run = '';
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    if (ch.length === 1 && code >= 0xdc80 && code <= 0xdcff) {
      if (run) parts.push(Buffer.from(run, 'utf8'));
      run = '';
      parts.push(Buffer.of(code - 0xdc00));
    } else run += ch;
  }
  if (run) parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

const UNESCAPES: Record<string, number> = {a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92};

/**
 * The string `escape` shows as `s`: `\xff` a byte, `\n`, `\u202e`, `\\`... (what a user types to
 * name a file shown escaped). Text that is not an escape stays as it is.
 */
export function unescape(s: string): string {
  if (!s.includes('\\')) return s;
  const bytes: number[] = [];
  const push = (text: string) => {
    for (const b of encodeBytes(text)) bytes.push(b);
  };
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const next = s[i + 1];
    if (ch === '\\' && next === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
      bytes.push(parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (ch === '\\' && next === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
      const code = parseInt(s.slice(i + 2, i + 6), 16);
      if (code >= 0xdc80 && code <= 0xdcff) bytes.push(code - 0xdc00);
      else push(String.fromCharCode(code));
      i += 5;
    } else if (ch === '\\' && next !== undefined && UNESCAPES[next] !== undefined) {
      bytes.push(UNESCAPES[next]!);
      i += 1;
    } else push(ch);
  }
  return decodeBytes(Buffer.from(bytes));
}

// One screen of a file for the file view: text lines or a hex dump, read a page at a time from
// the store at a byte offset, with the offsets the movement keys go to.
import type {Chunk} from '../store/content.js';
import {decodeBytes, guard} from '../text/escape.js';
import {lineDiff, type DiffLine} from './text-diff.js';

/** Reads `length` bytes at `offset` of the file being viewed. */
export type Reader = (offset: number, length: number) => Chunk;

/** Bytes read per screen of text: lines longer than this are cut. */
export const TEXT_WINDOW = 64 * 1024;
/** Files larger than this are not diffed. */
export const DIFF_LIMIT = 1 << 20;

export interface Page {
  lines: string[];
  size: number;
  offset: number;
  /** Where ↓ / PgDn / ↑ / PgUp / End go. */
  down: number;
  pageDown: number;
  up: number;
  pageUp: number;
  end: number;
  /** Layer index the content comes from. */
  layer: number;
}

/** NUL bytes or invalid UTF-8 in the first bytes: show as hex. */
export function looksBinary(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 8000);
  if (head.includes(0)) return true;
  // A multibyte character cut at the end of the sample is not a reason.
  const text = new TextDecoder('utf-8', {fatal: false}).decode(head);
  const bad = (text.match(/\uFFFD/g) ?? []).length;
  return bad > 2;
}

/** A line of file content as the terminal may show it: tabs as spaces, controls and bad bytes escaped. */
export function printable(line: string, width: number): string {
  return guard(line).slice(0, width);
}

/** `bytesPerLine` that fits `width` columns: offset, hex pairs, ASCII. */
export function hexBytesPerLine(width: number): number {
  const fit = Math.floor((width - 10) / 4);
  return Math.max(4, Math.min(16, fit - (fit % 4)));
}

export function hexPage(read: Reader, offset: number, height: number, width: number): Page {
  const per = hexBytesPerLine(width);
  const start = offset - (offset % per);
  const chunk = read(start, per * height);
  const lines: string[] = [];
  for (let i = 0; i < chunk.bytes.length; i += per) {
    const slice = chunk.bytes.subarray(i, i + per);
    const hex = [...slice]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join(' ')
      .padEnd(per * 3 - 1);
    const ascii = [...slice].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${(start + i).toString(16).padStart(8, '0')}  ${hex}  ${ascii}`);
  }
  const last = Math.max(0, chunk.size - 1 - ((chunk.size - 1) % per) - per * (height - 1));
  return {
    lines,
    size: chunk.size,
    offset: start,
    down: Math.min(start + per, last),
    pageDown: Math.min(start + per * height, last),
    up: Math.max(0, start - per),
    pageUp: Math.max(0, start - per * height),
    end: last,
    layer: chunk.layer,
  };
}

/** Start offsets of the lines in `bytes` (which starts at a line start `base`). */
function lineStarts(bytes: Buffer, base: number): number[] {
  const starts = [base];
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) starts.push(base + i + 1);
  return starts;
}

/** The start of the line `n` lines above `offset` (reading back at most one window). */
function linesBack(read: Reader, offset: number, n: number): number {
  if (offset === 0) return 0;
  const from = Math.max(0, offset - TEXT_WINDOW);
  const chunk = read(from, offset - from);
  // Line starts strictly before `offset`; the window's first byte counts only at the file start.
  const starts = lineStarts(chunk.bytes, from).filter((s) => s < offset && (s > from || from === 0));
  return starts[Math.max(0, starts.length - n)] ?? from;
}

export function textPage(read: Reader, offset: number, height: number, width: number): Page {
  const chunk = read(offset, TEXT_WINDOW);
  const starts = lineStarts(chunk.bytes, offset).filter((s) => s < offset + chunk.bytes.length || s === offset);
  const shown = starts.slice(0, height);
  const lines = shown.map((s, i) => {
    const end = (starts[i + 1] ?? offset + chunk.bytes.length) - offset;
    return printable(decodeBytes(chunk.bytes.subarray(s - offset, end)).replace(/\n$/, ''), width);
  });
  const end = linesBack(read, chunk.size, height);
  return {
    lines,
    size: chunk.size,
    offset,
    down: Math.min(starts[1] ?? offset, Math.max(offset, end)),
    pageDown: Math.min(starts[height] ?? offset, Math.max(offset, end)),
    up: linesBack(read, offset, 1),
    pageUp: linesBack(read, offset, height),
    end: Math.max(0, end),
    layer: chunk.layer,
  };
}

/** A line diff of two versions of a file (either may be missing); undefined when too large. */
export function fileDiff(older: Reader | undefined, newer: Reader | undefined): DiffLine[] | string {
  const lines = (read: Reader | undefined): string[] | string => {
    if (!read) return [];
    const head = read(0, DIFF_LIMIT + 1);
    if (head.size > DIFF_LIMIT) return `too large to diff (${head.size} bytes; limit ${DIFF_LIMIT})`;
    if (looksBinary(head.bytes)) return 'binary file: compare the hex views instead';
    const text = decodeBytes(head.bytes);
    return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  };
  const a = lines(older);
  const b = lines(newer);
  if (typeof a === 'string') return a;
  if (typeof b === 'string') return b;
  return lineDiff(a, b);
}

// Plain-text tables for the non-interactive commands, aligned like docker's: the docker CLI's
// tabwriter (minwidth 10, padding 3) makes every column but the last at least 7 wide + 3 spaces.
// Every cell is escaped: cells hold names, tags and commands from the store.
import {escape} from '../text/escape.js';

const MIN_WIDTH = 7;

export function table(headers: string[], raw: string[][]): string {
  const rows = raw.map((r) => r.map(escape));
  // A loop, not Math.max(...rows): spreading 100k+ arguments overflows the stack.
  const widths = headers.map((h) => Math.max(MIN_WIDTH, h.length));
  for (const r of rows) for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, (r[i] ?? '').length);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  let out = `${line(headers)}\n`;
  for (const r of rows) out += `${line(r)}\n`;
  return out;
}

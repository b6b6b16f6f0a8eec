// Fitting text into terminal cells: cut in the middle (paths keep their start and their name),
// and wrapped onto lines. Widths count UTF-16 units, which is what the panes' text uses.

/**
 * `text` in at most `width` cells, cut in the middle. A path keeps whole names at both ends
 * where it can — as many trailing names as fit, then leading ones: `/var/lib/…/appdata/_data`.
 */
export function cutMiddle(text: string, width: number): string {
  if (text.length <= width) return text;
  if (width <= 1) return text.slice(0, Math.max(0, width));
  const room = width - 1;
  const slash = text.lastIndexOf('/');
  if (slash > 0) {
    // The last two names when they fit, more while the tail stays within 60% of the room.
    let tail = '';
    let names = 0;
    for (let at = slash; at > 0 && text.length - at <= room - 1; at = text.lastIndexOf('/', at - 1)) {
      if (++names > 2 && text.length - at > room * 0.6) break;
      tail = text.slice(at);
    }
    if (tail) {
      let head = text.startsWith('/') ? '/' : '';
      for (let at = text.indexOf('/', 1); at > 0 && at + 1 + tail.length <= room; at = text.indexOf('/', at + 1)) head = text.slice(0, at + 1);
      if (head.length + tail.length >= room * 0.6) return `${head}…${tail}`;
    }
  }
  const head = Math.ceil(room * 0.4);
  return `${text.slice(0, head)}…${text.slice(text.length - (room - head))}`;
}

/** `text` wrapped onto lines of at most `width` cells, at spaces where possible. */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      let rest = word;
      const sep = line ? ' ' : '';
      if (line.length + sep.length + rest.length <= w) {
        line += sep + rest;
        continue;
      }
      if (line) out.push(line);
      line = '';
      while (rest.length > w) {
        out.push(rest.slice(0, w));
        rest = rest.slice(w);
      }
      line = rest;
    }
    out.push(line);
  }
  return out;
}

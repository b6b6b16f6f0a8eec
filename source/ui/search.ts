// Path search in a file tree. Every entry of a source is listed once, in display order, into an
// index kept as long as the source (one per tree version); the listing can be done in slices while
// the query is typed, so Enter finds it ready. The listed paths are kept as a few long strings, a
// few thousand paths each with a NUL around each path (no path holds one): finding a query (any
// case: Unicode's simple case folding, as a regular expression's `iu` flags compare) is the
// engine's scan of those rather than a call per entry. The entries that match a query are kept
// until the next query: n and N, and "match n of m", are a binary search in them.
import type {Steps} from '../tree/steps.js';
import type {FileNode, TreeSource} from './file-tree.js';

/** Entries per piece of text. */
const CHUNK = 4096;

/** Paths, each between NULs, and where each starts (one more: the text's length). */
interface Piece {
  text: string;
  starts: Int32Array;
}

export class SearchIndex {
  /** Entries listed so far, in display order (collapse and filters ignored); piece k holds entries k·CHUNK on. */
  readonly nodes: FileNode[] = [];
  private readonly pieces: Piece[] = [];
  /** Paths listed but not yet in a piece. */
  private pending: string[] = [];
  private last?: {text: string; hits: Int32Array};
  private readonly stack: {nodes: readonly FileNode[]; i: number}[];

  constructor(private readonly source: TreeSource) {
    this.stack = [{nodes: source.children(undefined), i: 0}];
  }

  get done(): boolean {
    return this.stack.length === 0;
  }

  /** List entries for about `ms` milliseconds (default: all); true when every entry is listed. */
  build(ms = Number.POSITIVE_INFINITY): boolean {
    const end = performance.now() + ms;
    for (let n = 1; this.stack.length; n++) {
      if ((n & 255) === 0 && performance.now() > end) return false;
      const top = this.stack[this.stack.length - 1]!;
      if (top.i >= top.nodes.length) {
        this.stack.pop();
        if (!this.stack.length) this.cut();
        continue;
      }
      const node = top.nodes[top.i++]!;
      this.nodes.push(node);
      this.pending.push(node.path);
      if (this.pending.length === CHUNK) this.cut();
      if (node.open) this.stack.push({nodes: this.source.children(node), i: 0});
    }
    return true;
  }

  /** The pending paths as a piece. */
  private cut(): void {
    const paths = this.pending;
    this.pending = [];
    const starts = new Int32Array(paths.length + 1);
    let at = 1;
    paths.forEach((path, j) => {
      starts[j] = at;
      at += path.length + 1;
    });
    starts[paths.length] = at;
    this.pieces.push({text: `\0${paths.join('\0')}\0`, starts});
  }

  /** List every entry, a slice at a time (a background job when keys pause). */
  *listing(): Steps<void> {
    while (!this.build(2)) yield;
  }

  /** List every entry and find the matches of `text`, a slice at a time (a background job while the query is typed). */
  *prepare(text: string): Steps<void> {
    yield* this.listing();
    this.hits(text);
  }

  /** The entries whose path contains `text` in any case, in listing order. */
  private hits(text: string): Int32Array {
    if (this.last?.text === text) return this.last.hits;
    const out = new Int32Array(this.nodes.length);
    let m = 0;
    if (!text) for (; m < this.nodes.length; m++) out[m] = m;
    else {
      const query = new RegExp(text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'), 'giu');
      this.pieces.forEach(({text: paths, starts}, k) => {
        query.lastIndex = 0;
        for (let j = 0, match = query.exec(paths); match; match = query.exec(paths)) {
          // The match is in the path whose span holds it (it cannot cross a NUL); look on past that path.
          while (starts[j + 1]! <= match.index) j++;
          out[m++] = k * CHUNK + j;
          query.lastIndex = starts[j + 1]!;
        }
      });
    }
    const hits = out.slice(0, m);
    this.last = {text, hits};
    return hits;
  }

  /** The listed entry at `path`: the path whole, between two NULs. */
  private indexOf(path: string): number {
    const key = `\0${path}\0`;
    for (let k = 0; k < this.pieces.length; k++) {
      const {text, starts} = this.pieces[k]!;
      const p = text.indexOf(key);
      if (p >= 0) return k * CHUNK + firstAbove(starts, p + 1) - 1;
    }
    return -1;
  }

  /**
   * The next (or previous) entry after `from` whose path contains `text` (any case), wrapping
   * around and never `from` itself, with which match it is (1-based) of how many: search's "n of m".
   */
  seek(text: string, from: string | undefined, backwards = false): {node: FileNode; n: number; m: number} | undefined {
    this.build();
    const hits = this.hits(text);
    if (!hits.length) return undefined;
    const at = from === undefined ? -1 : this.indexOf(from);
    // The first hit past `at` (backwards: the last before it), else round to the other end.
    let k = firstAbove(hits, backwards ? at - 1 : at);
    if (backwards) k = (k === 0 ? hits.length : k) - 1;
    else if (k === hits.length) k = 0;
    if (hits[k] === at) return undefined;
    return {node: this.nodes[hits[k]!]!, n: k + 1, m: hits.length};
  }
}

/** The index of the first value in `sorted` that is greater than `x` (its length when none is). */
function firstAbove(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const indexes = new WeakMap<TreeSource, SearchIndex>();

/** The search index of `source`, made on first use and kept as long as the source. */
export function searchIndex(source: TreeSource): SearchIndex {
  let index = indexes.get(source);
  if (!index) indexes.set(source, (index = new SearchIndex(source)));
  return index;
}

/** The next (or previous) entry after `from` whose path contains `text`, wrapping around. */
export function findMatch(source: TreeSource, text: string, from: string | undefined, backwards = false): FileNode | undefined {
  return searchIndex(source).seek(text, from, backwards)?.node;
}

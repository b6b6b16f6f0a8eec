// Path search in a file tree. Every entry of a source is listed once, in display order, into an
// index kept as long as the source (one per tree version); a search is then a scan of flat
// arrays. The listing can be done in slices while the query is typed, so Enter finds it ready.
import type {FileNode, TreeSource} from './file-tree.js';

export class SearchIndex {
  /** Entries listed so far, in display order (collapse and filters ignored), and their paths in lower case. */
  readonly nodes: FileNode[] = [];
  readonly lower: string[] = [];
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
        continue;
      }
      const node = top.nodes[top.i++]!;
      this.nodes.push(node);
      this.lower.push(node.path.toLowerCase());
      if (node.open) this.stack.push({nodes: this.source.children(node), i: 0});
    }
    return true;
  }

  /** The next (or previous) entry after `from` whose path contains `text` (any case), wrapping around. */
  find(text: string, from: string | undefined, backwards = false): FileNode | undefined {
    this.build();
    const needle = text.toLowerCase();
    const n = this.nodes.length;
    const at = from === undefined ? -1 : this.nodes.findIndex((node) => node.path === from);
    // Start just past `from` (or at an end when it is not listed) and go round once, skipping it.
    const first = at < 0 ? (backwards ? n - 1 : 0) : at + (backwards ? n - 1 : 1);
    const step = backwards ? n - 1 : 1;
    for (let k = 0, i = first % n; k < n; k++, i = (i + step) % n) {
      if (i !== at && this.lower[i]!.includes(needle)) return this.nodes[i];
    }
    return undefined;
  }

  /** Which match `path` is (1-based) and how many entries match `text`: search's "n of m". */
  rank(text: string, path: string): {n: number; m: number} {
    this.build();
    const needle = text.toLowerCase();
    let m = 0;
    let n = 0;
    for (let i = 0; i < this.nodes.length; i++) {
      if (!this.lower[i]!.includes(needle)) continue;
      m++;
      if (this.nodes[i]!.path === path) n = m;
    }
    return {n, m};
  }
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
  return searchIndex(source).find(text, from, backwards);
}

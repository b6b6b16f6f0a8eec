// Reading what `ctr` printed into a fixture's answers/ (fixtures/containerd, fixtures/heldout2-containerd).
import {answer, lines} from './fixture-root.js';

/** containerd's progress.Bytes: binary units, one decimal. */
export function ctrBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let f = n;
  while (f >= 1024 && i < units.length - 1) {
    f /= 1024;
    i++;
  }
  return `${f.toFixed(1)} ${units[i]}`;
}

/** ctr's table rows split on spaces, header dropped (sizes like `1.9 MiB` span two fields). */
export const ctrTable = (fixture: string, file: string): string[][] =>
  lines(answer(fixture, file))
    .slice(1)
    .map((l) => l.trim().split(/\s+/));

/** What a layer tar from containerd's differ lists (`tar -tv`), as paths: `dir/`, `file`, `dir/.wh.name`. */
export const tarPaths = (fixture: string, file: string): Set<string> => new Set(lines(answer(fixture, file)).map((l) => l.split(/\s+/).slice(5).join(' ')));

/**
 * The tree the kernel mounted with containerd's own mount options (`find -printf '%y %s %p'`,
 * answers/mounted-NS-KEY.txt) and `layerscope ls KEY / --json` of the same snapshot, each as sorted
 * `type size path` lines (sizes of files only).
 */
export function mountedTree(fixture: string, ns: string, key: string, got: {Path: string; Type: string; Size: number}[]): {ours: string[]; theirs: string[]} {
  const letter: Record<string, string> = {dir: 'd', file: 'f', symlink: 'l', char: 'c', block: 'b', fifo: 'p', socket: 's'};
  const ours = got.map((e) => `${letter[e.Type] ?? e.Type} ${e.Type === 'file' ? e.Size : '-'} .${e.Path}`).sort();
  const theirs = lines(answer(fixture, `mounted-${ns}-${key}.txt`))
    .map((l) => {
      const [type, size, path] = l.split(' ');
      return `${type} ${type === 'f' ? size : '-'} ${path}`;
    })
    .sort();
  return {ours, theirs};
}

/** `layerscope diff --json` as containerd's differ writes a layer tar: `dir/`, `file`, `dir/.wh.name`. */
export function diffAsTarPaths(stdout: string): Set<string> {
  const got = JSON.parse(stdout) as {Kind: string; Path: string; Type: string}[];
  return new Set(
    got.map((c) => {
      const path = c.Path.slice(1);
      if (c.Kind === 'D') return path.replace(/([^/]+)$/, '.wh.$1');
      return c.Type === 'dir' ? `${path}/` : path;
    }),
  );
}

// A tree as `find . -printf '%y %m %U:%G %s %p\n'` printed it over a kernel mount (answers/*.txt),
// and `layerscope ls --json` of the same tree, in one form: `type mode uid:gid size path`, with
// layerscope's type names, a directory's size as `-`, the root `.` left out.
import {readFileSync} from 'node:fs';
import {decodeBytes} from '../../source/text/escape.js';

const TYPES: Record<string, string> = {f: 'file', d: 'dir', l: 'symlink', c: 'char', b: 'block', p: 'fifo', s: 'socket'};

/** The answer file read as bytes: a name that is not UTF-8 kept as --json keeps it (lone surrogates). */
export function findTree(file: string): string[] {
  return decodeBytes(readFileSync(file))
    .split('\n')
    .filter((l) => l && !l.endsWith(' .'))
    .map((l) => {
      const [type = '', mode, owner, size, ...path] = l.split(' ');
      return `${TYPES[type] ?? type} ${mode} ${owner} ${type === 'd' ? '-' : size} ${path.join(' ').replace(/^\./, '') || '/'}`;
    })
    .sort();
}

export function lsTree(entries: {Path: string; Type: string; Mode: number; Uid: number; Gid: number; Size: number}[]): string[] {
  return entries.map((e) => `${e.Type} ${e.Mode.toString(8)} ${e.Uid}:${e.Gid} ${e.Type === 'dir' ? '-' : e.Size} ${e.Path}`).sort();
}

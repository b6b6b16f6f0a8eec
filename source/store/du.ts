// Docker's directory.Size: bytes of every non-directory under a path, hard links once.
import {lstatSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import type {Problems} from './problems.js';

export function directorySize(dir: string, problems: Problems): number {
  const seen = new Set<number>();
  let size = 0;
  const visit = (path: string): void => {
    let names: string[];
    try {
      names = readdirSync(path);
    } catch (err) {
      problems.fromError(path, err, 'list directory');
      return;
    }
    for (const name of names) {
      const p = join(path, name);
      try {
        const st = lstatSync(p);
        if (st.isDirectory()) visit(p);
        else if (st.nlink > 1) {
          if (!seen.has(st.ino)) {
            seen.add(st.ino);
            size += st.size;
          }
        } else size += st.size;
      } catch (err) {
        problems.fromError(p, err, 'stat');
      }
    }
  };
  visit(dir);
  return size;
}

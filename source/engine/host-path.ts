// Paths on this machine, compared after their symlinks are resolved.
import {realpathSync} from 'node:fs';
import {basename, join, resolve, sep} from 'node:path';

/** Whether `inner` is `outer` or lies beneath it (both already absolute and resolved). */
export function within(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);
}

/** The real path of `p`, or of its nearest existing ancestor joined with the rest (for paths not made yet). */
export function realish(p: string): string {
  const abs = resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = resolve(abs, '..');
    return parent === abs ? abs : join(realish(parent), basename(abs));
  }
}

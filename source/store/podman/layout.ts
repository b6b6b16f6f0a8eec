// What makes a directory a containers-storage graph root: kept apart from the store so that
// detection (backend.ts) reads a few names without loading the store's code.
import {existsSync} from 'node:fs';
import {join} from 'node:path';

/**
 * The graph drivers containers-storage names its catalog directories after. overlay keeps change
 * sets in `overlay/<id>/diff`; vfs full copies in `vfs/dir/<id>` (its changes come from comparing
 * trees, c/storage's naive diff).
 */
export type CsDriver = 'overlay' | 'vfs';
export const CS_DRIVERS: CsDriver[] = ['overlay', 'vfs'];

/** Drivers whose roots are containers-storage but which layerscope cannot read. */
export const CS_OTHER_DRIVERS = ['btrfs', 'zfs', 'aufs'];

/** Whether `dir` looks like a containers-storage graph root. */
export function isContainersStorage(dir: string): boolean {
  return [...CS_DRIVERS, ...CS_OTHER_DRIVERS].some((d) => existsSync(join(dir, `${d}-layers`)) || existsSync(join(dir, `${d}-images`)));
}

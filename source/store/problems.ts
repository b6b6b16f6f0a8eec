// Bad input never stops a listing: readers collect problems naming the item and go on.
import {ConfinementError} from './confine.js';

export interface Problem {
  /** The file, directory or object the problem is about. */
  item: string;
  message: string;
}

export class Problems {
  readonly list: Problem[] = [];
  /** Ids of catalog entries a reader left out because their records could not be read: items of the store all the same, which their problems name. */
  readonly leftOut = new Set<string>();
  add(item: string, message: string): void {
    this.list.push({item, message});
  }
  /** Record an fs error as a problem about `item`, in words a user understands. */
  fromError(item: string, err: unknown, doing = 'read'): void {
    if (err instanceof ConfinementError) this.add(err.item, err.reason);
    else this.add(item, describeError(err, doing));
  }
}

export function describeError(err: unknown, doing = 'read'): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return `missing (cannot ${doing}: no such file or directory)`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied (cannot ${doing})`;
    case 'ENOTDIR':
      return `not a directory (cannot ${doing})`;
    case 'EISDIR':
      return `is a directory, expected a file (cannot ${doing})`;
    case 'ELOOP':
      return `too many levels of symbolic links (cannot ${doing})`;
    default:
      return `cannot ${doing}: ${e?.message ?? String(err)}`;
  }
}

// Reading a store's metadata: every read is confined to the root (see confine.ts), and a bad file
// becomes a problem naming it instead of an exception.
import {readdirSync} from 'node:fs';
import {dirname} from 'node:path';
import {badId, fsPath, HEX64, inside, JSON_FILE, readInside, SMALL_FILE} from './confine.js';
import type {Problems} from './problems.js';

export class RootFiles {
  constructor(
    readonly root: string,
    readonly problems: Problems,
  ) {}

  private read(path: string, max: number, what: string, optional: boolean): string | undefined {
    try {
      return readInside(this.root, path, max).toString('utf8');
    } catch (err) {
      if (optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      this.fail(path, err, what);
      return undefined;
    }
  }

  /** A problem about `path` from a confinement violation or an fs error. */
  fail(path: string, err: unknown, what = 'read'): void {
    this.problems.fromError(path, err, what);
  }

  /** A small metadata file (an id, a number). */
  text(path: string, what = 'read'): string | undefined {
    return this.read(path, SMALL_FILE, what, false);
  }

  /** Like text, but a missing file is normal and not a problem. */
  optionalText(path: string): string | undefined {
    return this.read(path, SMALL_FILE, 'read', true);
  }

  /** A JSON document; `optional`: a missing file is not a problem. */
  json<T>(path: string, optional = false): T | undefined {
    const text = this.read(path, JSON_FILE, 'read', optional);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      this.problems.add(path, `invalid JSON: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** An id read from a small file (cache-id, mount-id), validated before it can become a path. */
  id(path: string, form: RegExp = HEX64, optional = false): string | undefined {
    const text = (optional ? this.optionalText(path) : this.text(path))?.trim();
    if (!text) {
      if (text === '') this.problems.add(path, 'empty id');
      return undefined;
    }
    const bad = badId(text, form);
    if (bad) this.problems.add(path, bad);
    return bad ? undefined : text;
  }

  /**
   * Entries of a directory of the root, sorted; a missing directory is empty. With `form`, names
   * that are not ids of that form are problems and left out (they would become paths).
   */
  list(path: string, form?: RegExp, skip: (name: string) => boolean = () => false): string[] {
    let names: string[];
    try {
      names = readdirSync(fsPath(inside(this.root, path)))
        .map(String)
        .sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.fail(path, err, 'list directory');
      return [];
    }
    if (!form) return names;
    return names.filter((name) => {
      if (skip(name)) return false;
      const bad = badId(name, form);
      if (bad) this.problems.add(`${path}/${name}`, bad.replace('not a valid id', 'not a valid name'));
      return !bad;
    });
  }
}

// The same reads for a single path, confined to its own directory (a regular file there, never a
// link out of it or a FIFO, bounded): for readers without a root object at hand.

export function readJson<T>(path: string, problems: Problems): T | undefined {
  return new RootFiles(dirname(path), problems).json<T>(path);
}

/** A small file; a missing one is normal and not a problem. */
export function readOptionalText(path: string, problems: Problems): string | undefined {
  return new RootFiles(dirname(path), problems).optionalText(path);
}

/** Entries of a directory, sorted; a missing directory is empty, other errors are problems. */
export function listDir(path: string, problems: Problems): string[] {
  return new RootFiles(path, problems).list(path);
}

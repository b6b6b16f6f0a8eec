// Small readers that turn a bad file into a problem naming it instead of an exception.
import {readFileSync, readdirSync} from 'node:fs';
import type {Problems} from './problems.js';

export function readText(path: string, problems: Problems, what = 'read'): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    problems.fromError(path, err, what);
    return undefined;
  }
}

/** Like readText, but a missing file is normal and not a problem. */
export function readOptionalText(path: string, problems: Problems): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') problems.fromError(path, err);
    return undefined;
  }
}

export function readJson<T>(path: string, problems: Problems): T | undefined {
  const text = readText(path, problems);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    problems.add(path, `invalid JSON: ${(err as Error).message}`);
    return undefined;
  }
}

/** Entries of a directory; a missing directory is empty, other errors are problems. */
export function listDir(path: string, problems: Problems): string[] {
  try {
    return readdirSync(path).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') problems.fromError(path, err, 'list directory');
    return [];
  }
}

// Which kind of store a path is: one function over every backend's detector. A path that no
// backend claims is an error naming what was found there, never an empty store.
import {existsSync, readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';
import type {Backend} from './backend.js';
import {BACKENDS} from './backends.js';

export class StoreError extends Error {
  override name = 'StoreError';
}

export interface Detected {
  kind: string;
  backend: Backend;
}

/** The kind of store `path` is, or undefined (a missing path is no store). */
export function detectStore(path: string, backends: Backend[] = BACKENDS): Detected | undefined {
  if (!path || !existsSync(path)) return undefined;
  for (const backend of backends) {
    let kind: string | undefined;
    try {
      kind = backend.detect(path);
    } catch {
      kind = undefined; // a detector that cannot look does not claim the path
    }
    if (kind) return {kind, backend};
  }
  return undefined;
}

/** Every kind layerscope reads and how it is detected. */
export function knownKinds(backends: Backend[] = BACKENDS): [string, string][] {
  return backends.flatMap((b) => Object.entries(b.kinds));
}

/** Why `path` is no store layerscope reads, naming what is there. */
export function whatIsThere(path: string): string {
  const kinds = knownKinds()
    .map(([k]) => k)
    .join(', ');
  const st = statSync(path, {throwIfNoEntry: false});
  if (!st) return 'no such file or directory';
  if (!st.isDirectory())
    return `${st.isFile() ? 'a file' : 'not a regular file or directory'} that is no image archive (no tar header, no gzip or zstd magic); layerscope reads: ${kinds}`;
  let names: string[];
  try {
    names = readdirSync(path).sort();
  } catch (err) {
    return `cannot list the directory: ${(err as Error).message}`;
  }
  if (names.includes('image')) {
    const drivers = (() => {
      try {
        return readdirSync(join(path, 'image')).sort();
      } catch {
        return [];
      }
    })();
    if (drivers.length)
      return `a Docker root with storage driver ${drivers.map((d) => `image/${d}`).join(', ')}, which layerscope cannot read (it reads: ${kinds})`;
  }
  if (!names.length) return `an empty directory, not a store (layerscope reads: ${kinds})`;
  const shown = names.slice(0, 8).join(', ') + (names.length > 8 ? `, … (${names.length} entries)` : '');
  return `not a store layerscope knows (found ${shown}); layerscope reads: ${kinds}`;
}

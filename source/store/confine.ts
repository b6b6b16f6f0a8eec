// Confinement: every read of a store stays inside the root it belongs to. Ids read from the store
// become paths only when they are plain ids; a path is resolved (symlinks included) and must land
// inside the root; metadata files must be regular files of bounded size, opened without following
// a last symlink and without blocking (a FIFO never hangs a read). A violation is an error naming
// the item; callers record it as a problem and never follow it.
import {closeSync, constants, fstatSync, openSync, readSync, realpathSync, type Stats} from 'node:fs';
import {isAbsolute, relative, resolve, sep} from 'node:path';
import {decodeBytes, encodeBytes, hasRawBytes} from '../text/escape.js';
import {kindOfMode} from '../tree/entry.js';

export class ConfinementError extends Error {
  constructor(
    readonly item: string,
    readonly reason: string,
  ) {
    super(`${item}: ${reason}`);
  }
}

/** Docker's random ids (cache ids, mount ids, container ids) and sha256 hex digests. */
export const HEX64 = /^[0-9a-f]{64}$/;
/** An init layer's cache id: `<mount id>-init`. */
export const INIT_ID = /^[0-9a-f]{64}-init$/;
/** Docker's volume names (`[a-zA-Z0-9][a-zA-Z0-9_.-]+`, moby volume/local). */
export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Why `value` cannot become a path component as an id of this form, or undefined when it can. */
export function badId(value: string, form: RegExp = HEX64): string | undefined {
  if (form.test(value)) return undefined;
  const what = form === HEX64 ? '64 hex digits' : form === INIT_ID ? '64 hex digits and -init' : `a name matching ${form.source}`;
  return `${JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value)} is not a valid id (expected ${what}); not used as a path`;
}

/** Metadata files of a few ids or numbers (cache-id, size, parent, link, lower). */
export const SMALL_FILE = 64 << 10;
/** JSON documents (image configs, container configs, manifests). */
export const JSON_FILE = 256 << 20;
/** BoltDB files (volumes/metadata.db, buildkit's databases). */
export const DB_FILE = 1 << 30;

/** A path for fs calls: its bytes when a name in it is not UTF-8 (kept as lone surrogates, text/escape.ts). */
export function fsPath(path: string): string | Buffer {
  return hasRawBytes(path) ? encodeBytes(path) : path;
}

const realRoots = new Map<string, string>();

function realRoot(root: string): string {
  let real = realRoots.get(root);
  if (real === undefined) {
    real = realpathSync.native(root);
    realRoots.set(root, real);
  }
  return real;
}

/** Whether `real` (a resolved path) is `base` or below it. */
function within(base: string, real: string): boolean {
  return real === base || real.startsWith(base === sep ? base : base + sep);
}

/**
 * The resolved path of `path`, which must lie inside `root` lexically (no `..` out) and once
 * every symlink on the way is resolved. fs errors (ENOENT...) pass through as they are.
 */
export function inside(root: string, path: string): string {
  const rel = relative(resolve(root), resolve(path));
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw new ConfinementError(path, `outside ${root}; not read`);
  const base = realRoot(root);
  const p = fsPath(path);
  const real = typeof p === 'string' ? realpathSync.native(p) : decodeBytes(realpathSync.native(p, {encoding: 'buffer'}));
  if (!within(base, real)) throw new ConfinementError(path, `a symbolic link on the way leads out of ${root} (to ${real}); not followed`);
  return real;
}

/** Like `inside`, and the result must be a directory (a layer's files, a volume's data). */
export function insideDir(root: string, path: string): string {
  const real = inside(root, path);
  const fd = openSync(fsPath(real), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_DIRECTORY);
  closeSync(fd);
  return real;
}

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Open a regular file inside `root` for reading; the caller closes the fd. `real`: where it is. */
export function openInside(root: string, path: string): {fd: number; stats: Stats; real: string} {
  const real = inside(root, path);
  const fd = openSync(fsPath(real), OPEN_FLAGS);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new ConfinementError(path, `not a regular file (a ${kindOfMode(stats.mode)}); not read`);
    return {fd, stats, real};
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** The bytes of a regular file inside `root` of at most `max` bytes (growth while reading included). */
export function readInside(root: string, path: string, max: number): Buffer {
  const {fd, stats} = openInside(root, path);
  try {
    if (stats.size > max) throw new ConfinementError(path, `${stats.size} bytes, more than the ${max} such a file may have; not read`);
    const buf = Buffer.alloc(Math.min(max, stats.size) + 1);
    let got = 0;
    for (;;) {
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
      if (got === buf.length) throw new ConfinementError(path, `grew past ${Math.min(max, stats.size)} bytes while read; not read`);
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

// The fs-xattr native addon, when it is installed: it is an optional dependency (a prebuilt
// package cannot carry it; it needs a C++ toolchain at install time). Without it the reader says
// what it cannot see (overlay opaque directories, file capabilities) and the engine refuses to
// write layers, whose opaque directories and xattrs it could not record.
import {closeSync, constants, openSync} from 'node:fs';
import {createRequire} from 'node:module';
import {encodeBytes, hasRawBytes} from '../text/escape.js';

/** The part of fs-xattr's API used here, declared here: the optional package may be absent. */
interface FsXattr {
  getAttributeSync(path: string, name: string): Buffer;
  listAttributesSync(path: string): string[];
  setAttributeSync(path: string, name: string, value: Buffer | string): void;
}

/** undefined: not looked for yet; null: not installed or not built. */
let native: FsXattr | null | undefined;

/**
 * The addon, loaded on first use: loading it costs ~5 ms, which commands that never read an
 * xattr (`ci` on an archive) should not pay. It is an ES module, loaded synchronously (require of
 * an ES module without top-level await, Node >= 20.19) because its callers are synchronous.
 */
function load(): FsXattr | null {
  if (native === undefined) {
    try {
      native = createRequire(import.meta.url)('fs-xattr') as FsXattr;
    } catch {
      native = null;
    }
  }
  return native;
}

/** Whether the addon is there. */
export function xattrSupport(): boolean {
  return load() !== null;
}

export const XATTR_MISSING =
  'the fs-xattr native addon is not installed (it needs a C++ toolchain at install time): ' +
  'extended attributes (overlay opaque directories, file capabilities) cannot be read or written';

function addon(): FsXattr {
  const found = load();
  if (!found) throw new Error(XATTR_MISSING);
  return found;
}

/**
 * Call the addon on `path`. The addon takes paths as UTF-8 text, so a path holding a name that is
 * not UTF-8 (lone surrogates, text/escape.ts, or a path given as bytes) would reach another file
 * or none: such a path is opened by its bytes (never following a last symlink, never blocking on
 * a FIFO) and the addon is given `/proc/self/fd/N`, which names that very inode.
 */
function byBytes<T>(path: string | Buffer, call: (addon: FsXattr, path: string) => T): T {
  const found = addon();
  if (typeof path === 'string' && !hasRawBytes(path)) return call(found, path);
  const fd = openSync(typeof path === 'string' ? encodeBytes(path) : path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    return call(found, `/proc/self/fd/${fd}`);
  } finally {
    closeSync(fd);
  }
}

export function getAttributeSync(path: string | Buffer, name: string): Buffer {
  return byBytes(path, (x, p) => x.getAttributeSync(p, name));
}

export function listAttributesSync(path: string | Buffer): string[] {
  return byBytes(path, (x, p) => x.listAttributesSync(p));
}

export function setAttributeSync(path: string | Buffer, name: string, value: Buffer | string): void {
  byBytes(path, (x, p) => x.setAttributeSync(p, name, value));
}

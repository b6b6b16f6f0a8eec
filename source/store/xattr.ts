// Extended attributes, through the native fs-xattr addon. Overlay opaque directories are
// marked with `trusted.overlay.opaque`, which only a process with CAP_SYS_ADMIN can see:
// without it we say so instead of guessing.
import {readFileSync} from 'node:fs';
import {getAttributeSync, listAttributesSync, XATTR_MISSING, xattrSupport} from './xattr-native.js';
import {OPAQUE_XATTRS} from '../docker/whiteout.js';

const CAP_SYS_ADMIN = 21n;

let trusted: boolean | undefined;

/** True when this process can read `trusted.*` xattrs (looked up once, when first asked). */
function canReadTrusted(): boolean {
  trusted ??= (() => {
    try {
      const status = readFileSync('/proc/self/status', 'utf8');
      const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
      return hex !== undefined && ((BigInt(`0x${hex}`) >> CAP_SYS_ADMIN) & 1n) === 1n;
    } catch {
      return process.getuid?.() === 0;
    }
  })();
  return trusted;
}

const TRUSTED_HIDDEN_NOTICE =
  'trusted.overlay.opaque xattrs are invisible without CAP_SYS_ADMIN (run as root): ' +
  'opaque directories in overlay2 layers cannot be detected, so lower entries they hide may be shown';

/** What an overlay root cannot show here, if anything: no xattr addon, or no CAP_SYS_ADMIN. */
export function overlayXattrNotice(): string | undefined {
  if (!xattrSupport()) return XATTR_MISSING;
  return canReadTrusted() ? undefined : TRUSTED_HIDDEN_NOTICE;
}

/** Names of the xattrs of a directory or regular file (never call it on a symlink). */
export function listXattrs(path: string | Buffer): string[] {
  try {
    return listAttributesSync(path);
  } catch {
    return [];
  }
}

/** Whether an (already listed) set of xattrs marks a directory opaque. */
export function opaqueIn(path: string | Buffer, names: string[]): boolean {
  for (const name of OPAQUE_XATTRS) {
    if (names.includes(name) && readXattr(path, name)?.toString() === 'y') return true;
  }
  return false;
}

export function readXattr(path: string | Buffer, name: string): Buffer | undefined {
  try {
    return getAttributeSync(path, name);
  } catch {
    return undefined;
  }
}

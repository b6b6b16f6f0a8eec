// Whiteouts as layer tars (OCI image-spec, AUFS) name them. The overlay forms — a 0/0 character
// device for a deleted entry, the `trusted.overlay.opaque` / `user.overlay.opaque` xattr for an
// opaque directory — are the kernel's; these are the file-name forms every tool writes into tars.

export const WH_PREFIX = '.wh.';
/** In a directory: everything below this directory in lower layers is hidden. */
export const WH_OPAQUE = '.wh..wh..opq';
/** AUFS's own metadata names (`.wh..wh.plnk`, `.wh..wh.aufs`, ...): never entries of the image. */
export const WH_META_PREFIX = '.wh..wh.';

export const OPAQUE_XATTRS = ['trusted.overlay.opaque', 'user.overlay.opaque'] as const;

export type WhiteoutName =
  | {kind: 'opaque'}
  | {kind: 'whiteout'; name: string}
  /** AUFS metadata (hard-link directory, xino...): not part of the image. */
  | {kind: 'meta'};

/** What a base name means in a layer tar: an opaque marker, a whiteout of `name`, or nothing special. */
export function parseWhiteout(base: string): WhiteoutName | undefined {
  if (!base.startsWith(WH_PREFIX)) return undefined;
  if (base === WH_OPAQUE) return {kind: 'opaque'};
  if (base.startsWith(WH_META_PREFIX)) return {kind: 'meta'};
  const name = base.slice(WH_PREFIX.length);
  // `.wh.`, `.wh..` and `.wh...` would whiteout the directory itself or its parent: never valid.
  if (name === '' || name === '.' || name === '..') return {kind: 'meta'};
  return {kind: 'whiteout', name};
}

/** The tar name that deletes `base`. */
export function whiteoutOf(base: string): string {
  return WH_PREFIX + base;
}

// Content digests and ids as Docker and OCI write them: `sha256:<64 hex>`, shown as 12 hex.
import {createHash} from 'node:crypto';

export const SHA256 = 'sha256:';

const HEX64 = /^[0-9a-f]{64}$/;

/** The hex part of an id, with or without its `sha256:` prefix. */
export function hexOf(id: string): string {
  return id.startsWith(SHA256) ? id.slice(SHA256.length) : id;
}

/** `sha256:<hex>` for a bare or prefixed id. */
export function digestOf(id: string): string {
  return SHA256 + hexOf(id);
}

/** The 12-hex form docker prints. */
export function shortId(id: string): string {
  return hexOf(id).slice(0, 12);
}

export function sha256Digest(data: string | Buffer): string {
  return SHA256 + createHash('sha256').update(data).digest('hex');
}

/** A full sha256 hex string (64 lowercase hex digits): safe to use as a path component. */
export function isHex64(hex: string): boolean {
  return HEX64.test(hex);
}

/** `sha256:<64 hex>` exactly. */
export function isSha256Digest(digest: string | undefined): digest is string {
  return digest !== undefined && digest.startsWith(SHA256) && isHex64(digest.slice(SHA256.length));
}

/** A digest or id prefix a user may type: hex, optionally `sha256:`-prefixed. */
export function isIdPrefix(ref: string): boolean {
  return /^(sha256:)?[0-9a-f]+$/.test(ref);
}

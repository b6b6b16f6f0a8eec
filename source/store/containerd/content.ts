// containerd's content store, `io.containerd.content.v1.content/blobs/sha256/<hex>`: manifests,
// indexes, configs and attestation statements are read whole (small, digest checked); layer
// blobs are not read here.
import {join} from 'node:path';
import {sha256Digest} from '../../docker/digest.js';
import {blobPath} from '../../docker/oci.js';
import {ConfinementError, readInside} from '../confine.js';
import type {Problems} from '../problems.js';

/** Manifests and configs are kilobytes; anything this big is not one. */
const MAX_JSON = 16 << 20;

export class ContentStore {
  constructor(
    readonly dir: string,
    private readonly problems: Problems,
  ) {}

  /** Where a blob is; undefined for a digest that is not `sha256:<64 hex>` (never a path out). */
  path(digest: string): string | undefined {
    const rel = blobPath(digest);
    return rel ? join(this.dir, rel) : undefined;
  }

  /** A JSON blob, checked against its digest; undefined (and a problem naming it) when it cannot be had. */
  json<T>(digest: string, what: string): T | undefined {
    return this.read(digest, what, (data) => JSON.parse(data.toString('utf8')) as T);
  }

  /** A small blob's bytes (an attestation's statement), checked against its digest, as `json` reads them. */
  bytes(digest: string, what: string): Buffer | undefined {
    return this.read(digest, what, (data) => data);
  }

  private read<T>(digest: string, what: string, parse: (data: Buffer) => T): T | undefined {
    const path = this.path(digest);
    if (!path) {
      this.problems.add(digest, `${what}: not a sha256 digest`);
      return undefined;
    }
    try {
      // Inside the content store once symlinks are resolved, a regular file, bounded, never a FIFO.
      const data = readInside(this.dir, path, MAX_JSON);
      const actual = sha256Digest(data);
      if (actual !== digest) throw new Error(`content digest is ${actual}`);
      return parse(data);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? 'missing from the content store' : err instanceof ConfinementError ? err.reason : e.message;
      this.problems.add(path, `${what} ${digest}: ${why}`);
      return undefined;
    }
  }
}

// Image archives (`docker save`, OCI archives: a tar or gzip file) and OCI layout directories.
import {closeSync, existsSync, openSync, readSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {ArchiveStore} from './archive.js';
import type {Backend} from './backend.js';
import {compressionOf} from './decompress.js';

export const archiveBackend: Backend = {
  kinds: {
    archive: 'a file starting with a tar header (ustar), or gzip or zstd magic (compressed whole): `docker save` / OCI archive',
    layout: 'a directory with `index.json`, `oci-layout` or `manifest.json`: OCI layout / extracted `docker save`',
  },
  detect(path) {
    const st = statSync(path, {throwIfNoEntry: false});
    if (st?.isDirectory()) return ['index.json', 'oci-layout', 'manifest.json'].some((f) => existsSync(join(path, f))) ? 'layout' : undefined;
    return st?.isFile() && looksLikeArchive(path) ? 'archive' : undefined;
  },
  open: (path, _kind, opts) => ArchiveStore.open(path, opts),
};

/** A tar header (ustar magic), or gzip or zstd magic (a compressed archive), in the first block. */
function looksLikeArchive(path: string): boolean {
  const head = Buffer.alloc(512);
  let fd;
  try {
    fd = openSync(path, 'r');
    const n = readSync(fd, head, 0, 512, 0);
    return compressionOf(head.subarray(0, n)) !== 'none' || (n === 512 && head.toString('latin1', 257, 262) === 'ustar');
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

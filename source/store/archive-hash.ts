// The sha256 of every file entry of an archive, computed on a worker thread that reads the file
// on its own: hashing is a fifth of an archive's index time, and this way it runs on the other
// core while the calling thread walks the layers. Where the compiled worker is not there (tests
// run the TypeScript sources) or the archive is small, the caller hashes as it walks.
import {existsSync, statSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {startWorker} from './worker.js';

const WORKER = new URL('./archive-hash-worker.js', import.meta.url);
/**
 * Below this size the calling thread hashes as it walks: a worker thread takes 30-60 ms to start
 * on this 2-core machine, about what sha256 takes over 16 MiB (~450 MB/s measured here under
 * load), so a small archive (the common CI case) is done before a worker would be ready.
 */
const WORKER_MIN_BYTES = 16 << 20;

export interface Hashing {
  /** `sha256:<hex>` of each file entry's data, by the offset of that data in the archive. */
  digests: Promise<Map<number, string>>;
  /** End the worker (when the walk failed, or once the digests are in). */
  stop(): void;
}

export function hashEntries(file: string): Hashing | undefined {
  if (statSync(file).size < WORKER_MIN_BYTES || !existsSync(fileURLToPath(WORKER))) return undefined;
  const worker = startWorker(WORKER, {file});
  const digests = new Promise<Map<number, string>>((resolve, reject) => {
    worker.once('message', (m: {offsets: number[]; digests: string[]} | {error: string}) => {
      if ('error' in m) return reject(new Error(`${file}: ${m.error}`));
      resolve(new Map(m.offsets.map((offset, i) => [offset, `sha256:${m.digests[i]}`])));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${file}: the hashing thread exited with ${code}`)));
  });
  digests.catch(() => undefined); // when the walk fails first, nobody awaits the digests
  return {digests, stop: () => void worker.terminate()};
}

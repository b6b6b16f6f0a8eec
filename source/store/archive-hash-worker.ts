// Worker thread of archive-hash.ts: walks the archive's headers and hashes every file entry's data.
import {createHash, type Hash} from 'node:crypto';
import {parentPort, workerData} from 'node:worker_threads';
import {TarWalker} from '../tar/walker.js';
import {readChunks} from './chunks.js';

const {file} = workerData as {file: string};
const offsets: number[] = [];
const digests: string[] = [];
const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

const walker = new TarWalker((e) => {
  if (!FILE_TYPES.has(e.type)) return undefined;
  const hash: Hash = createHash('sha256');
  offsets.push(e.offset);
  return {
    write: (chunk) => void hash.update(chunk),
    end: () => void digests.push(hash.digest('hex')),
  };
});
// No top-level await: the bundle makes this file CommonJS (scripts/bundle.mjs).
readChunks(file, (chunk) => walker.write(chunk))
  .then(() => walker.end())
  .then(
    () => parentPort!.postMessage({offsets, digests}),
    (err: unknown) => parentPort!.postMessage({error: (err as Error).message}),
  );

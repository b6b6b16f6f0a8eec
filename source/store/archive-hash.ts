// The sha256 of every stored byte is the biggest single cost of indexing a big archive, and it
// does not depend on the walk: on a second thread it runs alongside it. The file is read into
// shared buffers; the walk tells the hashing thread which ranges belong to which blob, and a
// buffer is read into again only once that thread is done with it.
import {createHash} from 'node:crypto';
import {Worker} from 'node:worker_threads';

/** A running sha256 of one blob's stored bytes. */
export interface StoredHash {
  update(chunk: Buffer): void;
  /** `sha256:<hex>` of everything given to `update`. */
  digest(): Promise<string>;
}

/** Where the file is read to, and how its bytes are hashed. */
export interface Hashing {
  buffers: Buffer[];
  hash(): StoredHash;
  /** The bytes of `buffers[index]` given to `update` so far may be overwritten once this settles. */
  release(index: number): Promise<void>;
  close(): Promise<void>;
}

/** Hashing on this thread, into two buffers. */
export function localHashing(size: number): Hashing {
  return {
    buffers: [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)],
    hash: () => {
      const h = createHash('sha256');
      return {update: (c) => void h.update(c), digest: async () => `sha256:${h.digest('hex')}`};
    },
    release: async () => {},
    close: async () => {},
  };
}

// Runs in the worker (plain CommonJS): applies ranges of the shared buffers to numbered hashes.
const WORKER_SOURCE = `
const {parentPort, workerData} = require('node:worker_threads');
const {createHash} = require('node:crypto');
const buffers = workerData.map((b) => Buffer.from(b));
const hashes = new Map();
parentPort.on('message', ({updates, digests, release}) => {
  for (const [id, b, start, end, copy] of updates) {
    let h = hashes.get(id);
    if (!h) hashes.set(id, (h = createHash('sha256')));
    h.update(copy ?? buffers[b].subarray(start, end));
  }
  const done = digests.map((id) => {
    const hex = (hashes.get(id) ?? createHash('sha256')).digest('hex');
    hashes.delete(id);
    return [id, hex];
  });
  parentPort.postMessage({digests: done, release});
});
`;

type Update = [id: number, buffer: number, start: number, end: number, copy?: Buffer];

/** Hashing on a worker thread, over `count` shared buffers. */
export function threadHashing(size: number, count = 4): Hashing {
  const shared = Array.from({length: count}, () => new SharedArrayBuffer(size));
  const buffers = shared.map((s) => Buffer.from(s));
  const worker = new Worker(WORKER_SOURCE, {eval: true, workerData: shared});
  let updates: Update[] = [];
  let digests: number[] = [];
  let nextId = 0;
  let failure: Error | undefined;
  const waiting = new Map<number, {resolve: (hex: string) => void; reject: (err: Error) => void}>();
  const releases = new Map<number, {resolve: () => void; reject: (err: Error) => void}>();
  worker.on('message', (m: {digests: [number, string][]; release?: number}) => {
    for (const [id, hex] of m.digests) {
      waiting.get(id)?.resolve(`sha256:${hex}`);
      waiting.delete(id);
    }
    if (m.release !== undefined) {
      releases.get(m.release)?.resolve();
      releases.delete(m.release);
    }
  });
  const fail = (err: Error) => {
    failure ??= err;
    for (const w of [...waiting.values(), ...releases.values()]) w.reject(failure);
    waiting.clear();
    releases.clear();
  };
  worker.on('error', fail);
  worker.on('exit', () => fail(new Error('the hashing thread stopped')));
  const send = (release?: number) => {
    worker.postMessage({updates, digests, release});
    updates = [];
    digests = [];
  };
  const pending = <T>(map: Map<number, {resolve: (v: T) => void; reject: (err: Error) => void}>, key: number) =>
    failure ? Promise.reject(failure) : new Promise<T>((resolve, reject) => void map.set(key, {resolve, reject}));
  return {
    buffers,
    hash: () => {
      const id = nextId++;
      return {
        update: (c) => {
          const b = shared.indexOf(c.buffer as SharedArrayBuffer);
          updates.push(b === -1 ? [id, -1, 0, 0, Buffer.from(c)] : [id, b, c.byteOffset, c.byteOffset + c.length]);
        },
        digest: () => {
          const hex = pending<string>(waiting, id);
          digests.push(id);
          send(); // a sink may wait for its digest before the chunk is done
          return hex;
        },
      };
    },
    release: (index) => {
      const done = pending<void>(releases, index);
      send(index);
      return done;
    },
    close: async () => {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
}

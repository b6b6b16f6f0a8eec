// Scanning many layers on both cores: the calling thread and one worker claim layers from a shared
// counter. The worker's trees arrive encoded and are decoded here. Where the compiled worker is not
// there (tests run the TypeScript sources), everything is scanned on the calling thread.
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {startWorker} from './worker.js';
import type {LayerNode} from '../tree/entry.js';
import type {Problem} from './problems.js';
import {decodeTree} from './scan-codec.js';

export interface ScanJob {
  dir: string;
  overlay: boolean;
}

export interface ScanResult {
  tree?: LayerNode;
  problems: Problem[];
  error?: string;
}

const WORKER = new URL('./scan-worker.js', import.meta.url);

export function parallelScanAvailable(): boolean {
  return existsSync(fileURLToPath(WORKER));
}

/**
 * Scan `jobs`; `scanHere(i)` scans job i on this thread (the store's own cached path) — without it
 * this thread stays free (an interactive UI) and the worker takes every job. Results of the worker
 * come back through `onResult`. Resolves when every job is done.
 */
export function scanParallel(
  jobs: ScanJob[],
  scanHere: ((index: number) => void) | undefined,
  onResult: (index: number, r: ScanResult) => void,
  signal?: AbortSignal,
): Promise<void> {
  const counter = new SharedArrayBuffer(4);
  const next = new Int32Array(counter);
  const worker = startWorker(WORKER, {jobs, counter});
  const finished = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: {done?: true; index: number; tree?: Uint8Array; problems: Problem[]; error?: string}) => {
      if (m.done) return resolve();
      onResult(m.index, {
        tree: m.tree ? decodeTree(Buffer.from(m.tree.buffer, m.tree.byteOffset, m.tree.byteLength)) : undefined,
        problems: m.problems,
        error: m.error,
      });
    });
    worker.on('error', reject);
    // Stopped (the explorer quit): end the worker now rather than let it keep the process alive.
    signal?.addEventListener('abort', () => void worker.terminate().then(() => resolve()), {once: true});
    worker.on('exit', (code) => (code === 0 || signal?.aborted ? resolve() : reject(new Error(`scan worker exited with ${code}`))));
  });
  const here = async () => {
    if (!scanHere) return;
    for (let i = Atomics.add(next, 0, 1); i < jobs.length; i = Atomics.add(next, 0, 1)) {
      scanHere(i);
      // Let the worker's finished trees be decoded between layers, not all at the end.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return here()
    .then(() => finished)
    .finally(() => worker.terminate());
}

// Worker thread of the parallel scan: claims layers from a shared counter, scans each and sends
// it back encoded (transferred, not copied), with the problems it met.
import {parentPort, workerData} from 'node:worker_threads';
import {Problems} from './problems.js';
import {scanLayerDir} from './scan.js';
import {encodeTree} from './scan-codec.js';
import type {ScanJob} from './scan-pool.js';

const {jobs, counter} = workerData as {jobs: ScanJob[]; counter: SharedArrayBuffer};
const next = new Int32Array(counter);
for (let i = Atomics.add(next, 0, 1); i < jobs.length; i = Atomics.add(next, 0, 1)) {
  const job = jobs[i]!;
  const problems = new Problems();
  let buf: Buffer | undefined;
  let error: string | undefined;
  try {
    buf = encodeTree(scanLayerDir(job.dir, problems, {overlay: job.overlay}));
  } catch (err) {
    error = (err as Error).message;
  }
  const copy = buf ? new Uint8Array(buf) : undefined; // own ArrayBuffer, so it can be transferred
  parentPort!.postMessage({index: i, tree: copy, problems: problems.list, error}, copy ? [copy.buffer] : []);
}
parentPort!.postMessage({done: true});

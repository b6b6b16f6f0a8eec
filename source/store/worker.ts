// Starting a worker thread. worker_threads is loaded on first use: importing it up front costs
// every command, including those that never start a worker, ~5 ms.
import type {Worker} from 'node:worker_threads';

export function startWorker(url: URL, workerData: unknown): Worker {
  const {Worker} = process.getBuiltinModule('node:worker_threads');
  return new Worker(url, {workerData});
}

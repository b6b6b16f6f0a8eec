// Reading a file front to back in big chunks, the next read in flight while one is used.
import {open} from 'node:fs/promises';

/** Big reads: per-read overhead, not bandwidth, is what small stream chunks cost. */
const CHUNK = 2 << 20;

/**
 * Hand a file's bytes to `use` in order, in large chunks read into two buffers in turn: the
 * next read runs while `use` works on the current chunk. A chunk is reused once `use` (and the
 * promise it returned) is done with it.
 */
export async function readChunks(file: string, use: (chunk: Buffer, first: boolean) => void | Promise<void>): Promise<void> {
  const handle = await open(file, 'r');
  const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  let pos = 0;
  let next: Promise<{bytesRead: number}> | undefined = handle.read(buffers[0]!, 0, CHUNK, 0);
  try {
    for (let i = 0; ; i ^= 1) {
      const {bytesRead} = await next;
      next = undefined;
      if (bytesRead === 0) return;
      const first = pos === 0;
      pos += bytesRead;
      next = handle.read(buffers[i ^ 1]!, 0, CHUNK, pos);
      await use(buffers[i]!.subarray(0, bytesRead), first);
    }
  } finally {
    await next?.catch(() => undefined);
    await handle.close();
  }
}

// Docker's tar-split metadata (layerdb/sha256/<chain>/tar-split.json.gz): gzip'd JSON lines recording
// every raw tar byte that is not file content, plus name/size/CRC-64 of each entry. With it a layer tar
// can be re-created byte for byte from the diff dir, which `docker save` (and ours) relies on.
import {createReadStream, createWriteStream} from 'node:fs';
import {open} from 'node:fs/promises';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {createGunzip, createGzip} from 'node:zlib';
import {finished} from 'node:stream/promises';
import {goJson} from './layout-json.js';
import {Crc64, type SplitSink} from './layer-tar.js';

export interface TarSplitFile extends SplitSink {
  close(): Promise<void>;
}

/** A SplitSink that streams the tar-split JSON lines into a gzip file. */
export function tarSplitWriter(path: string): TarSplitFile {
  const gz = createGzip();
  const out = createWriteStream(path, {mode: 0o644});
  gz.pipe(out);
  let position = 0;
  return {
    segment(raw) {
      gz.write(goJson({type: 2, payload: raw.toString('base64'), position: position++}) + '\n');
    },
    file(name, size, crc64) {
      const entry: Record<string, unknown> = {type: 1, name};
      if (size) entry.size = size;
      entry.payload = crc64 ? crc64.toString('base64') : null;
      entry.position = position++;
      gz.write(goJson(entry) + '\n');
    },
    async close() {
      gz.end();
      await finished(out);
    },
  };
}

interface SplitEntry {
  type: 1 | 2;
  name?: string;
  name_raw?: string;
  size?: number;
  payload: string | null;
}

/** Re-create the exact layer tar from tar-split metadata and the diff dir, verifying each file's CRC. */
export async function* assembleTar(tarSplitPath: string, diffDir: string): AsyncGenerator<Buffer> {
  const lines = createInterface({input: createReadStream(tarSplitPath).pipe(createGunzip()), crlfDelay: Infinity});
  for await (const line of lines) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as SplitEntry;
    if (e.type === 2) {
      if (e.payload) yield Buffer.from(e.payload, 'base64');
      continue;
    }
    const size = e.size ?? 0;
    if (size === 0) continue;
    const name = e.name_raw ? Buffer.from(e.name_raw, 'base64').toString('latin1') : e.name!;
    const fh = await open(join(diffDir, name), 'r');
    try {
      const crc = new Crc64();
      let left = size;
      while (left > 0) {
        const {bytesRead, buffer} = await fh.read(Buffer.alloc(Math.min(left, 1 << 20)), 0, Math.min(left, 1 << 20));
        if (bytesRead === 0) throw new Error(`tar-split: ${name} in ${diffDir} is shorter than recorded`);
        const chunk = buffer.subarray(0, bytesRead);
        crc.update(chunk);
        left -= bytesRead;
        yield chunk;
      }
      if (e.payload && !crc.digest().equals(Buffer.from(e.payload, 'base64'))) {
        throw new Error(`tar-split: ${name} in ${diffDir} changed since the layer was registered (checksum differs)`);
      }
    } finally {
      await fh.close();
    }
  }
}

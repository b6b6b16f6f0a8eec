import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {openRoot} from '../../source/store/docker-root.js';
import {ContentError, MAX_PAGE, readRange} from '../../source/store/content.js';
import {findContainer, findImage} from '../../source/store/refs.js';
import type {DockerStore} from '../../source/store/store.js';
import {canExtract, cleanupExtracted, extractRealStoreA, skipReason} from '../helpers/real-store.js';

describe.skipIf(!canExtract)(`readRange on real-store-a (${canExtract ? 'extracted' : skipReason})`, () => {
  let store: DockerStore;
  beforeAll(() => {
    store = openRoot(extractRealStoreA());
  });
  afterAll(cleanupExtracted);

  it('reads the version of a file that the view sees, from the layer that wrote it', () => {
    const cowlab = findImage(store, 'cowlab:1')!;
    const top = cowlab.layers.at(-1)!;
    const chunk = readRange(store, top, '/etc/apache2/conf.d/site.conf', 0, 100);
    expect(chunk.bytes.toString()).toBe('fresh\n');
    expect(chunk.eof).toBe(true);
    expect(store.chain(top)[chunk.layer]!.id).toBe(cowlab.layers[chunk.layer]);
    // The same path one layer down: apache2.conf as the first layers wrote it.
    const early = readRange(store, cowlab.layers[1]!, '/etc/apache2/apache2.conf', 0, 100);
    expect(early.bytes.toString()).toBe('ServerName localhost\n');
  });

  it('pages through a large file without reading past the page', () => {
    const cowlab = findImage(store, 'cowlab:1')!;
    const top = cowlab.layers.at(-1)!;
    const first = readRange(store, top, '/var/log/big.log', 0, 4096);
    expect(first.bytes.length).toBe(4096);
    expect(first.size).toBe(65536);
    expect(first.eof).toBe(false);
    const last = readRange(store, top, '/var/log/big.log', 65536 - 100, 4096);
    expect(last.bytes.length).toBe(100);
    expect(last.eof).toBe(true);
    expect(readRange(store, top, '/var/log/big.log', 0, 10 * MAX_PAGE).bytes.length).toBe(65536);
  });

  it("reads a container's file from its writable layer", () => {
    const web1 = findContainer(store, 'web1')!;
    const chunk = readRange(store, web1.rwLayer, '/opt/source-code/app.py', 0, 1 << 16);
    const layer = store.chain(web1.rwLayer!)[chunk.layer]!;
    expect(layer.kind).toBe('rw');
    expect(chunk.bytes.equals(readFileSync(join(layer.dir, 'opt/source-code/app.py')))).toBe(true);
  });

  it('says why there is nothing to read', () => {
    const web1 = findContainer(store, 'web1')!;
    expect(() => readRange(store, web1.rwLayer, '/etc/apache2/ports.conf', 0, 10)).toThrow(ContentError);
    expect(() => readRange(store, web1.rwLayer, '/etc', 0, 10)).toThrow(/not a regular file/);
  });
});

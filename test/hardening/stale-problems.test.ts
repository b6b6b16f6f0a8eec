// The live view keeps no stale problems: a problem about a container whose config was fixed, or
// that was removed (a volume here), goes when its catalog is read again (the watcher's re-read),
// both by the re-read itself and end to end, through the watcher following the root.
import {renameSync, rmSync, writeFileSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openRoot} from '../../source/store/docker-root.js';
import type {LayerStore} from '../../source/store/layer-store.js';
import {rereadCatalog, watchStore} from '../../source/store/watch.js';
import {craftRoot, type CraftedRoot} from '../helpers/crafted-root.js';

/** Resolve once `test` holds of the store's problems (the watcher applies changes asynchronously). */
async function until(store: LayerStore, test: (items: string[]) => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!test(store.problemList.map((p) => p.item))) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms; problems: ${JSON.stringify(store.problemList)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('stale problems', () => {
  let c: CraftedRoot;
  let w: CraftedRoot;
  beforeAll(() => {
    c = craftRoot('overlay2');
    w = craftRoot('overlay2');
  });
  afterAll(() => {
    c.cleanup();
    w.cleanup();
  });

  it('a fixed config and a removed container leave no problem behind', () => {
    const config = join(c.root, 'containers', c.containerId, 'config.v2.json');
    const good = readFileSync(config);
    writeFileSync(config, '{"ID": ');
    const store = openRoot(c.root);
    expect(store.problemList.map((p) => p.item)).toContain(config);
    writeFileSync(config, good);
    rereadCatalog(store, store.liveCatalog(), 'containers');
    expect(store.problemList).toEqual([]);
    expect(store.containers.map((x) => x.name)).toEqual(['c1']);

    // a volume gone with a problem about it: the problem goes too
    const volume = join(c.root, 'volumes', 'vol1', '_data');
    rmSync(volume, {recursive: true});
    rereadCatalog(store, store.liveCatalog(), 'volumes');
    expect(store.problemList.map((p) => p.item)).toContain(volume);
    renameSync(join(c.root, 'volumes', 'vol1'), join(c.base, 'vol1-gone'));
    rereadCatalog(store, store.liveCatalog(), 'volumes');
    expect(store.problemList).toEqual([]);
  });

  it('through the watcher: a config fixed by a rename (as dockerd writes it) and a volume removed take their problems with them', async () => {
    const config = join(w.root, 'containers', w.containerId, 'config.v2.json');
    const good = readFileSync(config);
    writeFileSync(config, '{"ID": ');
    // a volume with a problem: its _data is missing
    const volume = join(w.root, 'volumes', 'vol1', '_data');
    rmSync(volume, {recursive: true});
    const store = openRoot(w.root);
    expect(store.problemList.map((p) => p.item)).toEqual(expect.arrayContaining([config, volume]));
    const watch = watchStore(store, () => {});
    try {
      await watch.ready;
      writeFileSync(`${config}.tmp`, good);
      renameSync(`${config}.tmp`, config);
      await until(store, (items) => !items.includes(config), 'the fixed config');
      expect(store.problemList.map((p) => p.item)).toEqual([volume]);
      expect(store.containers.map((x) => x.name)).toEqual(['c1']);
      // the volume removed (docker volume rm): its problem goes with it
      renameSync(join(w.root, 'volumes', 'vol1'), join(w.base, 'vol1-gone'));
      await until(store, (items) => items.length === 0, 'the volume gone');
      expect(store.volumes).toEqual([]);
    } finally {
      await watch.close();
    }
  });
});

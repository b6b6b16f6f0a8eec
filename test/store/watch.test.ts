import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {openRoot} from '../../source/store/docker-root.js';
import {findContainer} from '../../source/store/refs.js';
import type {DockerStore} from '../../source/store/store.js';
import {watchStore, type StoreEvent, type StoreWatch} from '../../source/store/watch.js';
import {canExtract, cleanupExtracted, extractRealStoreA, skipReason} from '../helpers/real-store.js';

/** Resolve with the first batch of events that satisfies `match` (bounded generously). */
function nextEvents(queue: StoreEvent[][], match: (e: StoreEvent) => boolean, timeoutMs = 30_000): Promise<StoreEvent[]> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      const hit = queue.find((batch) => batch.some(match));
      if (hit) return resolve(hit);
      if (Date.now() - start > timeoutMs) return reject(new Error(`no matching event in ${timeoutMs} ms: ${JSON.stringify(queue)}`));
      setTimeout(poll, 5);
    };
    poll();
  });
}

/** inotify watches this process holds (each is a `inotify wd:` line of an inotify fd's fdinfo). */
function inotifyWatches(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fdinfo')) {
    try {
      n += readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('inotify wd:')).length;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

const lines = (store: DockerStore, name: string) => store.containerChanges(findContainer(store, name)!).map((c) => `${c.kind} ${c.path}`);

describe.skipIf(!canExtract)(`watchStore on real-store-a (${canExtract ? 'extracted' : skipReason})`, () => {
  let root: string;
  let store: DockerStore;
  let watcher: StoreWatch;
  const batches: StoreEvent[][] = [];
  beforeAll(async () => {
    root = extractRealStoreA();
    store = openRoot(root);
    lines(store, 'web1'); // read the writable layer so that events patch a cached tree
    watcher = watchStore(store, (events) => batches.push(events));
    await watcher.ready;
  });
  afterAll(async () => {
    await watcher?.close();
    cleanupExtracted();
  });
  const upper = () => store.layers.get(findContainer(store, 'web1')!.rwLayer!)!.dir;

  it('patches a file written into a writable layer into the cached change set', async () => {
    batches.length = 0;
    const t0 = performance.now();
    writeFileSync(join(upper(), 'tmp', 'live.txt'), 'hello');
    const events = await nextEvents(batches, (e) => e.kind === 'upper' && e.path === '/tmp/live.txt');
    const ms = performance.now() - t0;
    expect(events[0]).toMatchObject({kind: 'upper', container: findContainer(store, 'web1')!.id});
    expect(lines(store, 'web1')).toContain('A /tmp/live.txt');
    console.log(`watch: write → patched store in ${ms.toFixed(1)} ms`);
  });

  it('patches new directories, deletions and whiteouts', async () => {
    batches.length = 0;
    mkdirSync(join(upper(), 'newdir', 'sub'), {recursive: true});
    writeFileSync(join(upper(), 'newdir', 'sub', 'f'), 'x');
    await nextEvents(batches, (e) => e.kind === 'upper' && e.path.startsWith('/newdir'));
    await new Promise((r) => setTimeout(r, 100));
    expect(lines(store, 'web1')).toEqual(expect.arrayContaining(['A /newdir', 'A /newdir/sub', 'A /newdir/sub/f']));
    batches.length = 0;
    rmSync(join(upper(), 'tmp', 'live.txt'));
    await nextEvents(batches, (e) => e.kind === 'upper' && e.path === '/tmp/live.txt');
    expect(lines(store, 'web1')).not.toContain('A /tmp/live.txt');
    // Removing the whiteout of ports.conf brings the image's file back: no longer deleted.
    batches.length = 0;
    rmSync(join(upper(), 'etc', 'apache2', 'ports.conf'));
    await nextEvents(batches, (e) => e.kind === 'upper' && e.path === '/etc/apache2/ports.conf');
    expect(lines(store, 'web1')).not.toContain('D /etc/apache2/ports.conf');
  });

  it('patches names that are not UTF-8 by their bytes (inotify hands them over as U+FFFD)', async () => {
    const raw = (name: number[]) => Buffer.concat([Buffer.from(`${join(upper(), 'tmp')}/`), Buffer.from(name)]);
    batches.length = 0;
    writeFileSync(raw([0x62, 0x61, 0x64, 0xff]), 'one');
    writeFileSync(raw([0x62, 0x61, 0x64, 0xfe]), 'two');
    await nextEvents(batches, (e) => e.kind === 'upper' && e.path.startsWith('/tmp/bad'));
    await new Promise((r) => setTimeout(r, 100));
    expect(lines(store, 'web1')).toEqual(expect.arrayContaining(['A /tmp/bad\udcff', 'A /tmp/bad\udcfe']));
    expect(lines(store, 'web1').join('\n')).not.toContain('\uFFFD');
    batches.length = 0;
    rmSync(raw([0x62, 0x61, 0x64, 0xff]));
    await nextEvents(batches, (e) => e.kind === 'upper' && e.path.startsWith('/tmp/bad'));
    expect(lines(store, 'web1')).not.toContain('A /tmp/bad\udcff');
    expect(lines(store, 'web1')).toContain('A /tmp/bad\udcfe');
  });

  it('keeps an inotify watch per directory of a writable layer, none per file', async () => {
    const before = inotifyWatches();
    mkdirSync(join(upper(), 'many'));
    for (let i = 0; i < 200; i++) writeFileSync(join(upper(), 'many', `f${i}`), `${i}`);
    const start = Date.now();
    while (lines(store, 'web1').filter((l) => l.startsWith('A /many/')).length < 200 && Date.now() - start < 10_000)
      await new Promise((r) => setTimeout(r, 20));
    expect(lines(store, 'web1').filter((l) => l.startsWith('A /many/'))).toHaveLength(200);
    await new Promise((r) => setTimeout(r, 300)); // chokidar's own re-read of the directory
    expect(inotifyWatches() - before).toBeLessThanOrEqual(2); // the new directory (chokidar may watch it twice)
    rmSync(join(upper(), 'many'), {recursive: true});
  });

  it('re-reads the container catalog when a container goes away or comes back', async () => {
    const idle3 = findContainer(store, 'idle3')!;
    const saved = join(root, 'saved-idle3');
    mkdirSync(saved);
    batches.length = 0;
    renameSync(join(root, 'containers', idle3.id), join(saved, 'c'));
    const gone = await nextEvents(batches, (e) => e.kind === 'containers' && e.removed.includes(idle3.id));
    expect(gone.length).toBeGreaterThan(0);
    expect(findContainer(store, 'idle3')).toBeUndefined();
    expect(store.layers.has(idle3.rwLayer!)).toBe(false);
    batches.length = 0;
    cpSync(join(saved, 'c'), join(root, 'containers', idle3.id), {recursive: true});
    await nextEvents(batches, (e) => e.kind === 'containers' && e.added.includes(idle3.id));
    expect(findContainer(store, 'idle3')?.state).toBe('created');
    expect(store.layers.has(idle3.rwLayer!)).toBe(true);
  });

  it('re-reads volumes and images', async () => {
    batches.length = 0;
    mkdirSync(join(root, 'volumes', 'fresh', '_data'), {recursive: true});
    await nextEvents(batches, (e) => e.kind === 'volumes' && e.added.includes('fresh'));
    expect(store.volumes.map((v) => v.name)).toContain('fresh');
    const [id] = [...store.images.keys()].filter((i) => store.images.get(i)!.tags.includes('localbase:1'));
    const file = join(root, 'image', 'overlay2', 'imagedb', 'content', 'sha256', id!.slice(7));
    batches.length = 0;
    renameSync(file, `${file}.away`);
    await nextEvents(batches, (e) => e.kind === 'images' && e.removed.includes(id!));
    expect(store.images.has(id!)).toBe(false);
    renameSync(`${file}.away`, file);
    await nextEvents(batches, (e) => e.kind === 'images' && e.added.includes(id!));
    expect(store.images.get(id!)?.tags).toEqual(['localbase:1']);
  });

  it('follows repositories.json replaced by rename twice in a row, as Docker writes it', async () => {
    // `docker tag` then `docker rmi` of the tag: two atomic replacements milliseconds apart.
    const file = join(root, 'image', 'overlay2', 'repositories.json');
    const original = readFileSync(file, 'utf8');
    const repos = JSON.parse(original) as {Repositories: Record<string, Record<string, string>>};
    const id = repos.Repositories.cowlab!['cowlab:1']!;
    const replace = (extra: Record<string, string>) => {
      const next = structuredClone(repos);
      next.Repositories.cowlab = {...next.Repositories.cowlab, ...extra};
      writeFileSync(`${file}.tmp`, JSON.stringify(next));
      renameSync(`${file}.tmp`, file);
    };
    const tags = () => store.images.get(id)?.tags.join(',');
    const seen: string[] = [];
    for (const n of [2, 3, 4, 5, 6, 7]) {
      replace({[`cowlab:${n}`]: id});
      if (n % 2)
        await new Promise((r) => setTimeout(r, 2)); // the next one follows at once
      else {
        const start = Date.now();
        while (tags() !== `cowlab:1,cowlab:${n}` && Date.now() - start < 30_000) await new Promise((r) => setTimeout(r, 10));
        seen.push(tags() ?? '');
      }
    }
    expect(seen).toEqual(['cowlab:1,cowlab:2', 'cowlab:1,cowlab:4', 'cowlab:1,cowlab:6']);
    const start = Date.now();
    while (tags() !== 'cowlab:1,cowlab:7' && Date.now() - start < 30_000) await new Promise((r) => setTimeout(r, 10));
    expect(tags()).toBe('cowlab:1,cowlab:7');
    writeFileSync(`${file}.tmp`, original);
    renameSync(`${file}.tmp`, file);
  });
});

describe.skipIf(!canExtract)(`watchStore started after a writable layer was read (${canExtract ? 'extracted' : skipReason})`, () => {
  afterAll(cleanupExtracted);

  it('a file written before the layer is watched still shows, and later writes patch it', async () => {
    const store = openRoot(extractRealStoreA());
    expect(lines(store, 'web1')).not.toContain('A /early.txt'); // the tree is cached from here on
    const upper = store.layers.get(findContainer(store, 'web1')!.rwLayer!)!.dir;
    const batches: StoreEvent[][] = [];
    const watcher = watchStore(store, (events) => batches.push(events));
    // chokidar sets its inotify watches up asynchronously: this write has no event of its own.
    writeFileSync(join(upper, 'early.txt'), 'x');
    try {
      await watcher.ready;
      await nextEvents(batches, (e) => e.kind === 'upper' && e.container === findContainer(store, 'web1')!.id);
      expect(lines(store, 'web1')).toContain('A /early.txt');
      writeFileSync(join(upper, 'late.txt'), 'x');
      await nextEvents(batches, (e) => e.kind === 'upper' && e.path === '/late.txt');
      expect(lines(store, 'web1')).toEqual(expect.arrayContaining(['A /early.txt', 'A /late.txt']));
    } finally {
      await watcher.close();
    }
  });
});

describe.skipIf(!canExtract)(`watchStore started after the store was opened (${canExtract ? 'extracted' : skipReason})`, () => {
  afterAll(cleanupExtracted);

  it('a container that came between opening the store and the watch being in place still shows', async () => {
    const root = extractRealStoreA();
    const web1 = '98b1f504b67f10543133c65a6a6907e87523cd17006948bf882d44ce76b549b2';
    const saved = join(root, 'saved-web1');
    mkdirSync(saved);
    renameSync(join(root, 'containers', web1), join(saved, 'c'));
    const store = openRoot(root);
    expect(findContainer(store, 'web1')).toBeUndefined();
    const batches: StoreEvent[][] = [];
    const watcher = watchStore(store, (events) => batches.push(events));
    // chokidar sets its inotify watches up asynchronously: this has no event of its own.
    renameSync(join(saved, 'c'), join(root, 'containers', web1));
    try {
      await watcher.ready;
      await nextEvents(batches, (e) => e.kind === 'containers' && e.added.includes(web1));
      expect(findContainer(store, 'web1')?.state).toBe('running');
    } finally {
      await watcher.close();
    }
  });
});

describe.skipIf(!canExtract)(`watchStore on a root with no containers (${canExtract ? 'extracted' : skipReason})`, () => {
  afterAll(cleanupExtracted);

  it('is ready, and follows the first container that appears', async () => {
    const root = extractRealStoreA();
    const web1 = '98b1f504b67f10543133c65a6a6907e87523cd17006948bf882d44ce76b549b2';
    const saved = join(root, 'saved-web1');
    mkdirSync(saved);
    // only web1 comes back later; the others go for good
    renameSync(join(root, 'containers', web1), join(saved, 'c'));
    for (const id of ['5ecf1004ef2ac5389a5466e52c1088ff8816063d9e7150669eb8dcb039c34fca', 'c081e3fa965567818f886ff88fbbeba1d5de53301f21fd55264c3a3febd64e07']) {
      rmSync(join(root, 'containers', id), {recursive: true});
    }
    const store = openRoot(root);
    expect(store.containers).toEqual([]);
    const batches: StoreEvent[][] = [];
    const watcher = watchStore(store, (events) => batches.push(events));
    try {
      await Promise.race([watcher.ready, new Promise((_, reject) => setTimeout(() => reject(new Error('watch never ready')), 30_000))]);
      cpSync(join(saved, 'c'), join(root, 'containers', web1), {recursive: true});
      await nextEvents(batches, (e) => e.kind === 'containers' && e.added.includes(web1));
      // its writable layer is watched from now on
      lines(store, 'web1');
      const upper = store.layers.get(findContainer(store, 'web1')!.rwLayer!)!.dir;
      await new Promise((r) => setTimeout(r, 300));
      writeFileSync(join(upper, 'fresh.txt'), 'new\n');
      await nextEvents(batches, (e) => e.kind === 'upper' && e.path === '/fresh.txt');
      expect(lines(store, 'web1')).toContain('A /fresh.txt');
    } finally {
      await watcher.close();
    }
  });
});

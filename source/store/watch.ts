// Live updates of a store: chokidar watches only what changes while the daemon runs (the
// containers' upper dirs and the catalog directories the store's backend names, see
// LayerStore.liveCatalog), and each event is applied in place —
// one re-lstat and a patch of the cached change set, or a re-read of one catalog — never a
// rescan of layer trees. inotify watches are limited, so image layers are not watched.
import {lstatSync, readdirSync} from 'node:fs';
import {dirname, join, relative, sep} from 'node:path';
import {watch, type FSWatcher} from 'chokidar';
import {parseWhiteout} from '../docker/whiteout.js';
import {decodeBytes, hasRawBytes} from '../text/escape.js';
import {splitPath, type LayerNode} from '../tree/entry.js';
import type {Catalog, LiveCatalog} from './backend.js';
import {fsPath} from './confine.js';
import type {Container} from './model.js';
import {Problems} from './problems.js';
import {entryNode, metaFromStats} from './scan.js';
import type {LayerStore} from './store.js';
import {listXattrs, opaqueIn} from './xattr.js';

export type {Catalog} from './backend.js';

export type StoreEvent =
  /** A path in a container's writable layer was added, changed or removed. */
  | {kind: 'upper'; container: string; layer: string; path: string}
  /** Items of a catalog appeared or went away (or changed: state, tags). */
  | {kind: Catalog; added: string[]; removed: string[]};

export interface WatchOptions {
  /** Collect events for this long before applying them (a `docker run` writes several files). */
  settleMs?: number;
}

export interface StoreWatch {
  /** Resolves once the initial scan of the watched directories is done. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Longest stretch of patching before yielding to the event loop. */
const SLICE_MS = 8;
/** Shortest time between two hand-overs of events while a burst is being applied. */
const EMIT_MS = 50;

/**
 * Watch the store's catalog and its containers' writable layers, and call `onEvents` after each
 * batch has been applied to `store`. A store without a live catalog is not watched.
 */
export function watchStore(store: LayerStore, onEvents: (events: StoreEvent[]) => void, opts: WatchOptions = {}): StoreWatch {
  const root = store.root;
  const live: LiveCatalog = store.liveCatalog() ?? {dirs: [], catalogOf: () => undefined, reread: () => undefined};
  // One watcher per writable layer: its `ready` says when that directory is watched (see watchUpper).
  const upperDirs = new Map<string, {c: Container; watcher: FSWatcher; ready: Promise<void>}>();
  const pending = {uppers: new Map<string, {c: Container; path: string}>(), catalogs: new Set<Catalog>()};
  let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  let closed = false;

  const watched = new Set(live.dirs);
  const catalog = watch(live.dirs, {
    ignoreInitial: true,
    atomic: false,
    followSymlinks: false,
    depth: 1,
    ignored: (path) => !watched.has(path) && !live.catalogOf(path),
  });

  const schedule = () => {
    timer ??= setTimeout(flush, opts.settleMs ?? 30);
  };
  // Events of a burst are handed on at most every EMIT_MS: each hand-over makes the UI merge and
  // draw again, which is what would otherwise slow the burst down.
  let outbox: StoreEvent[] = [];
  let lastEmit = 0;
  const flush = () => {
    timer = undefined;
    // A burst (thousands of writes) is applied in slices, so the UI thread never stalls for long.
    const until = performance.now() + SLICE_MS;
    for (const [key, {c, path}] of pending.uppers) {
      pending.uppers.delete(key);
      if (c.rwLayer && patchPath(store, c.rwLayer, path)) outbox.push({kind: 'upper', container: c.id, layer: c.rwLayer, path});
      if (performance.now() > until) break;
    }
    // The next slice right after this turn's I/O callbacks (a timer would wait a whole turn more).
    if (pending.uppers.size) timer = setImmediate(flush);
    else {
      // Layers before images (images name layers), containers before volumes (volumes list users,
      // so a container that comes or goes changes its volumes' users too).
      if (pending.catalogs.has('containers')) pending.catalogs.add('volumes');
      for (const what of ['images', 'containers', 'volumes'] as const) {
        if (pending.catalogs.delete(what)) outbox.push(rereadCatalog(store, live, what));
      }
      syncUpperWatches();
    }
    const now = performance.now();
    if (outbox.length && (!pending.uppers.size || now - lastEmit >= EMIT_MS)) {
      const events = outbox;
      outbox = [];
      lastEmit = now;
      onEvents(events);
    }
  };

  const problems = (err: unknown) => store.problems.fromError(root, err, 'watch');
  const syncUpperWatches = () => {
    const want = new Map(store.containers.filter((c) => c.rwLayer).map((c) => [store.layers.get(c.rwLayer!)!.dir, c]));
    for (const [dir, upper] of upperDirs) {
      if (!want.has(dir)) {
        void upper.watcher.close();
        upperDirs.delete(dir);
      }
    }
    for (const [dir, c] of want) {
      const upper = upperDirs.get(dir);
      if (upper) upper.c = c;
      else upperDirs.set(dir, watchUpper(dir, c));
    }
  };
  // chokidar sets a directory's inotify watch up asynchronously, so what is written into a layer
  // before then (a container's first files, often while the explorer reads it) has no event: once
  // the watch is in place, a tree read before is read again (and kept current from then on).
  const watchUpper = (dir: string, c: Container) => {
    // chokidar keeps track of directories only: a directory's inotify watch reports every change of
    // the files in it (as `raw` events), so a watch per file (chokidar's default, set up while it
    // re-reads the directory) would only cost time in a burst and inotify watches.
    const watcher = watch(dir, {ignoreInitial: true, atomic: false, followSymlinks: false, ignored: (_path, stats) => stats?.isFile() ?? false});
    watcher.on('all', (_event, file) => upperChanged(file));
    onRawPath(watcher, upperChanged);
    watcher.on('error', problems);
    return {c, watcher, ready: once(watcher).then(() => rereadUpper(dir))};
  };
  const rereadUpper = (dir: string) => {
    const upper = upperDirs.get(dir);
    const layer = upper?.c.rwLayer;
    if (closed || !layer || !store.cachedTree(layer)) return;
    store.invalidate(layer);
    store.tree(layer);
    outbox.push({kind: 'upper', container: upper.c.id, layer, path: '/'});
    schedule();
  };

  const upperChanged = (file: string) => {
    for (const [dir, {c}] of upperDirs) {
      if (file !== dir && !file.startsWith(dir + sep)) continue;
      const path = `/${relative(dir, file).split(sep).join('/')}`;
      pending.uppers.set(`${c.id}\0${path}`, {c, path});
      schedule();
      return;
    }
  };
  const catalogChanged = (file: string) => {
    const what = live.catalogOf(file);
    if (!what) return;
    pending.catalogs.add(what);
    schedule();
  };
  // The watchers also act on raw inotify events of their directories: in the upper dirs files
  // (and whiteouts, char devices 0/0, which chokidar does not track) show only that way, and a
  // catalog file Docker replaces by a rename (repositories.json, config.v2.json) is only sure to
  // show as its directory's event. Re-reading is idempotent: double reports are harmless.
  catalog.on('all', (_event, file) => catalogChanged(file));
  onRawPath(catalog, catalogChanged);
  catalog.on('error', problems);

  syncUpperWatches();
  // Likewise what the daemon changed between opening the store and the catalog's watch being in
  // place (the explorer draws its first frame in between) had no event: read the catalogs again.
  const catalogReady = once(catalog).then(() => {
    if (closed || !live.dirs.length) return;
    for (const what of ['images', 'containers', 'volumes'] as const) pending.catalogs.add(what);
    schedule();
  });
  const ready = Promise.all([catalogReady, ...[...upperDirs.values()].map((u) => u.ready)]).then(() => undefined);
  return {
    ready,
    async close() {
      closed = true;
      if (timer) {
        clearTimeout(timer as NodeJS.Timeout);
        clearImmediate(timer as NodeJS.Immediate);
      }
      await Promise.all([catalog.close(), ...[...upperDirs.values()].map((u) => u.watcher.close())]);
    },
  };
}

/**
 * Call `changed` with the path each raw inotify event names. inotify hands over a burst in one
 * tick, so which watched paths are directories is remembered.
 */
function onRawPath(watcher: FSWatcher, changed: (path: string) => void): void {
  const watchedIsDir = new Map<string, boolean>();
  watcher.on('raw', (_event, name, details) => {
    const watched = (details as {watchedPath?: string}).watchedPath;
    if (typeof name !== 'string' || !name || !watched) return;
    let dir = watchedIsDir.get(watched);
    if (dir === undefined) watchedIsDir.set(watched, (dir = isDirectory(watched)));
    changed(dir ? join(watched, name) : watched);
  });
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

function once(w: FSWatcher): Promise<void> {
  return new Promise((resolve) => w.once('ready', () => resolve()));
}

/**
 * Bring the cached change set of layer `id` up to date for one path of its directory: re-lstat the
 * path (and read a directory that is new to the tree), then drop the merged views above the layer.
 * Returns whether anything was cached (an unread layer is read fresh when first shown).
 */
export function patchPath(store: LayerStore, id: string, path: string): boolean {
  const tree = store.cachedTree(id);
  const layer = store.layers.get(id);
  if (!tree || !layer) return false;
  const names = splitPath(path);
  // inotify's names reach us as UTF-8 text: bytes that are not UTF-8 became U+FFFD, so which entry
  // changed is not known. Such a path stands for its directory, whose entries with names that are
  // not UTF-8 are all read again, by their bytes.
  const lossy = names.findIndex((n) => n.includes('\uFFFD'));
  const walk = lossy >= 0 ? names.slice(0, lossy) : names;
  const problems = new Problems();
  let dir = tree;
  let disk = layer.dir;
  let reached = true;
  for (const [i, raw] of walk.entries()) {
    const last = lossy < 0 && i === walk.length - 1;
    // `.wh.NAME` (written by tools that cannot make char devices) deletes NAME.
    const wh = last ? parseWhiteout(raw) : undefined;
    const name = wh?.kind === 'whiteout' ? wh.name : raw;
    disk = join(disk, raw);
    const known = dir.children?.get(name);
    if (!last && known?.children) {
      dir = known;
      continue;
    }
    const fresh = readEntry(disk, name, known, problems, raw !== name);
    if (fresh) (dir.children ??= new Map()).set(name, fresh);
    else dir.children?.delete(name);
    reached = false;
    break;
  }
  if (lossy >= 0 && reached) rereadRawNames(dir, disk, problems);
  if (names.length === 0) readRootMeta(tree, layer.dir, problems);
  for (const p of problems.list) store.problems.add(p.item, p.message);
  store.forgetViews(id);
  return true;
}

/** Read again, by their bytes, the entries of a directory whose names are not UTF-8 (gone: dropped). */
function rereadRawNames(dir: LayerNode, disk: string, problems: Problems): void {
  let entries: Buffer[];
  try {
    entries = readdirSync(fsPath(disk), {encoding: 'buffer'});
  } catch (err) {
    problems.fromError(disk, err, 'read');
    return;
  }
  const present = new Set<string>();
  for (const bytes of entries) {
    const name = decodeBytes(bytes);
    if (!hasRawBytes(name)) continue;
    present.add(name);
    const fresh = readEntry(join(disk, name), name, dir.children?.get(name), problems, false);
    if (fresh) (dir.children ??= new Map()).set(name, fresh);
  }
  for (const name of [...(dir.children?.keys() ?? [])]) if (hasRawBytes(name) && !present.has(name)) dir.children!.delete(name);
}

/** The entry for `disk` as a change set holds it: a whiteout, a file, or a directory (read whole when new). */
function readEntry(disk: string, name: string, known: LayerNode | undefined, problems: Problems, whiteoutFile: boolean): LayerNode | undefined {
  let st;
  try {
    st = lstatSync(fsPath(disk));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') problems.fromError(disk, err, 'stat');
    // A removed `.wh.NAME` uncovers whatever NAME is now in the directory.
    return whiteoutFile ? readEntry(join(dirname(disk), name), name, undefined, problems, false) : undefined;
  }
  if (whiteoutFile) return {name, meta: metaFromStats(st), whiteout: true};
  if (st.isDirectory() && known?.children) {
    // A directory we hold already: its entries get their own events.
    known.meta = metaFromStats(st);
    if (opaqueIn(disk, listXattrs(disk))) known.opaque = true;
    return known;
  }
  return entryNode(fsPath(disk), name, st, problems, {overlay: true});
}

function readRootMeta(tree: LayerNode, dir: string, problems: Problems): void {
  try {
    tree.meta = metaFromStats(lstatSync(dir));
  } catch (err) {
    problems.fromError(dir, err, 'stat');
  }
}

/** Re-read one catalog into the store (the backend's reread) and say what came and went. */
export function rereadCatalog(store: LayerStore, live: LiveCatalog, what: Catalog): StoreEvent {
  const problems = new Problems();
  const ids = () =>
    what === 'images' ? [...store.images.keys()] : what === 'containers' ? store.containers.map((c) => c.id) : store.volumes.map((v) => v.name);
  const before = ids();
  const dirsBefore = new Set([...store.layers.values()].map((l) => l.dir));
  live.reread(what, problems);
  const after = ids();
  // Problems about what this catalog re-read are replaced by the fresh ones: none stays about a
  // file that was fixed or an object that is gone (nor about the directory of a layer gone with it).
  for (const l of store.layers.values()) dirsBefore.delete(l.dir);
  const under = (item: string, dir: string) => item === dir || item.startsWith(`${dir}/`);
  const owner = (item: string): Catalog | undefined => {
    let best: string | undefined;
    for (const d of live.dirs) if (under(item, d) && (best === undefined || d.length > best.length)) best = d;
    return best === undefined ? undefined : live.catalogOf(best);
  };
  const stale = (item: string) => owner(item) === what || [...dirsBefore].some((d) => under(item, d));
  const kept = store.problems.list.filter((p) => !stale(p.item));
  store.problems.list.length = 0;
  for (const p of kept) store.problems.list.push(p);
  const known = new Set(kept.map((p) => `${p.item}\0${p.message}`));
  for (const p of problems.list) if (!known.has(`${p.item}\0${p.message}`)) store.problems.add(p.item, p.message);
  const had = new Set(before);
  const has = new Set(after);
  return {kind: what, added: after.filter((x) => !had.has(x)), removed: before.filter((x) => !has.has(x))};
}

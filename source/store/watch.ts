// Live updates of a Docker root: chokidar watches only what changes while Docker runs (the
// containers' upper dirs and the catalog directories), and each event is applied in place —
// one re-lstat and a patch of the cached change set, or a re-read of one catalog — never a
// rescan of layer trees. inotify watches are limited, so image layers are not watched.
import {lstatSync} from 'node:fs';
import {basename, dirname, join, relative, sep} from 'node:path';
import {watch, type FSWatcher} from 'chokidar';
import {splitPath, type LayerNode} from '../tree/entry.js';
import {readContainers} from './containers.js';
import {readImages} from './imagedb.js';
import {readLayerDb} from './layerdb.js';
import type {Container} from './model.js';
import {Problems} from './problems.js';
import {entryNode, metaFromStats} from './scan.js';
import type {DockerStore} from './store.js';
import {readVolumeMetadata} from './volume-metadata.js';
import {readVolumes} from './volumes.js';
import {listXattrs, opaqueIn} from './xattr.js';

export type Catalog = 'containers' | 'images' | 'volumes';

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

const CONTAINER_FILES = new Set(['config.v2.json', 'hostconfig.json']);
/** Longest stretch of patching before yielding to the event loop. */
const SLICE_MS = 8;
/** Shortest time between two hand-overs of events while a burst is being applied. */
const EMIT_MS = 50;
const WH_PREFIX = '.wh.';

/** Watch `store.root` and call `onEvents` after each batch has been applied to `store`. */
export function watchStore(store: DockerStore, onEvents: (events: StoreEvent[]) => void, opts: WatchOptions = {}): StoreWatch {
  const root = store.root;
  const image = join(root, 'image', store.driver);
  const containersDir = join(root, 'containers');
  const mountsDir = join(image, 'layerdb', 'mounts');
  const upperDirs = new Map<string, Container>();
  const pending = {uppers: new Map<string, {c: Container; path: string}>(), catalogs: new Set<Catalog>()};
  let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;

  const catalog = watch(
    // repositories.json through its directory: Docker replaces it by a rename each time, and a
    // watch on the file itself follows the old inode.
    [containersDir, mountsDir, join(image, 'imagedb', 'content', 'sha256'), join(image, 'layerdb', 'sha256'), image, join(root, 'volumes')],
    {ignoreInitial: true, atomic: false, followSymlinks: false, depth: 1, ignored: (path) => ignoredCatalogPath(root, image, path)},
  );
  // In the upper dirs chokidar keeps track of directories only: a directory's inotify watch reports
  // every change of the files in it (as `raw` events), so a watch per file (chokidar's default,
  // set up while it re-reads the directory) would only cost time in a burst and inotify watches.
  const uppers = watch([], {ignoreInitial: true, atomic: false, followSymlinks: false, ignored: (_path, stats) => stats?.isFile() ?? false});

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
        if (pending.catalogs.delete(what)) outbox.push(rereadCatalog(store, what));
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

  const syncUpperWatches = () => {
    const want = new Map(store.containers.filter((c) => c.rwLayer).map((c) => [store.layers.get(c.rwLayer!)!.dir, c]));
    for (const dir of upperDirs.keys()) {
      if (!want.has(dir)) {
        uppers.unwatch(dir);
        upperDirs.delete(dir);
      }
    }
    for (const [dir, c] of want) {
      if (!upperDirs.has(dir)) uppers.add(dir);
      upperDirs.set(dir, c);
    }
  };

  const upperChanged = (file: string) => {
    for (const [dir, c] of upperDirs) {
      if (file !== dir && !file.startsWith(dir + sep)) continue;
      const path = `/${relative(dir, file).split(sep).join('/')}`;
      pending.uppers.set(`${c.id}\0${path}`, {c, path});
      schedule();
      return;
    }
  };
  const catalogChanged = (file: string) => {
    const what = catalogOf(root, image, file);
    if (!what || ignoredCatalogPath(root, image, file)) return;
    pending.catalogs.add(what);
    schedule();
  };
  // Both watchers also act on raw inotify events of their directories: in the upper dirs files
  // (and whiteouts, char devices 0/0, which chokidar does not track) show only that way, and a
  // catalog file Docker replaces by a rename (repositories.json, config.v2.json) is only sure to
  // show as its directory's event. Re-reading is idempotent: double reports are harmless.
  for (const [watcher, changed] of [[uppers, upperChanged], [catalog, catalogChanged]] as const) {
    watcher.on('all', (_event, file) => changed(file));
    onRawPath(watcher, changed);
  }
  const problems = (err: unknown) => store.problems.fromError(root, err, 'watch');
  catalog.on('error', problems);
  uppers.on('error', problems);

  syncUpperWatches();
  // chokidar says `ready` only once it was given paths: a root with no containers has none yet.
  const ready = Promise.all([once(catalog), upperDirs.size ? once(uppers) : undefined]).then(() => undefined);
  return {
    ready,
    async close() {
      if (timer) {
        clearTimeout(timer as NodeJS.Timeout);
        clearImmediate(timer as NodeJS.Immediate);
      }
      await Promise.all([catalog.close(), uppers.close()]);
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

/** Which catalog a changed path under the root belongs to. */
function catalogOf(root: string, image: string, file: string): Catalog | undefined {
  if (file.startsWith(join(root, 'containers')) || file.startsWith(join(image, 'layerdb', 'mounts'))) return 'containers';
  if (file.startsWith(join(root, 'volumes'))) return 'volumes';
  if (file.startsWith(image)) return 'images';
  return undefined;
}

/** Paths the catalog watcher skips (each rule says why). */
function ignoredCatalogPath(root: string, image: string, path: string): boolean {
  const parent = dirname(path);
  // In the image directory only repositories.json (its subdirectories are watched on their own).
  if (parent === image) return basename(path) !== 'repositories.json';
  if (dirname(parent) === join(root, 'containers')) return !CONTAINER_FILES.has(basename(path));
  // volumes/<name>/_data belongs to the volume, not to the catalog.
  if (dirname(parent) === join(root, 'volumes')) return true;
  // layerdb/sha256/<chain id>/ is written whole before the image that needs it.
  return dirname(parent) === join(image, 'layerdb', 'sha256');
}

/**
 * Bring the cached change set of layer `id` up to date for one path of its directory: re-lstat the
 * path (and read a directory that is new to the tree), then drop the merged views above the layer.
 * Returns whether anything was cached (an unread layer is read fresh when first shown).
 */
export function patchPath(store: DockerStore, id: string, path: string): boolean {
  const tree = store.cachedTree(id);
  const layer = store.layers.get(id);
  if (!tree || !layer) return false;
  const names = splitPath(path);
  const problems = new Problems();
  let dir = tree;
  let disk = layer.dir;
  for (const [i, raw] of names.entries()) {
    const last = i === names.length - 1;
    // `.wh.NAME` (written by tools that cannot make char devices) deletes NAME.
    const name = last && raw.startsWith(WH_PREFIX) ? raw.slice(WH_PREFIX.length) : raw;
    disk = join(disk, raw);
    const known = dir.children?.get(name);
    if (!last && known?.children) {
      dir = known;
      continue;
    }
    const fresh = readEntry(disk, name, known, problems, raw !== name);
    if (fresh) (dir.children ??= new Map()).set(name, fresh);
    else dir.children?.delete(name);
    break;
  }
  if (names.length === 0) readRootMeta(tree, layer.dir, problems);
  for (const p of problems.list) store.problems.add(p.item, p.message);
  store.forgetViews(id);
  return true;
}

/** The entry for `disk` as a change set holds it: a whiteout, a file, or a directory (read whole when new). */
function readEntry(disk: string, name: string, known: LayerNode | undefined, problems: Problems, whiteoutFile: boolean): LayerNode | undefined {
  let st;
  try {
    st = lstatSync(disk);
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
  return entryNode(disk, name, st, problems, {overlay: true});
}

function readRootMeta(tree: LayerNode, dir: string, problems: Problems): void {
  try {
    tree.meta = metaFromStats(lstatSync(dir));
  } catch (err) {
    problems.fromError(dir, err, 'stat');
  }
}

/** Re-read one catalog (its small JSON records only) into the store, keeping cached trees. */
export function rereadCatalog(store: DockerStore, what: Catalog): StoreEvent {
  const problems = new Problems();
  const {root, driver} = store;
  let before: string[];
  let after: string[];
  if (what === 'images') {
    before = [...store.images.keys()];
    const fresh = readLayerDb(root, driver, problems);
    for (const [id, layer] of [...store.layers]) {
      if (layer.kind !== 'image' || fresh.has(id)) continue;
      store.invalidate(id);
      store.layers.delete(id);
    }
    for (const [id, layer] of fresh) store.layers.set(id, layer);
    const images = readImages(root, driver, store.layers, problems);
    store.images.clear();
    for (const [id, image] of images) store.images.set(id, image);
    after = [...images.keys()];
  } else if (what === 'containers') {
    before = store.containers.map((c) => c.id);
    const fresh = readContainers(root, driver, store.layers, problems);
    const live = new Set(fresh.map((c) => c.id));
    for (const c of store.containers) {
      if (live.has(c.id)) continue;
      for (const id of [c.rwLayer, c.initLayer]) {
        if (!id) continue;
        store.invalidate(id);
        store.layers.delete(id);
      }
    }
    store.containers.splice(0, store.containers.length, ...fresh);
    after = fresh.map((c) => c.id);
  } else {
    before = store.volumes.map((v) => v.name);
    const meta = readVolumeMetadata(root);
    for (const message of meta.problems) problems.add(join(root, 'volumes', 'metadata.db'), message);
    const fresh = readVolumes(root, store.containers, meta.volumes, problems);
    store.volumes.splice(0, store.volumes.length, ...fresh);
    after = fresh.map((v) => v.name);
  }
  const known = new Set(store.problems.list.map((p) => `${p.item}\0${p.message}`));
  for (const p of problems.list) if (!known.has(`${p.item}\0${p.message}`)) store.problems.add(p.item, p.message);
  return {kind: what, added: after.filter((x) => !before.includes(x)), removed: before.filter((x) => !after.includes(x))};
}

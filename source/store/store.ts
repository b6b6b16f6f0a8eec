// Stores: layers, images, containers and volumes of a source (a Docker data root, an archive),
// with file trees read lazily and once per layer, and merged views cached once per layer chain.
import {existsSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {changes, statDifferent, type Change} from '../tree/changes.js';
import type {LayerNode, MergedNode} from '../tree/entry.js';
import {attributeFull, emptyRoot, mergeLayer} from '../tree/merge.js';
import {readContainers} from './containers.js';
import {readImages} from './imagedb.js';
import {readLayerDb, type Driver} from './layerdb.js';
import type {Container, Image, Layer, Volume} from './model.js';
import {Problems, type Problem} from './problems.js';
import {scanLayerDir} from './scan.js';
import {parallelScanAvailable, scanParallel} from './scan-pool.js';
import {readVolumes, type VolumeMeta} from './volumes.js';
import {canReadTrusted, readXattr, TRUSTED_HIDDEN_NOTICE} from './xattr.js';

export const DRIVERS: Driver[] = ['overlay2', 'vfs'];

export abstract class LayerStore {
  readonly problems = new Problems();
  readonly notices: string[] = [];
  abstract readonly root: string;
  abstract readonly images: Map<string, Image>;
  abstract readonly layers: Map<string, Layer>;
  abstract readonly containers: Container[];
  abstract readonly volumes: Volume[];
  private readonly trees = new Map<string, LayerNode>();
  private readonly views = new Map<string, MergedNode>();

  /** Read one layer's files: a change set with overlay rules, or a full tree when `layer.full`. */
  protected abstract loadTree(layer: Layer): LayerNode;

  /** Where a layer's file is on disk, when it is on disk (for xattrs and contents). */
  protected filePath(layer: Layer, path: string): string | undefined {
    return join(layer.dir, path);
  }

  get problemList(): Problem[] {
    return this.problems.list;
  }

  /** The layers from the bottom up to `id`, following parent links. */
  chain(id: string): Layer[] {
    const out: Layer[] = [];
    const seen = new Set<string>();
    for (let layer = this.layers.get(id); layer; layer = layer.parent ? this.layers.get(layer.parent) : undefined) {
      if (seen.has(layer.id)) {
        this.problems.add(layer.id, 'layer parent links form a loop');
        break;
      }
      seen.add(layer.id);
      out.unshift(layer);
    }
    return out;
  }

  /** The layer's own files (read once). An unreadable layer becomes a problem and an empty tree. */
  tree(id: string): LayerNode {
    let tree = this.trees.get(id);
    if (tree) return tree;
    const layer = this.layers.get(id);
    if (!layer) throw new Error(`no layer ${id}`);
    try {
      tree = this.loadTree(layer);
    } catch (err) {
      this.problems.fromError(layer.dir, err, `read layer ${shortId(layer.id)}`);
      tree = {name: '', meta: emptyRoot().meta, children: new Map()};
    }
    this.trees.set(id, tree);
    return tree;
  }

  /** The merged view with `id` as the top layer (undefined: the empty tree). */
  merged(id: string | undefined): MergedNode {
    if (id === undefined) return EMPTY;
    const cached = this.views.get(id);
    if (cached) return cached;
    let view = EMPTY;
    this.chain(id).forEach((layer, index) => {
      const known = this.views.get(layer.id);
      if (known) view = known;
      else {
        view = layer.full ? attributeFull(view, this.tree(layer.id), index, sameFullEntry) : mergeLayer(view, this.tree(layer.id), index);
        this.views.set(layer.id, view);
      }
    });
    return view;
  }

  /** What layer `id` changed over the layer below it, with Docker's rules. */
  layerChanges(id: string): Change[] {
    return this.diff(this.layers.get(id)?.parent, id);
  }

  /** `docker diff CONTAINER`: the writable layer against the init layer's merged view. */
  containerChanges(c: Container): Change[] {
    return c.rwLayer ? this.layerChanges(c.rwLayer) : [];
  }

  /** Changes between the views topped by two layers (undefined: the empty tree). */
  diff(older: string | undefined, newer: string | undefined): Change[] {
    const olderChain = older ? this.chain(older) : [];
    const newerChain = newer ? this.chain(newer) : [];
    // Docker compares `security.capability` too; read it only where the stats are equal.
    const sameCapability = (o: MergedNode, n: MergedNode, path: string): boolean => {
      const lo = olderChain[o.layer];
      const ln = newerChain[n.layer];
      if (o.meta.kind !== 'file' || !lo || !ln || lo === ln) return true;
      const pa = this.filePath(lo, path);
      const pb = this.filePath(ln, path);
      const a = pa ? readXattr(pa, 'security.capability') : undefined;
      const b = pb ? readXattr(pb, 'security.capability') : undefined;
      return a === b || (a !== undefined && b !== undefined && a.equals(b));
    };
    return changes(this.merged(older), this.merged(newer), sameCapability);
  }

  /** Forget the cached tree of a layer and the views of every chain containing it. */
  invalidate(id: string): void {
    this.trees.delete(id);
    this.forgetViews(id);
  }

  /** Take a tree scanned elsewhere (a worker thread) as the layer's cached tree. */
  protected adoptTree(id: string, tree: LayerNode): void {
    this.trees.set(id, tree);
  }

  imageOf(c: Container): Image | undefined {
    return this.images.get(c.imageId);
  }

  // Live updates and file contents (the explorer's watcher patches cached trees in place).

  /** The layer's tree if it was read already; never reads it. */
  cachedTree(id: string): LayerNode | undefined {
    return this.trees.get(id);
  }

  /** Forget the merged views of every chain containing `id` but keep its tree (patched in place). */
  forgetViews(id: string): void {
    // The chains containing `id` are its own and those of the layers above it.
    const doomed = [id];
    for (let i = 0; i < doomed.length; i++) {
      for (const layer of this.layers.values()) if (layer.parent === doomed[i]) doomed.push(layer.id);
    }
    for (const d of doomed) this.views.delete(d);
  }

  /** Where a layer's file is on disk, when it is on disk (public face of `filePath`). */
  diskPath(id: string, path: string): string | undefined {
    const layer = this.layers.get(id);
    return layer ? this.filePath(layer, path) : undefined;
  }
}

export interface StoreOptions {
  /** Labels and options of volumes (from `volumes/metadata.db`). */
  volumeMeta?: (root: string, problems: Problems) => Map<string, VolumeMeta>;
}

/** A Docker data root (overlay2 or vfs driver), read-only. */
export class DockerStore extends LayerStore {
  readonly driver: Driver;
  readonly images: Map<string, Image>;
  readonly layers: Map<string, Layer>;
  readonly containers: Container[];
  readonly volumes: Volume[];

  constructor(readonly root: string, opts: StoreOptions = {}) {
    super();
    const st = statSync(root); // a root that cannot be read at all is an error, not a problem
    if (!st.isDirectory()) throw new Error(`${root}: not a directory`);
    this.driver = detectDriver(root, this.notices);
    this.layers = readLayerDb(root, this.driver, this.problems);
    this.images = readImages(root, this.driver, this.layers, this.problems);
    this.containers = readContainers(root, this.driver, this.layers, this.problems);
    const meta = opts.volumeMeta?.(root, this.problems) ?? new Map<string, VolumeMeta>();
    this.volumes = readVolumes(root, this.containers, meta, this.problems);
    if (this.driver === 'overlay2' && !canReadTrusted) this.notices.push(TRUSTED_HIDDEN_NOTICE);
  }

  protected loadTree(layer: Layer): LayerNode {
    return scanLayerDir(layer.dir, this.problems, {overlay: !layer.full});
  }

  /**
   * Read every layer not read yet, on both cores when the compiled worker is available. With
   * `background`, only the worker reads, so this thread stays free for the UI.
   */
  async indexAll(opts: {background?: boolean; signal?: AbortSignal; onProgress?: (done: number, total: number) => void} = {}): Promise<void> {
    // Bottom layers first: the ones most images share are ready soonest.
    const depth = new Map([...this.layers.keys()].map((id) => [id, this.chain(id).length]));
    const todo = [...this.layers.values()].filter((l) => !this.cachedTree(l.id)).sort((a, b) => depth.get(a.id)! - depth.get(b.id)!);
    let done = 0;
    const ready = (): void => opts.onProgress?.(++done, todo.length);
    if (!parallelScanAvailable() || (todo.length < 2 && !opts.background)) {
      for (const layer of todo) {
        this.tree(layer.id);
        ready();
      }
      return;
    }
    const here = (i: number) => {
      this.tree(todo[i]!.id);
      ready();
    };
    await scanParallel(todo.map((l) => ({dir: l.dir, overlay: !l.full})), opts.background ? undefined : here, (i, r) => {
      const layer = todo[i]!;
      if (opts.signal?.aborted) return;
      if (!this.cachedTree(layer.id)) {
        for (const p of r.problems) this.problems.add(p.item, p.message);
        if (r.tree) this.adoptTree(layer.id, r.tree);
        else this.tree(layer.id); // the worker could not read it: read it here, reporting why
      }
      ready();
    }, opts.signal);
  }
}

const EMPTY = emptyRoot();

/** Full-copy layers keep the lower entry when nothing Docker compares differs. */
function sameFullEntry(a: MergedNode, b: LayerNode): boolean {
  return !statDifferent(a.meta, b.meta) && a.meta.target === b.meta.target;
}

function detectDriver(root: string, notices: string[]): Driver {
  const present = DRIVERS.filter((d) => existsSync(join(root, 'image', d)));
  if (present.length > 1) notices.push(`several storage drivers found (${present.join(', ')}); reading ${present[0]}`);
  return present[0] ?? 'overlay2';
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

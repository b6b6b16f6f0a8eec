// The Docker data root's store (and the base of the stores whose layers are directories). Every
// store is a LayerStore (layer-store.ts).
import {statSync} from 'node:fs';
import {join} from 'node:path';
import type {Change} from '../tree/changes.js';
import type {LayerNode} from '../tree/entry.js';
import {upperChanges} from '../tree/upper-changes.js';
import {readContainers} from './containers.js';
import {readImages} from './imagedb.js';
import {DRIVER_SPECS, DRIVERS, isDriver} from './drivers.js';
import {listDir} from './files.js';
import {readLayerDb, type Driver} from './layerdb.js';
import type {Container, Image, Layer, Volume} from './model.js';
import {readPlugins} from './plugins.js';
import type {LiveCatalog} from './backend.js';
import {dockerLiveCatalog} from './docker-live.js';
import {insideDir} from './confine.js';
import {LayerStore} from './layer-store.js';
import {Problems} from './problems.js';
import {scanLayerDir} from './scan.js';
import {parallelScanAvailable, scanParallel} from './scan-pool.js';
import {readVolumes, type VolumeMeta} from './volumes.js';
import {swarmNotice} from './swarm/volumes.js';
import {overlayXattrNotice} from './xattr.js';

export {LayerStore};

export interface StoreOptions {
  /** Labels and options of volumes (from `volumes/metadata.db`). */
  volumeMeta?: (root: string, problems: Problems) => Map<string, VolumeMeta>;
  /** The key-encryption key of an autolocked swarm, for its cluster volumes. */
  swarmUnlockKey?: Buffer;
}

/** A store whose layers are directories on disk (change sets with overlay rules, or full copies). */
export abstract class DirStore extends LayerStore {
  protected loadTree(layer: Layer): LayerNode {
    return scanLayerDir(insideDir(this.layerRoot(layer), layer.dir), this.problems, {overlay: !layer.full});
  }

  /** The layer's directory resolved inside the root, or undefined (reading it records why not). */
  private confinedDir(layer: Layer): string | undefined {
    try {
      return insideDir(this.layerRoot(layer), layer.dir);
    } catch {
      this.tree(layer.id);
      return undefined;
    }
  }

  /**
   * Read every layer not read yet, on both cores when the compiled worker is available. With
   * `background`, only the worker reads, so this thread stays free for the UI.
   */
  async indexAll(opts: {background?: boolean; signal?: AbortSignal; onProgress?: (done: number, total: number) => void} = {}): Promise<void> {
    // Bottom layers first: the ones most images share are ready soonest.
    const depth = new Map([...this.layers.keys()].map((id) => [id, this.chain(id).length]));
    const dirs = new Map<string, string>();
    for (const l of this.layers.values()) {
      const dir = this.cachedTree(l.id) || l.unavailable || this.statements.has(l.id) ? undefined : this.confinedDir(l);
      if (dir !== undefined) dirs.set(l.id, dir);
    }
    const todo = [...this.layers.values()].filter((l) => dirs.has(l.id)).sort((a, b) => depth.get(a.id)! - depth.get(b.id)!);
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
    await scanParallel(
      todo.map((l) => ({dir: dirs.get(l.id)!, overlay: !l.full})),
      opts.background ? undefined : here,
      (i, r) => {
        const layer = todo[i]!;
        if (opts.signal?.aborted) return;
        if (!this.cachedTree(layer.id)) {
          for (const p of r.problems) this.problems.add(p.item, p.message);
          if (r.tree) this.adoptTree(layer.id, r.tree);
          else this.tree(layer.id); // the worker could not read it: read it here, reporting why
        }
        ready();
      },
      opts.signal,
    );
  }
}

/** A Docker data root (any driver of drivers.ts), read-only. */
export class DockerStore extends DirStore {
  readonly kind = 'docker';
  readonly driver: Driver;
  readonly images: Map<string, Image>;
  readonly layers: Map<string, Layer>;
  readonly containers: Container[];
  readonly volumes: Volume[];

  constructor(
    readonly root: string,
    readonly opts: StoreOptions = {},
  ) {
    super();
    const st = statSync(root); // a root that cannot be read at all is an error, not a problem
    if (!st.isDirectory()) throw new Error(`${root}: not a directory`);
    this.driver = detectDriver(root, this.notices);
    this.layers = readLayerDb(root, this.driver, this.problems);
    this.images = readImages(root, this.driver, this.layers, this.problems);
    this.containers = readContainers(root, this.driver, this.layers, this.problems, undefined, this.images);
    const meta = opts.volumeMeta?.(root, this.problems) ?? new Map<string, VolumeMeta>();
    for (const p of readPlugins(root, this.problems)) this.plugins.push(p);
    this.volumes = readVolumes(root, this.containers, meta, this.problems, this.plugins, opts.swarmUnlockKey);
    const swarm = swarmNotice(root);
    if (swarm) this.notices.push(swarm);
    const xattrNotice = this.driver === 'overlay2' ? overlayXattrNotice() : undefined;
    if (xattrNotice) this.notices.push(xattrNotice);
    const notice = DRIVER_SPECS[this.driver].notice;
    if (notice) this.notices.push(notice);
  }

  /** Docker's aufs driver lists a layer's changes by walking its own directory (moby archive.Changes). */
  override layerChanges(id: string): Change[] {
    const style = DRIVER_SPECS[this.driver].upper;
    const chain = this.chain(id);
    if (!style || chain.length === 0) return super.layerChanges(id);
    const lowers = chain
      .slice(0, -1)
      .reverse()
      .map((l) => this.tree(l.id));
    return upperChanges(this.tree(id), lowers, chain.length - 1, this.merged(chain.at(-2)?.id), style);
  }

  override get label(): string {
    return `docker ${this.driver}`;
  }

  override liveCatalog(): LiveCatalog {
    return dockerLiveCatalog(this);
  }
}

/** Cluster (CSI) volumes are swarm objects: they live in the raft store, not in volumes/metadata.db. */
/** The driver of `image/<driver>`; one we cannot read is an error naming what was found. */
function detectDriver(root: string, notices: string[]): Driver {
  const found = listDir(join(root, 'image'), new Problems()).filter((d) => statSync(join(root, 'image', d), {throwIfNoEntry: false})?.isDirectory());
  const known = found.filter(isDriver);
  const unknown = found.filter((d) => !isDriver(d));
  if (known.length === 0 && unknown.length > 0) {
    throw new Error(
      `${root}: image/${unknown.join(', image/')}: storage driver ${unknown.join(', ')} is not one layerscope reads (it reads ${DRIVERS.join(', ')})`,
    );
  }
  if (known.length > 1) notices.push(`several storage drivers found (${known.join(', ')}); reading ${known[0]}`);
  if (unknown.length > 0) notices.push(`image/${unknown.join(', image/')} ignored: not a storage driver layerscope reads`);
  return known[0] ?? 'overlay2';
}

// The seam between the commands / explorer and each kind of store (the model is moby's graphdriver
// / containerd's snapshotter split): a backend detects its kind of store from a path and opens it
// as a LayerStore (catalog: images, layers, containers, volumes; `loadTree` for a layer's files).
// Detection over every backend is in detect.ts; the list of backends is in backends.ts.
import type {Problems} from './problems.js';
import type {LayerStore} from './store.js';

/** Options some backends need beyond the path (all optional; CLI flags fill them). */
export interface OpenOptions {
  /** containerd's root, for a Docker root that uses the containerd image store (default /var/lib/containerd). */
  containerdRoot?: string;
  /** The containerd namespace to read (containerd roots). */
  namespace?: string;
  /** `os/arch[/variant]` to read from image indexes (archives, layouts); the host's by default. */
  platform?: string;
  /** The key-encryption key of an autolocked swarm (from its unlock key), for its cluster volumes. */
  swarmUnlockKey?: Buffer;
}

export interface Backend {
  /**
   * The kind of store `path` is for this backend (e.g. `docker`, `containerd`), or undefined.
   * Cheap: a few stats and names, no parsing; it must never throw.
   */
  detect(path: string): string | undefined;
  /** Open `path`, which `detect` said is of `kind`. Errors that leave nothing to show throw. */
  open(path: string, kind: string, opts: OpenOptions): LayerStore | Promise<LayerStore>;
  /** Kinds with a line each for the README / --help: kind → how it is detected. */
  kinds: Record<string, string>;
}

export type Catalog = 'containers' | 'images' | 'volumes';

/** What the live watcher follows for a store's catalog, and how the store re-reads it. */
export interface LiveCatalog {
  /** Directories to watch (each and its entries one level down): catalog files live in them. */
  dirs: string[];
  /** Which catalog a changed path under `dirs` belongs to; undefined: not a catalog file (ignored). */
  catalogOf(path: string): Catalog | undefined;
  /** Re-read one catalog into the store, keeping the cached trees of layers that stay. */
  reread(what: Catalog, problems: Problems): void;
}

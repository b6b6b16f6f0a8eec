// What the live watcher follows in a Docker root (image/<driver>/{repositories.json, imagedb,
// layerdb}, containers/<id>/{config.v2.json,hostconfig.json}, volumes/) and how each catalog is
// re-read: small JSON records only, cached layer trees kept.
import {basename, dirname, join} from 'node:path';
import type {Catalog, LiveCatalog} from './backend.js';
import {readContainers} from './containers.js';
import {readImages} from './imagedb.js';
import {readLayerDb} from './layerdb.js';
import {replaceContainers, replaceImageLayers, replaceMap} from './live-swap.js';
import type {Problems} from './problems.js';
import type {DockerStore} from './store.js';
import {readVolumes, type VolumeMeta} from './volumes.js';

const CONTAINER_FILES = new Set(['config.v2.json', 'hostconfig.json']);

export function dockerLiveCatalog(store: DockerStore): LiveCatalog {
  const {root, driver} = store;
  const image = join(root, 'image', driver);
  return {
    // repositories.json through its directory: Docker replaces it by a rename each time, and a
    // watch on the file itself follows the old inode.
    dirs: [
      join(root, 'containers'),
      join(image, 'layerdb', 'mounts'),
      join(image, 'imagedb', 'content', 'sha256'),
      join(image, 'layerdb', 'sha256'),
      image,
      join(root, 'volumes'),
    ],
    catalogOf: (path) => (ignoredCatalogPath(root, image, path) ? undefined : catalogOf(root, image, path)),
    reread(what, problems) {
      if (what === 'images') {
        const fresh = readLayerDb(root, driver, problems);
        replaceImageLayers(store, fresh);
        replaceMap(store.images, readImages(root, driver, store.layers, problems));
      } else if (what === 'containers') {
        replaceContainers(store, readContainers(root, driver, store.layers, problems, undefined, store.images));
      } else {
        rereadDockerVolumes(store, problems);
      }
    },
  };
}

/** Volumes of a Docker data root (`volumes/`), with the store's volume metadata reader. */
export function rereadDockerVolumes(store: DockerStore, problems: Problems): void {
  const meta = store.opts.volumeMeta?.(store.root, problems) ?? new Map<string, VolumeMeta>();
  const fresh = readVolumes(store.root, store.containers, meta, problems, store.plugins, store.opts.swarmUnlockKey);
  store.volumes.length = 0;
  for (const v of fresh) store.volumes.push(v); // no spread: there may be 100k+
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

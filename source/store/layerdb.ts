// Image layers from `image/<driver>/layerdb`, and their directories in the driver's store.
import {lstatSync, readlinkSync} from 'node:fs';
import {join} from 'node:path';
import {HEX64, inside, insideDir} from './confine.js';
import {RootFiles} from './files.js';
import {DRIVER_SPECS, type Driver} from './drivers.js';
import type {Layer} from './model.js';
import type {Problems} from './problems.js';

export type {Driver} from './drivers.js';

/** A layer record's directory fields for a driver. */
export function layerFiles(root: string, driver: Driver, cacheId: string): Pick<Layer, 'dir' | 'full' | 'unavailable'> {
  const spec = DRIVER_SPECS[driver];
  return {dir: spec.dir(root, cacheId), full: spec.full, unavailable: spec.unavailable?.(root, cacheId)};
}

export function readLayerDb(root: string, driver: Driver, problems: Problems): Map<string, Layer> {
  const base = join(root, 'image', driver, 'layerdb', 'sha256');
  const layers = new Map<string, Layer>();
  const files = new RootFiles(root, problems);
  for (const hex of files.list(base, HEX64)) {
    const dir = join(base, hex);
    const cacheId = files.id(join(dir, 'cache-id'));
    if (!cacheId) {
      problems.leftOut.add(hex);
      continue;
    }
    const sizeText = files.optionalText(join(dir, 'size'))?.trim();
    const size = sizeText !== undefined && /^\d+$/.test(sizeText) ? Number(sizeText) : undefined;
    if (sizeText !== undefined && size === undefined) problems.add(join(dir, 'size'), `invalid size ${JSON.stringify(sizeText)}`);
    const layer: Layer = {
      id: `sha256:${hex}`,
      kind: 'image',
      diffId: files.text(join(dir, 'diff'))?.trim(),
      parent: files.optionalText(join(dir, 'parent'))?.trim() || undefined,
      cacheId,
      ...layerFiles(root, driver, cacheId),
      size,
      images: [],
    };
    checkLayerDir(files, driver, layer);
    layers.set(layer.id, layer);
  }
  return layers;
}

/** Report a missing, escaping or non-directory layer directory or a dangling overlay2 `lower` link, naming it. */
export function checkLayerDir(files: RootFiles, driver: Driver, layer: Layer): void {
  const {root, problems} = files;
  if (layer.unavailable) return;
  try {
    insideDir(root, layer.dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') problems.add(layer.dir, `layer directory missing for ${layer.id} (cache id ${layer.cacheId})`);
    else files.fail(layer.dir, err, `open the directory of layer ${layer.id}`);
    return;
  }
  if (driver !== 'overlay2') return;
  const lower = files.optionalText(join(root, 'overlay2', layer.cacheId, 'lower'))?.trim();
  for (const link of lower ? lower.split(':') : []) {
    // Docker's lower links are `l/<26 base32 chars>`; anything else could name any path.
    if (!/^l\/[A-Z0-9]{26}$/.test(link)) {
      problems.add(
        join(root, 'overlay2', layer.cacheId, 'lower'),
        `${JSON.stringify(link.slice(0, 200))} is not a lower link (l/ and 26 characters); not followed`,
      );
      continue;
    }
    const path = join(root, 'overlay2', link);
    try {
      if (!lstatSync(path).isSymbolicLink()) continue;
      inside(root, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && lstatOrUndefined(path))
        problems.add(path, `dangling lower link of layer ${layer.cacheId} (points to ${readlinkSync(path)})`);
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT') problems.add(path, `lower link of layer ${layer.cacheId} is missing`);
      else files.fail(path, err, `follow the lower link of layer ${layer.cacheId}`);
    }
  }
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

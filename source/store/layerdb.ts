// Image layers from `image/<driver>/layerdb`, and their directories in the driver's store.
import {createHash} from 'node:crypto';
import {existsSync, lstatSync, readlinkSync} from 'node:fs';
import {join} from 'node:path';
import type {Layer} from './model.js';
import type {Problems} from './problems.js';
import {listDir, readOptionalText, readText} from './files.js';

/** chainID(L0) = diffID(L0); chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)). */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const diff of diffIds) {
    const prev = out.at(-1);
    out.push(prev === undefined ? diff : `sha256:${createHash('sha256').update(`${prev} ${diff}`).digest('hex')}`);
  }
  return out;
}

export type Driver = 'overlay2' | 'vfs';

/** The directory holding the files of the layer with this cache id. */
export function layerDir(root: string, driver: Driver, cacheId: string): string {
  return driver === 'vfs' ? join(root, 'vfs', 'dir', cacheId) : join(root, 'overlay2', cacheId, 'diff');
}

export function readLayerDb(root: string, driver: Driver, problems: Problems): Map<string, Layer> {
  const base = join(root, 'image', driver, 'layerdb', 'sha256');
  const layers = new Map<string, Layer>();
  for (const hex of listDir(base, problems)) {
    const dir = join(base, hex);
    const cacheId = readText(join(dir, 'cache-id'), problems)?.trim();
    if (!cacheId) {
      if (cacheId === '') problems.add(join(dir, 'cache-id'), 'empty cache-id: the layer has no directory');
      continue;
    }
    const sizeText = readOptionalText(join(dir, 'size'), problems)?.trim();
    const size = sizeText !== undefined && /^\d+$/.test(sizeText) ? Number(sizeText) : undefined;
    if (sizeText !== undefined && size === undefined) problems.add(join(dir, 'size'), `invalid size ${JSON.stringify(sizeText)}`);
    const layer: Layer = {
      id: `sha256:${hex}`,
      kind: 'image',
      diffId: readText(join(dir, 'diff'), problems)?.trim(),
      parent: readOptionalText(join(dir, 'parent'), problems)?.trim() || undefined,
      cacheId,
      dir: layerDir(root, driver, cacheId),
      full: driver === 'vfs',
      size,
      images: [],
    };
    checkLayerDir(root, driver, layer, problems);
    layers.set(layer.id, layer);
  }
  return layers;
}

/** Report a missing layer directory or a dangling overlay2 `lower` link, naming it. */
export function checkLayerDir(root: string, driver: Driver, layer: Layer, problems: Problems): void {
  if (!existsSync(layer.dir)) {
    problems.add(layer.dir, `layer directory missing for ${layer.id} (cache id ${layer.cacheId})`);
    return;
  }
  if (driver !== 'overlay2') return;
  const lower = readOptionalText(join(root, 'overlay2', layer.cacheId, 'lower'), problems)?.trim();
  for (const link of lower ? lower.split(':') : []) {
    const path = join(root, 'overlay2', link);
    try {
      if (!lstatSync(path).isSymbolicLink()) continue;
      if (!existsSync(path)) problems.add(path, `dangling lower link of layer ${layer.cacheId} (points to ${readlinkSync(path)})`);
    } catch (err) {
      problems.add(path, `lower link of layer ${layer.cacheId} is missing: ${(err as Error).message}`);
    }
  }
}

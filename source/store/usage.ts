// Disk usage the way `docker system df -v` computes it (moby daemon/images + disk_usage).
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {parseBolt, type BoltBucket} from './bolt.js';
import {DB_FILE, readInside} from './confine.js';
import {volumeSize} from './du.js';
import type {Container, Image, Volume} from './model.js';
import type {LayerStore} from './store.js';
import {describeData, storedPath} from './volumes.js';

export interface ImageUsage {
  image: Image;
  size: number;
  sharedSize: number;
  uniqueSize: number;
  containers: number;
}

export interface ContainerUsage {
  container: Container;
  /** -1: the writable layer's changes cannot be read (its files, or its parent's, are not where they can be). */
  sizeRw: number;
  localVolumes: number;
}

export interface VolumeUsage {
  volume: Volume;
  size: number;
  links: number;
}

/** Images `docker images` lists without -a: tagged ones, and untagged ones without children. */
export function topLevelImages(store: LayerStore): Image[] {
  return [...store.images.values()].filter((i) => i.tags.length > 0 || i.digests.length > 0 || i.children.length === 0);
}

/** Shared size: layers referenced by more than one listed image. */
export function imageUsage(store: LayerStore): ImageUsage[] {
  const images = topLevelImages(store);
  const refs = new Map<string, number>();
  for (const image of images) for (const l of image.layers) refs.set(l, (refs.get(l) ?? 0) + 1);
  return images.map((image) => {
    const sharedSize = image.layers.reduce((sum, l) => sum + ((refs.get(l) ?? 0) > 1 ? (store.layers.get(l)?.size ?? 0) : 0), 0);
    return {
      image,
      size: image.size,
      sharedSize,
      uniqueSize: image.size - sharedSize,
      containers: store.containers.filter((c) => c.imageId === image.id).length,
    };
  });
}

export function containerUsage(store: LayerStore): ContainerUsage[] {
  return store.containers.map((container) => {
    const rw = container.rwLayer;
    // Its diff compares the writable layer with the one below: both must be readable.
    const missing = rw ? (store.unreadable(rw) ?? store.unreadable(store.layers.get(rw)?.parent)) : undefined;
    if (missing) store.problems.add(missing.dir, missing.unavailable!);
    return {
      container,
      sizeRw: missing ? -1 : store.containerSizeRw(container),
      localVolumes: container.mounts.filter((m) => m.Type === 'volume' && (m.Driver === 'local' || m.Driver === '')).length,
    };
  });
}

/**
 * Like Docker's LocalVolumesSize: volumes of the local driver with no options at all ({} counts,
 * as len(Options()) == 0 does; tmpfs, nfs, bind `device=` and even a lone quota `size` are left
 * out). Plugin volumes are never counted.
 */
export function countedByDf(volume: Volume): boolean {
  return !volume.cluster && volume.driver === 'local' && Object.keys(volume.options ?? {}).length === 0;
}

/**
 * Sizes of the volumes df counts. A counted volume whose local driver mounts something over
 * `_data` (its opts.json says so, metadata.db has no options for it) is listed as Docker lists it,
 * but not sized: at run time `_data` is that mount, outside the root (-1, with a problem saying so).
 */
export function volumeUsage(store: LayerStore): VolumeUsage[] {
  return store.volumes.filter(countedByDf).map((volume) => {
    const path = storedPath(volume);
    if (!path)
      store.problems.add(
        volume.mountpoint ?? volume.name,
        `volume ${volume.name}: docker system df counts it (no options in metadata.db) but ${describeData(volume.data)}; not sized`,
      );
    return {volume, size: path ? (volumeSize(volume, store.problems) ?? -1) : -1, links: volume.usedBy.length};
  });
}

/**
 * Whether BuildKit's cache holds records (`buildkit/metadata_v2.db`, a BoltDB of cache refs);
 * undefined when it cannot be told (a problem says why). dockerd creates the file empty.
 */
export function buildCacheEmpty(store: LayerStore): boolean | undefined {
  const file = join(store.root, 'buildkit', 'metadata_v2.db');
  if (!existsSync(file)) return true;
  try {
    const db = parseBolt(readInside(store.root, file, DB_FILE), file);
    const empty = (b: {buckets(): string[]; bucket(n: string): BoltBucket | undefined}, entries: number): boolean =>
      entries === 0 &&
      b.buckets().every((n) => {
        const sub = b.bucket(n);
        return !sub || empty(sub, [...sub.entries()].length);
      });
    return empty(db, 0);
  } catch (err) {
    store.problems.fromError(file, err);
    return undefined;
  }
}

// Disk usage the way `docker system df -v` computes it (moby daemon/images + disk_usage).
import {changesSize} from '../tree/changes.js';
import {directorySize} from './du.js';
import type {Container, Image, Volume} from './model.js';
import type {LayerStore} from './store.js';

export interface ImageUsage {
  image: Image;
  size: number;
  sharedSize: number;
  uniqueSize: number;
  containers: number;
}

export interface ContainerUsage {
  container: Container;
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
    const sharedSize = image.layers.reduce((sum, l) => sum + ((refs.get(l) ?? 0) > 1 ? store.layers.get(l)?.size ?? 0 : 0), 0);
    return {
      image,
      size: image.size,
      sharedSize,
      uniqueSize: image.size - sharedSize,
      containers: store.containers.filter((c) => c.imageId === image.id).length,
    };
  });
}

/** SizeRw: Docker's ChangesSize over the container's `docker diff`. */
export function containerSizeRw(store: LayerStore, c: Container): number {
  return changesSize(store.containerChanges(c));
}

export function containerUsage(store: LayerStore): ContainerUsage[] {
  return store.containers.map((container) => ({
    container,
    sizeRw: containerSizeRw(store, container),
    localVolumes: container.mounts.filter((m) => m.Type === 'volume' && (m.Driver === 'local' || m.Driver === '')).length,
  }));
}

/** Like Docker's LocalVolumesSize: local volumes without mount options (tmpfs, nfs... are not sized). */
export function volumeUsage(store: LayerStore): VolumeUsage[] {
  return store.volumes.filter((v) => v.driver === 'local' && !v.options).map((volume) => ({volume, size: directorySize(volume.mountpoint, store.problems), links: volume.usedBy.length}));
}

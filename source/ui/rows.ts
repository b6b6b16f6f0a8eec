// Rows of the store, layers and mounts panes, as plain data derived from the store.
import {escape} from '../text/escape.js';
import {containerImageLabel} from '../store/refs.js';
import {volumeSize} from '../store/du.js';
import type {Container, Image, Layer, MountPoint, Volume} from '../store/model.js';
import {shortData, storedPath, volumeLines} from '../store/volumes.js';
import {clusterStatus} from '../store/swarm/volumes.js';
import {Problems} from '../store/problems.js';
import {isHex64, shortId} from '../docker/digest.js';
import type {LayerStore} from '../store/store.js';
import {topLevelImages} from '../store/usage.js';
import {changesSize} from '../tree/changes.js';
import {containerStatus, humanSize} from '../tree/human.js';

export type StoreList = 'images' | 'containers' | 'volumes';
export const STORE_LISTS: StoreList[] = ['images', 'containers', 'volumes'];

export interface StoreRow {
  id: string;
  label: string;
  detail: string;
  /** Dangling image, stopped container, unused volume: shown dim. */
  dim: boolean;
  running?: boolean;
}

export function imageLabel(image: Image): string {
  return image.tags[0] ?? image.digests[0] ?? `<none> ${shortId(image.id)}`;
}

/** A layer's short id as the explorer shows it: an image layer's chain id, a container layer's cache id. */
export function layerShortId(layer: Layer): string {
  return shortId(layer.kind === 'image' ? layer.id : layer.cacheId);
}

export function storeRows(store: LayerStore, list: StoreList): StoreRow[] {
  if (list === 'images') {
    return topLevelImages(store)
      .map((i): StoreRow => ({
        id: i.id,
        label: i.tags.map(escape).join(', ') || `<none> ${shortId(i.id)}`,
        detail: `${humanSize(i.size, 3)}${i.dangling ? ' dangling' : ''}`,
        dim: i.dangling,
      }))
      .sort((a, b) => Number(a.dim) - Number(b.dim) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  }
  if (list === 'containers') {
    return [...store.containers]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((c) => ({
        id: c.id,
        label: escape(c.name) || shortId(c.id),
        detail: `${c.state} ${escape(containerImageLabel(store, c))}`,
        dim: c.state !== 'running',
        running: c.state === 'running',
      }));
  }
  return store.volumes.map((v: Volume) => ({
    id: v.name,
    label: v.anonymous ? shortId(v.name) : escape(v.name),
    detail: `${v.driver} · ${volumeWhere(v)} · ${v.cluster ? `${v.cluster.availability}, ${clusterStatus(v.cluster)}` : v.usedBy.length ? `${v.usedBy.length} user${v.usedBy.length > 1 ? 's' : ''}` : 'unused'}`,
    dim: v.usedBy.length === 0,
  }));
}

/** Where a volume's data is, in the store list's few words. */
function volumeWhere(v: Volume): string {
  switch (v.data.kind) {
    case 'local':
      return '_data';
    case 'mount':
      return `${v.data.source.split(' ')[0]}, not stored`;
    case 'plugin':
      return 'plugin, not in root';
    case 'csi':
      return 'cluster (CSI), not in root';
  }
}

export interface LayerRow {
  /** Index in the layer chain (bottom = 0); undefined for a metadata-only history entry. */
  index?: number;
  layer?: Layer;
  createdBy: string;
  /** The history entry's comment ("Imported from -" for `docker import`). */
  comment?: string;
  created?: string;
  size?: number;
  /** Other listed images that hold this layer too. */
  sharedWith: number;
  /** Their ids. */
  sharers: string[];
  kind: Layer['kind'] | 'empty';
}

/** An image's history oldest first, with the layer each non-empty entry made; a container adds its init and writable layers. */
export function layerRows(store: LayerStore, image: Image | undefined, container?: Container, containerSizes = true): LayerRow[] {
  const listed = new Set(topLevelImages(store).map((i) => i.id));
  // A container's own chain: with containerd's image store it can hold snapshots that are no image
  // layer (the classic builder's build-container `-init` snapshots), numbered as `c@N` numbers them.
  const layerIds = container?.parentLayer ? store.chain(container.parentLayer).map((l) => l.id) : (image?.layers ?? []);
  const rows: LayerRow[] = [];
  let next = 0;
  const push = (index: number, createdBy: string, comment?: string, created?: string) => {
    const layer = store.layers.get(layerIds[index] ?? '');
    const sharers = layer ? layer.images.filter((id) => id !== image?.id && listed.has(id)) : [];
    rows.push({index, layer, createdBy, comment, created, size: layer?.size, sharedWith: sharers.length, sharers, kind: 'image'});
  };
  const skipSnapshots = () => {
    while (next < layerIds.length && store.layers.get(layerIds[next]!)?.kind === 'init') push(next++, 'build container -init snapshot (classic builder)');
  };
  for (const h of image?.history ?? []) {
    if (!h.emptyLayer) skipSnapshots();
    if (h.emptyLayer || next >= layerIds.length)
      rows.push({createdBy: h.createdBy, comment: h.comment, created: h.created, sharedWith: 0, sharers: [], kind: 'empty'});
    else push(next++, h.createdBy, h.comment, h.created);
  }
  while (next < layerIds.length) push(next++, '');
  // Not filesystem layers: no index (no merged view below them); their files are the statements.
  for (const a of container ? [] : (image?.attestations ?? [])) {
    const layer = store.layers.get(a.layer);
    if (layer)
      rows.push({layer, createdBy: `attestation-manifest: ${a.predicateTypes.join(', ')}`, size: layer.size, sharedWith: 0, sharers: [], kind: 'attestation'});
  }
  if (container) {
    for (const [id, what] of [
      [container.initLayer, 'init layer: /etc/hosts, /etc/resolv.conf, /dev/console…'],
      [container.rwLayer, 'writable layer (container changes)'],
    ] as const) {
      const layer = id ? store.layers.get(id) : undefined;
      if (!layer) continue;
      // Container layers have no recorded size: the writable one is the daemon's SizeRw (as `df`
      // shows it: podman and containerd count more than the changes), the init one its changes.
      const size = id === container.rwLayer ? store.containerSizeRw(container) : changesSize(store.layerChanges(layer.id));
      rows.push({index: next++, layer, createdBy: what, size: containerSizes ? size : undefined, sharedWith: 0, sharers: [], kind: layer.kind});
    }
  }
  return rows;
}

export type MountRow = {
  Type: string;
  Name: string;
  /** Where the data is: a local volume's `_data`, what an option volume mounts, the plugin, a host path. */
  Source: string;
  Destination: string;
  Mode: 'RW' | 'RO';
  Driver: string;
  /** How the container asked for it: `-v`, `--mount`, `--tmpfs`, `anonymous -v`, `image VOLUME`, `no command line` (the whole flag is in the volume pane). */
  How: string;
  Size: string;
};

/** Where a mount's data is, in the words of the Source column. */
function mountSource(m: MountPoint, volume: Volume | undefined): string {
  if (m.Type !== 'volume') return m.Source;
  if (!volume) return m.Source || '(volume not recorded)';
  // The Driver column names the plugin.
  return volume.data.kind === 'local' ? m.Source : volume.data.kind === 'plugin' ? 'plugin · not in root' : shortData(volume.data);
}

/**
 * A container's mounts as `docker inspect` stores them, plus its `--tmpfs` mounts. Only volumes
 * whose data the root holds are sized: an option volume's `_data` is a mount point at run time.
 */
export function mountRows(c: Container, volumes: Volume[], sizeOf: (v: Volume) => number | undefined = localSize): MountRow[] {
  const rows: MountRow[] = c.mounts.map((m) => {
    const volume = m.Type === 'volume' ? volumes.find((v) => v.name === m.Name) : undefined;
    const size = volume && storedPath(volume) ? sizeOf(volume) : undefined;
    return {
      Type: escape(m.Type),
      Name: m.Name ? (isHex64(m.Name) ? shortId(m.Name) : escape(m.Name)) : '',
      Source: escape(mountSource(m, volume)),
      Destination: escape(m.Destination),
      Mode: m.RW ? 'RW' : 'RO',
      Driver: escape(m.Driver ?? ''),
      How: escape(c.mountUses[m.Destination]?.how ?? ''),
      Size: size === undefined ? '-' : humanSize(size, 3),
    };
  });
  for (const [dest, opts] of Object.entries(c.tmpfs)) {
    rows.push({
      Type: 'tmpfs',
      Name: '',
      Source: '(memory)',
      Destination: escape(dest),
      Mode: /(^|,)ro(,|$)/.test(opts) ? 'RO' : 'RW',
      Driver: '',
      How: '--tmpfs',
      Size: '-',
    });
  }
  return rows;
}

export interface VolumeDetail {
  title: string;
  /** Label → value lines: driver, labels, options, where the data is. */
  fields: [string, string][];
  /** Container, destination, RO/RW, how. */
  users: [string, string, string, string][];
  /** Shown after the users: scope, created, mountpoint, what only the plugin knows. */
  more: [string, string][];
}

/** The volume pane: what `docker volume inspect` shows, where the data is, who uses it and how. */
export function volumeDetail(store: LayerStore, v: Volume, sizeOf: (v: Volume) => number | undefined = localSize): VolumeDetail {
  const size = storedPath(v) ? sizeOf(v) : undefined;
  const {fields, users} = volumeLines(v, store.containers, size);
  // Compact for the pane: the title names the volume, the size follows where the data is, and the
  // users come before inspect's other fields, so a short pane cuts those first.
  const shown = fields
    .filter(([label]) => label !== 'Name' && label !== 'Size')
    .map(([label, value]): [string, string] => [label, label === 'Data' && size !== undefined ? `${value} · ${humanSize(size, 3)}` : value]);
  const first = new Set(['Driver', 'Labels', 'Options', 'Data']);
  return {
    title: `Volume ${v.anonymous ? `${shortId(v.name)} (anonymous)` : escape(v.name)}`,
    fields: shown.filter(([l]) => first.has(l)),
    users,
    more: shown.filter(([l]) => !first.has(l)),
  };
}

/** A volume's size on disk (reads the disk: the explorer calls it in the background); bind sources are the host's business. */
export function localSize(volume: Volume): number | undefined {
  const problems = new Problems();
  const size = volumeSize(volume, problems); // `_data` must be a directory inside the root (confine.ts)
  return problems.list.length ? undefined : size;
}

export function containerLine(store: LayerStore, c: Container): string {
  // An active snapshot no container owns (containerd) has no image. The image as docker ps names
  // it: the reference while it still names the container's image, else the image's short id.
  const status = containerStatus(c.state, c.exitCode, c.startedAt, c.finishedAt);
  return `${c.name} (${c.imageRef ? `${status}, ${containerImageLabel(store, c)}` : status})`;
}

// Rows of the store, layers and mounts panes, as plain data derived from the store.
import {directorySize} from '../store/du.js';
import type {Container, Image, Layer, Volume} from '../store/model.js';
import {Problems} from '../store/problems.js';
import {shortId, type LayerStore} from '../store/store.js';
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

export function storeRows(store: LayerStore, list: StoreList): StoreRow[] {
  if (list === 'images') {
    return topLevelImages(store)
      .map((i): StoreRow => ({id: i.id, label: i.tags.join(', ') || `<none> ${shortId(i.id)}`, detail: `${humanSize(i.size, 3)}${i.dangling ? ' dangling' : ''}`, dim: i.dangling}))
      .sort((a, b) => Number(a.dim) - Number(b.dim) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  }
  if (list === 'containers') {
    return [...store.containers]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((c) => ({id: c.id, label: c.name || shortId(c.id), detail: `${c.state} ${c.imageRef}`, dim: c.state !== 'running', running: c.state === 'running'}));
  }
  return store.volumes.map((v: Volume) => ({
    id: v.name,
    label: v.anonymous ? shortId(v.name) : v.name,
    detail: `${v.driver} ${v.usedBy.length ? `${v.usedBy.length} user${v.usedBy.length > 1 ? 's' : ''}` : 'unused'}`,
    dim: v.usedBy.length === 0,
  }));
}

export interface LayerRow {
  /** Index in the layer chain (bottom = 0); undefined for a metadata-only history entry. */
  index?: number;
  layer?: Layer;
  createdBy: string;
  /** The history entry's comment ("Imported from -" for `docker import`). */
  comment?: string;
  size?: number;
  /** Other listed images that hold this layer too. */
  sharedWith: number;
  kind: Layer['kind'] | 'empty';
}

/** An image's history oldest first, with the layer each non-empty entry made; a container adds its init and writable layers. */
export function layerRows(store: LayerStore, image: Image | undefined, container?: Container, containerSizes = true): LayerRow[] {
  const listed = new Set(topLevelImages(store).map((i) => i.id));
  const layerIds = image?.layers ?? (container?.parentLayer ? store.chain(container.parentLayer).map((l) => l.id) : []);
  const rows: LayerRow[] = [];
  let next = 0;
  const push = (index: number, createdBy: string, comment?: string) => {
    const layer = store.layers.get(layerIds[index] ?? '');
    const sharedWith = layer ? layer.images.filter((id) => id !== image?.id && listed.has(id)).length : 0;
    rows.push({index, layer, createdBy, comment, size: layer?.size, sharedWith, kind: 'image'});
  };
  for (const h of image?.history ?? []) {
    if (h.emptyLayer || next >= layerIds.length) rows.push({createdBy: h.createdBy, comment: h.comment, sharedWith: 0, kind: 'empty'});
    else push(next++, h.createdBy, h.comment);
  }
  while (next < layerIds.length) push(next++, '');
  if (container) {
    for (const [id, what] of [[container.initLayer, 'init layer: /etc/hosts, /etc/resolv.conf, /dev/console…'], [container.rwLayer, 'writable layer (container changes)']] as const) {
      const layer = id ? store.layers.get(id) : undefined;
      if (!layer) continue;
      // Container layers have no recorded size: sum their changes as `docker ps -s` does.
      rows.push({index: next++, layer, createdBy: what, size: containerSizes ? changesSize(store.layerChanges(layer.id)) : undefined, sharedWith: 0, kind: layer.kind});
    }
  }
  return rows;
}

export type MountRow = {
  Type: string;
  Name: string;
  Source: string;
  Destination: string;
  Mode: 'RW' | 'RO';
  Driver: string;
  Size: string;
};

/** A container's mounts as `docker inspect` stores them, plus its `--tmpfs` mounts. */
export function mountRows(c: Container, sizeOf: (path: string) => number | undefined = localSize): MountRow[] {
  const rows: MountRow[] = c.mounts.map((m) => {
    const size = m.Type === 'volume' && (m.Driver ?? 'local') === 'local' ? sizeOf(m.Source) : undefined;
    return {
      Type: m.Type,
      Name: m.Name ? (/^[0-9a-f]{64}$/.test(m.Name) ? shortId(m.Name) : m.Name) : '',
      Source: m.Source,
      Destination: m.Destination,
      Mode: m.RW ? 'RW' : 'RO',
      Driver: m.Driver ?? '',
      Size: size === undefined ? '-' : humanSize(size, 3),
    };
  });
  for (const [dest, opts] of Object.entries(c.tmpfs)) {
    rows.push({Type: 'tmpfs', Name: '', Source: '(memory)', Destination: dest, Mode: /(^|,)ro(,|$)/.test(opts) ? 'RO' : 'RW', Driver: '', Size: '-'});
  }
  return rows;
}

/** A volume's size on disk; bind sources are the host's business and are not walked. */
function localSize(path: string): number | undefined {
  const problems = new Problems();
  const size = directorySize(path, problems);
  return problems.list.length ? undefined : size;
}

export function containerLine(c: Container): string {
  return `${c.name} (${containerStatus(c.state, c.exitCode, c.startedAt, c.finishedAt)}, ${c.imageRef})`;
}

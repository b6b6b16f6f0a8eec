// Containers from `containers/<id>/config.v2.json` + `hostconfig.json`, and their layers
// from `image/<driver>/layerdb/mounts/<id>`.
import {join} from 'node:path';
import {layerDir, type Driver} from './layerdb.js';
import type {Container, ContainerState, Layer, MountPoint} from './model.js';
import type {Problems} from './problems.js';
import {listDir, readJson, readOptionalText, readText} from './files.js';
import {existsSync} from 'node:fs';

interface RawMountPoint {
  Source?: string;
  Destination?: string;
  RW?: boolean;
  Name?: string;
  Driver?: string;
  Type?: string;
  Relabel?: string;
  Propagation?: string;
}

interface RawContainer {
  ID?: string;
  Name?: string;
  Image?: string;
  Created?: string;
  Path?: string;
  Args?: string[];
  State?: {
    Running?: boolean;
    Paused?: boolean;
    Restarting?: boolean;
    Dead?: boolean;
    RemovalInProgress?: boolean;
    ExitCode?: number;
    StartedAt?: string;
    FinishedAt?: string;
  };
  Config?: {Image?: string; [k: string]: unknown};
  MountPoints?: Record<string, RawMountPoint>;
}

interface RawHostConfig {
  Tmpfs?: Record<string, string> | null;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Docker's State.StateString(), reduced to what is stored on disk. */
export function stateOf(raw: RawContainer['State']): ContainerState {
  if (!raw) return 'created';
  if (raw.Running) return raw.Paused ? 'paused' : raw.Restarting ? 'restarting' : 'running';
  if (raw.RemovalInProgress) return 'removing';
  if (raw.Dead) return 'dead';
  if (!raw.StartedAt || raw.StartedAt === ZERO_TIME) return 'created';
  return 'exited';
}

/** Mounts in the shape of `docker inspect` (.Mounts): the stored MountPoints. */
export function inspectMounts(root: string, points: Record<string, RawMountPoint> | undefined): MountPoint[] {
  return Object.values(points ?? {})
    .map((m): MountPoint => {
      // Like MountPoint.Path(): a volume's source is the volume's own directory in this root.
      const source = m.Type === 'volume' && m.Name && (m.Driver ?? 'local') === 'local' ? join(root, 'volumes', m.Name, '_data') : m.Source ?? '';
      const out: MountPoint = {Type: m.Type ?? '', Source: source, Destination: m.Destination ?? '', Mode: m.Relabel ?? '', RW: m.RW === true, Propagation: m.Propagation ?? ''};
      if (m.Type === 'volume') {
        return {Type: out.Type, Name: m.Name ?? '', Source: out.Source, Destination: out.Destination, Driver: m.Driver ?? '', Mode: out.Mode, RW: out.RW, Propagation: out.Propagation};
      }
      return out;
    })
    .sort((a, b) => (a.Destination < b.Destination ? -1 : a.Destination > b.Destination ? 1 : 0));
}

export function readContainers(
  root: string,
  driver: Driver,
  layers: Map<string, Layer>,
  problems: Problems,
): Container[] {
  const containers: Container[] = [];
  for (const id of listDir(join(root, 'containers'), problems)) {
    const dir = join(root, 'containers', id);
    const raw = readJson<RawContainer>(join(dir, 'config.v2.json'), problems);
    if (!raw || typeof raw !== 'object') continue;
    const host = existsSync(join(dir, 'hostconfig.json')) ? readJson<RawHostConfig>(join(dir, 'hostconfig.json'), problems) : undefined;
    const container: Container = {
      id: raw.ID ?? id,
      name: (raw.Name ?? '').replace(/^\//, ''),
      imageId: raw.Image ?? '',
      imageRef: raw.Config?.Image ?? raw.Image ?? '',
      state: stateOf(raw.State),
      exitCode: raw.State?.ExitCode ?? 0,
      created: raw.Created,
      startedAt: raw.State?.StartedAt,
      finishedAt: raw.State?.FinishedAt,
      command: [raw.Path ?? '', ...(raw.Args ?? [])].filter(Boolean).join(' '),
      mounts: inspectMounts(root, raw.MountPoints),
      tmpfs: host?.Tmpfs ?? {},
      config: raw.Config ?? {},
    };
    readMountLayers(root, driver, container, layers, problems);
    containers.push(container);
  }
  return containers;
}

function readMountLayers(root: string, driver: Driver, c: Container, layers: Map<string, Layer>, problems: Problems): void {
  const dir = join(root, 'image', driver, 'layerdb', 'mounts', c.id);
  if (!existsSync(dir)) {
    problems.add(dir, `container ${c.name || c.id} has no layer record (layerdb/mounts)`);
    return;
  }
  const mountId = readText(join(dir, 'mount-id'), problems)?.trim();
  const initId = readOptionalText(join(dir, 'init-id'), problems)?.trim();
  c.parentLayer = readOptionalText(join(dir, 'parent'), problems)?.trim() || undefined;
  if (c.parentLayer && !layers.has(c.parentLayer)) {
    problems.add(join(dir, 'parent'), `container ${c.name} uses layer ${c.parentLayer}, which is not in the layerdb`);
  }
  if (initId) {
    c.initLayer = `${c.id}-init`;
    layers.set(c.initLayer, {id: c.initLayer, kind: 'init', parent: c.parentLayer, cacheId: initId, dir: layerDir(root, driver, initId), full: driver === 'vfs', images: []});
  }
  if (mountId) {
    c.rwLayer = c.id;
    layers.set(c.rwLayer, {id: c.rwLayer, kind: 'rw', parent: c.initLayer ?? c.parentLayer, cacheId: mountId, dir: layerDir(root, driver, mountId), full: driver === 'vfs', images: []});
  }
}

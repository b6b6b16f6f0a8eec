// Containers from `containers/<id>/config.v2.json` + `hostconfig.json`, and their layers
// from `image/<driver>/layerdb/mounts/<id>`.
import {join} from 'node:path';
import {layerFiles, type Driver} from './layerdb.js';
import type {Container, ContainerState, Image, Layer, MountPoint} from './model.js';
import {imageVolumes, mountUses, type RawHostMounts} from './mount-uses.js';
import type {Problems} from './problems.js';
import {HEX64, INIT_ID, VOLUME_NAME} from './confine.js';
import {RootFiles} from './files.js';
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
  Config?: {Image?: string; Volumes?: Record<string, unknown> | null; [k: string]: unknown};
  MountPoints?: Record<string, RawMountPoint>;
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

/** Docker's list Command: Path and Args, an argument holding a space in single quotes (daemon/list.go). */
function commandLine(path: string, args: string[]): string {
  if (args.length === 0) return path;
  return `${path} ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
}

/** Mounts in the shape of `docker inspect` (.Mounts): the stored MountPoints. */
export function inspectMounts(root: string, points: Record<string, RawMountPoint> | undefined, badName: (name: string) => void = () => {}): MountPoint[] {
  return Object.values(points ?? {})
    .map((m): MountPoint => {
      // Like MountPoint.Path(): a volume's source is the volume's own directory in this root.
      const local = m.Type === 'volume' && m.Name && (m.Driver ?? 'local') === 'local';
      if (local && !VOLUME_NAME.test(m.Name!)) badName(m.Name!);
      const source = local ? (VOLUME_NAME.test(m.Name!) ? join(root, 'volumes', m.Name!, '_data') : '') : (m.Source ?? '');
      const out: MountPoint = {
        Type: m.Type ?? '',
        Source: source,
        Destination: m.Destination ?? '',
        Mode: m.Relabel ?? '',
        RW: m.RW === true,
        Propagation: m.Propagation ?? '',
      };
      if (m.Type === 'volume') {
        return {
          Type: out.Type,
          Name: m.Name ?? '',
          Source: out.Source,
          Destination: out.Destination,
          Driver: m.Driver ?? '',
          Mode: out.Mode,
          RW: out.RW,
          Propagation: out.Propagation,
        };
      }
      return out;
    })
    .sort((a, b) => (a.Destination < b.Destination ? -1 : a.Destination > b.Destination ? 1 : 0));
}

/**
 * Containers of a Docker root. Their layers come from the graph driver's layerdb, or, for a root
 * using the containerd image store, from `attach` (which sets the container's layers).
 */
export function readContainers(
  root: string,
  driver: Driver,
  layers: Map<string, Layer>,
  problems: Problems,
  attach: (c: Container) => void = (c) => readMountLayers(new RootFiles(root, problems), driver, c, layers),
  /** The images, for which destinations of Config.Volumes are the image's VOLUMEs. */
  images?: Map<string, Image>,
): Container[] {
  const containers: Container[] = [];
  const files = new RootFiles(root, problems);
  for (const id of files.list(join(root, 'containers'), HEX64)) {
    const dir = join(root, 'containers', id);
    const raw = files.json<RawContainer>(join(dir, 'config.v2.json'));
    if (!raw || typeof raw !== 'object') {
      problems.leftOut.add(id);
      continue;
    }
    if (raw.ID !== undefined && raw.ID !== id)
      problems.add(join(dir, 'config.v2.json'), `ID ${JSON.stringify(String(raw.ID).slice(0, 200))} differs from its directory's name; the name is used`);
    const host = files.json<RawHostMounts>(join(dir, 'hostconfig.json'), true);
    const container: Container = {
      id,
      name: (raw.Name ?? '').replace(/^\//, ''),
      imageId: raw.Image ?? '',
      imageRef: raw.Config?.Image ?? raw.Image ?? '',
      state: stateOf(raw.State),
      exitCode: raw.State?.ExitCode ?? 0,
      created: raw.Created,
      startedAt: raw.State?.StartedAt,
      finishedAt: raw.State?.FinishedAt,
      command: commandLine(raw.Path ?? '', raw.Args ?? []),
      mounts: inspectMounts(root, raw.MountPoints, (name) => {
        problems.add(join(dir, 'config.v2.json'), `volume name ${JSON.stringify(name.slice(0, 200))} is not a valid volume name; its source is not shown`);
      }),
      tmpfs: host?.Tmpfs ?? {},
      mountUses: mountUses(host ?? undefined, raw.Config?.Volumes, imageVolumes(images?.get(raw.Image ?? ''))),
      config: raw.Config ?? {},
    };
    attach(container);
    containers.push(container);
  }
  return containers;
}

function readMountLayers(files: RootFiles, driver: Driver, c: Container, layers: Map<string, Layer>): void {
  const {root, problems} = files;
  const dir = join(root, 'image', driver, 'layerdb', 'mounts', c.id);
  if (!existsSync(dir)) {
    problems.add(dir, `container ${c.name || c.id} has no layer record (layerdb/mounts)`);
    return;
  }
  const mountId = files.id(join(dir, 'mount-id'));
  const initId = files.id(join(dir, 'init-id'), INIT_ID, true);
  c.parentLayer = files.optionalText(join(dir, 'parent'))?.trim() || undefined;
  if (c.parentLayer && !layers.has(c.parentLayer)) {
    problems.add(join(dir, 'parent'), `container ${c.name} uses layer ${c.parentLayer}, which is not in the layerdb`);
  }
  if (initId) {
    c.initLayer = `${c.id}-init`;
    layers.set(c.initLayer, {id: c.initLayer, kind: 'init', parent: c.parentLayer, cacheId: initId, ...layerFiles(root, driver, initId), images: []});
  }
  if (mountId) {
    c.rwLayer = c.id;
    layers.set(c.rwLayer, {
      id: c.rwLayer,
      kind: 'rw',
      parent: c.initLayer ?? c.parentLayer,
      cacheId: mountId,
      ...layerFiles(root, driver, mountId),
      images: [],
    });
  }
}

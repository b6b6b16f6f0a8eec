// Volumes: every volume `volumes/metadata.db` records, whatever its driver, plus local volume
// directories it does not know (`volumes/<name>/_data`, `opts.json`), plus a swarm manager's CSI
// cluster volumes (swarm/volumes.ts), whose data is never in the root. What dockerd answers from
// the store (name, driver, labels, options, and for the local driver mountpoint, scope and
// created) is read here; what a plugin answers at run time (its mountpoint, status, scope,
// created) is marked unknown. Paths a plugin or a mount option names are outside the root and
// are never touched: only `volumes/<name>` and its `_data` are stat'ed.
import {lstatSync, type BigIntStats} from 'node:fs';
import {join} from 'node:path';
import {isHex64, shortId} from '../docker/digest.js';
import {escape} from '../text/escape.js';
import {humanSize} from '../tree/human.js';
import type {ClusterVolume, Container, ManagedPlugin, Volume, VolumeData, VolumeUseOf} from './model.js';
import {pluginForDriver, readPlugins} from './plugins.js';
import {VOLUME_NAME} from './confine.js';
import type {Problems} from './problems.js';
import {RootFiles} from './files.js';
import {clusterStatus, goTimeString, readClusterVolumes} from './swarm/volumes.js';

export interface VolumeMeta {
  driver: string;
  labels: Record<string, string> | null;
  options: Record<string, string> | null;
}

/** Go's time.RFC3339 at whole seconds, in UTC. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A file's ctime as Go formats it in RFC 3339: whole seconds, truncated. Not Node's `ctime`: that
 * Date rounds to the nearest millisecond, a second late when ctime is in the last half millisecond of one.
 */
export function ctimeRfc3339(st: BigIntStats): string {
  return rfc3339(new Date(Number(st.ctimeNs / 1_000_000_000n) * 1000));
}

/** What `docker volume inspect` of a plugin volume gets from the plugin, not from the store. */
const PLUGIN_FIELDS = ['Mountpoint', 'Status', 'CreatedAt', 'Scope'];

export function readVolumes(
  root: string,
  containers: Container[],
  meta: Map<string, VolumeMeta>,
  problems: Problems,
  plugins: ManagedPlugin[] = readPlugins(root, problems),
  /** opens an autolocked swarm's raft log (its cluster volumes) */
  swarmUnlockKey?: Buffer,
): Volume[] {
  const base = join(root, 'volumes');
  const files = new RootFiles(root, problems);
  // Directories (metadata.db and backingFsBlockDev are files) and the volumes metadata.db records.
  const dirs = new Set(files.list(base).filter((name) => isDir(join(base, name))));
  // A name becomes a path (volumes/<name>): only Docker's volume-name form is used (confine.ts).
  const names = [...new Set([...dirs, ...meta.keys()])].sort().filter((name) => {
    if (VOLUME_NAME.test(name)) return true;
    problems.add(join(base, name), `${JSON.stringify(name.slice(0, 200))} is not a valid volume name; not used as a path`);
    return false;
  });
  const uses = usesByVolume(containers);
  const local = names.map((name): Volume => {
    const m = meta.get(name);
    const driver = m?.driver || 'local';
    const mine = uses.get(name) ?? [];
    const common = {name, driver, anonymous: isHex64(name), usedBy: [...new Set(mine.map((u) => u.container))], uses: mine};
    if (driver !== 'local') {
      const data = pluginData(driver, plugins);
      return {
        ...common,
        labels: m?.labels ?? null,
        options: m?.options ?? null,
        data,
        unknown: {
          fields: PLUGIN_FIELDS,
          why: `the ${data.managed ? 'managed' : 'legacy'} plugin ${driver} answers them at run time; the root does not record them`,
        },
      };
    }
    const dir = join(base, name);
    if (!dirs.has(name)) problems.add(dir, `volume ${name} (driver local) is in metadata.db but has no directory; dockerd drops such an entry when it starts`);
    // Inspect shows the options metadata.db keeps (null without an entry); the local driver mounts
    // what its own opts.json says, so that decides where the data is.
    const options = m ? m.options : null;
    const mountpoint = join(dir, '_data');
    const driverOpts = dirs.has(name) ? readOpts(files, join(dir, 'opts.json')) : null;
    let createdAt: string | undefined;
    try {
      // What the local driver reports: the ctime of `_data` (measured against a real dockerd).
      if (dirs.has(name)) {
        const st = lstatSync(mountpoint, {bigint: true});
        if (!st.isDirectory())
          problems.add(mountpoint, `not a directory (a ${st.isSymbolicLink() ? 'symbolic link' : 'file'}); not followed, the volume is not sized`);
        createdAt = ctimeRfc3339(st);
      }
    } catch (err) {
      problems.fromError(mountpoint, err, 'stat');
    }
    return {...common, labels: m?.labels ?? null, options, mountpoint, createdAt, scope: 'local', data: localData(root, mountpoint, driverOpts ?? options)};
  });
  // Docker lists both: a cluster volume may share its name with a local one.
  const cluster = readClusterVolumes(root, problems, swarmUnlockKey).map((v): Volume => ({
    name: v.name,
    driver: v.driver,
    anonymous: false,
    // Services' tasks use cluster volumes, through the CSI plugin on their node: no container record names them.
    usedBy: [],
    uses: [],
    labels: v.labels,
    options: v.options,
    scope: 'global',
    createdAt: v.cluster.createdAt && goTimeString(v.cluster.createdAt),
    data: {kind: 'csi', plugin: v.driver, managed: pluginForDriver(v.driver, plugins)},
    cluster: v.cluster,
  }));
  return [...local, ...cluster];
}

function isDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Every volume mount of every container, by volume name (one pass, however many volumes). */
export function usesByVolume(containers: Container[]): Map<string, VolumeUseOf[]> {
  const uses = new Map<string, VolumeUseOf[]>();
  for (const c of containers) {
    for (const m of c.mounts) {
      if (m.Type !== 'volume' || !m.Name) continue;
      const list = uses.get(m.Name) ?? [];
      list.push({container: c.id, destination: m.Destination, readOnly: !m.RW, use: c.mountUses[m.Destination]});
      uses.set(m.Name, list);
    }
  }
  return uses;
}

/** A plugin volume's data: with the plugin, linked to its managed plugin when the root has one. */
export function pluginData(driver: string, plugins: ManagedPlugin[] = [], engine: 'docker' | 'podman' = 'docker'): VolumeData & {kind: 'plugin'} {
  return {kind: 'plugin', plugin: driver, managed: pluginForDriver(driver, plugins), engine};
}

/**
 * Where a local volume's data is. With `type` or `device` the driver mounts `device` over `_data`
 * (`mount -t type -o o device _data`) when a container starts: nothing is stored in the root. A
 * lone `size` is a quota on `_data`, which then holds the data as usual (reads of it stay in `root`).
 */
export function localData(root: string, path: string, options: Record<string, string> | null): VolumeData {
  const o = options ?? {};
  if (!o.type && !o.device) return o.size ? {kind: 'local', path, quota: o.size, root} : {kind: 'local', path, root};
  const type = o.type ?? '';
  const device = o.device ?? '';
  const opts = o.o ?? '';
  return {kind: 'mount', type, device, options: opts, source: mountSource(type, device, opts)};
}

/** What would be mounted, as a person would say it: `tmpfs`, `nfs 10.0.0.1:/export`, `bind /srv/x`. */
function mountSource(type: string, device: string, opts: string): string {
  const list = opts.split(',');
  if (list.includes('bind') || list.includes('rbind')) return `bind ${device}`;
  if (type === 'tmpfs') return 'tmpfs';
  const addr = list.find((o) => o.startsWith('addr='))?.slice(5);
  // NFS and CIFS devices name the server as addr= plus `:/path` (or `//server/share`).
  if (addr && device.startsWith(':')) return `${type} ${addr}${device}`;
  return `${type} ${device}`.trim();
}

/** The directory holding a volume's data in this root, when it holds it (plain local volumes). */
export function storedPath(volume: Volume): string | undefined {
  return volume.data.kind === 'local' ? volume.data.path : undefined;
}

/** A short form for tables: `_data`, `tmpfs · not stored`, `plugin NAME · not in root`. */
export function shortData(data: VolumeData): string {
  switch (data.kind) {
    case 'local':
      return data.quota ? `_data (quota ${data.quota})` : '_data';
    case 'mount':
      return `${data.source} · not stored`;
    case 'plugin':
      return `plugin ${data.managed?.name ?? data.plugin} · not in root`;
    case 'csi':
      return `CSI ${data.managed?.name ?? data.plugin} · not in root`;
  }
}

/** Labels or options in a line: `k=v, k=v`; `-` for none (null) and `{}` for an empty map, which inspect tells apart. */
export function mapText(map: Record<string, string> | null): string {
  if (map === null) return '-';
  const list = Object.entries(map).map(([k, v]) => `${k}=${v}`);
  return list.length ? list.join(', ') : '{}';
}

/** How a field only the plugin answers is shown. */
export const UNKNOWN_FIELD = 'unknown (the plugin answers at run time)';

/**
 * A volume described line by line, for the CLI's `volumes NAME` and the explorer's volume pane:
 * inspect's fields (what only the plugin knows shown unknown), where the data is, and its users
 * (container name, destination, RO/RW, the flag it used). `size`: of `_data`, when sized.
 * Every value is escaped: names, labels, options, paths and flags come from the store.
 */
export function volumeLines(
  v: Volume,
  containers: Container[],
  size: number | undefined,
): {fields: [string, string][]; users: [string, string, string, string][]} {
  const unknown = (field: string, value: string | undefined) => value ?? (v.unknown?.fields.includes(field) ? UNKNOWN_FIELD : '-');
  const m = v.data.kind === 'plugin' || v.data.kind === 'csi' ? v.data.managed : undefined;
  const fields: [string, string][] = [
    ['Name', v.name],
    ['Driver', m ? `${v.driver} (managed plugin ${shortId(m.id)}, ${m.enabled ? 'enabled' : 'disabled'})` : v.driver],
    ['Scope', unknown('Scope', v.scope)],
    ['CreatedAt', unknown('CreatedAt', v.createdAt)],
    ['Mountpoint', v.cluster ? 'on each node the CSI plugin publishes it to, at run time' : unknown('Mountpoint', v.mountpoint)],
    ['Labels', mapText(v.labels)],
    ['Options', mapText(v.options)],
    ['Data', describeData(v.data)],
    ['Size', size === undefined || size < 0 ? 'N/A' : humanSize(size, 3)],
    ...(v.cluster ? clusterFields(v.cluster) : []),
  ];
  if (v.unknown) fields.push(['Unknown', `${v.unknown.fields.join(', ')}: ${v.unknown.why}`]);
  const users = v.uses.map((u): [string, string, string, string] => [
    escape(containers.find((c) => c.id === u.container)?.name || shortId(u.container)),
    escape(u.destination),
    u.readOnly ? 'RO' : 'RW',
    escape(u.use?.flag ?? ''),
  ]);
  return {fields: fields.map(([k, val]) => [k, escape(val)]), users};
}

/** One line on where a volume's data is. */
export function describeData(data: VolumeData): string {
  switch (data.kind) {
    case 'local':
      return data.quota ? `${data.path} (quota ${data.quota})` : data.path;
    case 'mount':
      return `${data.source} mounted over _data at run time${data.options ? ` (o=${data.options})` : ''}; nothing stored in this root`;
    case 'plugin': {
      const m = data.managed;
      if (!m && data.engine === 'podman')
        return `managed by plugin ${data.plugin}, not in this root (a podman volume plugin: podman finds it at run time through containers.conf [engine.volume_plugins])`;
      if (!m)
        return `managed by plugin ${data.plugin}, not in this root (a legacy plugin: dockerd finds it at run time in /run/docker/plugins or /etc/docker/plugins)`;
      const which = `managed plugin ${m.id.slice(0, 12)}, ${m.enabled ? 'enabled' : 'disabled'}`;
      // A propagated mount lies in the root, but it is the plugin's: it mounts and fills it at run time.
      if (m.propagatedMount)
        return `managed by plugin ${m.name} (${which}): at run time under its propagated mount ${m.propagatedMount}, which the plugin mounts and fills; not read`;
      return `managed by plugin ${m.name}, not in this root (${which})`;
    }
    case 'csi': {
      const m = data.managed;
      const which = m ? ` (managed plugin ${m.name} ${m.id.slice(0, 12)}, ${m.enabled ? 'enabled' : 'disabled'})` : '';
      return `cluster volume: data lives with CSI plugin ${data.plugin}${which}, not in this root`;
    }
  }
}

/** How a cluster volume is accessed, as `docker volume create` asks for it: `mount, scope single, sharing none`. */
export function accessText(c: ClusterVolume): string {
  const a = c.accessMode;
  if (!a) return '-';
  const type = a.type?.kind === 'mount' ? `mount${a.type.fsType ? ` (${a.type.fsType})` : ''}` : (a.type?.kind ?? 'no access type');
  return `${type}, scope ${a.scope}, sharing ${a.sharing}`;
}

/** The cluster record's fields in lines: what `docker volume inspect` shows under ClusterVolume, in words. */
function clusterFields(c: ClusterVolume): [string, string][] {
  const topo = (list: (Record<string, string> | null)[]) => list.map((t) => mapText(t)).join('; ');
  const fields: [string, string][] = [
    ['Cluster ID', c.id],
    ['Group', c.group || '-'],
    ['Access', accessText(c)],
    ['Availability', c.availability],
    ['Status', `${clusterStatus(c)}${c.pendingDelete ? ', pending delete (removed; swarm deletes it once the plugin has)' : ''}`],
  ];
  if (c.capacity && (c.capacity.requiredBytes || c.capacity.limitBytes))
    fields.push(['Capacity', `required ${c.capacity.requiredBytes} bytes, limit ${c.capacity.limitBytes} bytes`]);
  if (c.topology?.requisite.length) fields.push(['Requisite', topo(c.topology.requisite)]);
  if (c.topology?.preferred.length) fields.push(['Preferred', topo(c.topology.preferred)]);
  if (c.secrets.length) fields.push(['Secrets', c.secrets.map((s) => `${s.key}=${s.secret}`).join(', ')]);
  if (c.info?.volumeId) fields.push(['CSI volume', c.info.volumeId]);
  if (c.publishStatus.length) fields.push(['Published', c.publishStatus.map((p) => `${p.nodeId} ${p.state}`).join(', ')]);
  fields.push(['UpdatedAt', c.updatedAt ?? '-']);
  return fields;
}

function readOpts(files: RootFiles, path: string): Record<string, string> | null {
  try {
    if (!lstatSync(path).isFile()) {
      files.problems.add(path, 'not a regular file; options not read');
      return null;
    }
  } catch {
    return null;
  }
  // The local driver's optsConfig (moby volume/local): type, o, device and a quota size in bytes.
  const raw = files.json<{MountType?: string; MountOpts?: string; MountDevice?: string; Quota?: {Size?: number}}>(path);
  if (!raw) return null;
  const out: Record<string, string> = {};
  if (raw.MountType) out.type = raw.MountType;
  if (raw.MountOpts) out.o = raw.MountOpts;
  if (raw.MountDevice) out.device = raw.MountDevice;
  if (raw.Quota?.Size) out.size = String(raw.Quota.Size);
  return Object.keys(out).length ? out : null;
}

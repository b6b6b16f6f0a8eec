// Volumes, managed plugins and a container's mounts: what `docker volume inspect`, `docker plugin
// ls` and `docker inspect .Mounts` answer, plus where each volume's data is and who uses it how.
import {volumeSize} from '../store/du.js';
import type {Container, Volume} from '../store/model.js';
import {RefError} from '../store/refs.js';
import {shortId} from '../docker/digest.js';
import type {LayerStore} from '../store/store.js';
import type {ClusterVolume} from '../store/model.js';
import {clusterStatus} from '../store/swarm/volumes.js';
import {accessText, describeData, mapText, shortData, volumeLines} from '../store/volumes.js';
import {humanSize} from '../tree/human.js';
import {printJson} from './context.js';
import {withSources, withStore} from './sources.js';
import {table} from './table.js';

function containerName(store: LayerStore, id: string): string {
  return store.containers.find((c) => c.id === id)?.name || shortId(id);
}

/** Every use of a volume: container, destination, read-only, how it was asked for. */
function usesOf(store: LayerStore, v: Volume) {
  return v.uses.map((u) => ({
    Container: containerName(store, u.container),
    ID: u.container,
    Destination: u.destination,
    ReadOnly: u.readOnly,
    How: u.use?.how ?? null,
    Flag: u.use?.flag ?? null,
    VolumeDriver: u.use?.volumeDriver ?? null,
  }));
}

function dataJson(v: Volume) {
  const d = v.data;
  const base = {Kind: d.kind, Description: describeData(d)};
  switch (d.kind) {
    case 'local':
      return {...base, Path: d.path, Quota: d.quota ?? null};
    case 'mount':
      return {...base, Type: d.type, Device: d.device, Options: d.options, Source: d.source};
    case 'plugin':
    case 'csi':
      return {...base, Plugin: d.plugin, ManagedPluginID: d.managed?.id ?? null, PluginEnabled: d.managed?.enabled ?? null};
  }
}

const topologyJson = (t: Record<string, string> | null) => (t ? {Segments: t} : {});

/** `docker volume inspect`'s ClusterVolume (moby's convert.VolumeFromGRPC, its JSON's omitempty fields left out when empty). */
function clusterJson(c: ClusterVolume) {
  const a = c.accessMode;
  const type = a?.type;
  const spec: Record<string, unknown> = {
    ...(c.group ? {Group: c.group} : {}),
    ...(a
      ? {
          AccessMode: {
            Scope: a.scope,
            Sharing: a.sharing,
            ...(type?.kind === 'block' ? {BlockVolume: {}} : {}),
            ...(type?.kind === 'mount'
              ? {MountVolume: {...(type.fsType ? {FsType: type.fsType} : {}), ...(type.mountFlags.length ? {MountFlags: type.mountFlags} : {})}}
              : {}),
          },
        }
      : {}),
    ...(c.topology
      ? {
          AccessibilityRequirements: {
            ...(c.topology.requisite.length ? {Requisite: c.topology.requisite.map(topologyJson)} : {}),
            ...(c.topology.preferred.length ? {Preferred: c.topology.preferred.map(topologyJson)} : {}),
          },
        }
      : {}),
    ...(c.capacity ? {CapacityRange: {RequiredBytes: Number(c.capacity.requiredBytes), LimitBytes: Number(c.capacity.limitBytes)}} : {}),
    ...(c.secrets.length ? {Secrets: c.secrets.map((s) => ({Key: s.key, Secret: s.secret}))} : {}),
    Availability: c.availability,
  };
  const info = c.info;
  return {
    ID: c.id,
    Version: {Index: Number(c.version)},
    CreatedAt: c.createdAt ?? null,
    UpdatedAt: c.updatedAt ?? null,
    Spec: spec,
    ...(c.publishStatus.length
      ? {
          PublishStatus: c.publishStatus.map((p) => ({
            ...(p.nodeId ? {NodeID: p.nodeId} : {}),
            ...(p.state ? {State: p.state} : {}),
            ...(p.publishContext ? {PublishContext: p.publishContext} : {}),
          })),
        }
      : {}),
    ...(info
      ? {
          Info: {
            ...(info.capacityBytes ? {CapacityBytes: Number(info.capacityBytes)} : {}),
            ...(info.volumeContext ? {VolumeContext: info.volumeContext} : {}),
            ...(info.volumeId ? {VolumeID: info.volumeId} : {}),
            ...(info.accessibleTopology.length ? {AccessibleTopology: info.accessibleTopology.map(topologyJson)} : {}),
          },
        }
      : {}),
  };
}

/** `docker volume inspect` as far as the store answers it; what only a plugin knows is null and listed in Unknown. */
function volumeJson(store: LayerStore, v: Volume, size: number) {
  const out: Record<string, unknown> = {
    ...(v.cluster ? {ClusterVolume: clusterJson(v.cluster)} : {}),
    CreatedAt: v.createdAt ?? null,
    Driver: v.driver,
    Labels: v.labels,
    // Docker gives a cluster volume no mountpoint: each node's plugin mounts it where it publishes it.
    Mountpoint: v.cluster ? '' : (v.mountpoint ?? null),
    Name: v.name,
    Options: v.options,
    Scope: v.scope ?? null,
  };
  if (v.unknown) out.Status = null;
  if (v.cluster) out.ClusterStatus = {Status: clusterStatus(v.cluster), PendingDelete: v.cluster.pendingDelete};
  out.UsageData = {RefCount: v.usedBy.length, Size: size};
  out.Data = dataJson(v);
  out.UsedBy = usesOf(store, v);
  if (v.unknown) out.Unknown = {Fields: v.unknown.fields, Why: v.unknown.why};
  return out;
}

/** Size of `_data` when the root holds the data; -1 (Docker's "not computed") otherwise. */
function sizeOf(store: LayerStore, v: Volume): number {
  return volumeSize(v, store.problems) ?? -1; // `_data` must be a directory inside the root
}

function useLine(store: LayerStore, u: Volume['uses'][number]): string {
  const how = u.use ? ` (${u.use.how}${u.use.volumeDriver ? `, ${u.use.volumeDriver}` : ''})` : '';
  return `${containerName(store, u.container)}:${u.destination}${u.readOnly ? ':ro' : ''}${how}`;
}

function detail(store: LayerStore, v: Volume, size: number): string {
  const {fields, users} = volumeLines(v, store.containers, size);
  const width = Math.max(...fields.map(([k]) => k.length)) + 2;
  const text = fields.map(([k, val]) => `${`${k}:`.padEnd(width)}${val}\n`).join('');
  const uses = users.map((u) => `  ${u.join('  ')}\n`).join('');
  return `${text}Used by:${uses ? `\n${uses}` : ' none\n'}`;
}

export const volumes = withStore((store, ctx) => {
  let list = store.volumes;
  if (ctx.args.length) {
    const missing = ctx.args.filter((n) => !store.volumes.some((v) => v.name === n));
    if (missing.length) throw new RefError(`${missing.join(', ')}: no such volume`);
    list = ctx.args.map((n) => store.volumes.find((v) => v.name === n)!);
  }
  const sized = list.map((v) => ({v, size: sizeOf(store, v)}));
  if (ctx.json) {
    printJson(
      ctx,
      sized.map(({v, size}) => volumeJson(store, v, size)),
    );
    return 0;
  }
  if (ctx.args.length) {
    ctx.out(sized.map(({v, size}) => detail(store, v, size)).join('\n'));
    return 0;
  }
  const own = sized.filter(({v}) => !v.cluster);
  const cluster = list.flatMap((v) => (v.cluster ? [{v, c: v.cluster}] : []));
  ctx.out(
    table(
      ['DRIVER', 'VOLUME NAME', 'LINKS', 'SIZE', 'DATA', 'USED BY'],
      own.map(({v, size}) => [
        v.driver,
        v.name,
        String(v.usedBy.length),
        size < 0 ? 'N/A' : humanSize(size),
        shortData(v.data),
        v.uses.map((u) => useLine(store, u)).join(', '),
      ]),
    ),
  );
  // `docker volume ls --cluster`'s columns, then how each is accessed and what it was given.
  if (cluster.length)
    ctx.out(
      `\nCluster volumes (swarm, CSI; each one's data lives with its CSI plugin, not in this root):\n\n${table(
        ['VOLUME NAME', 'GROUP', 'DRIVER', 'AVAILABILITY', 'STATUS', 'ACCESS', 'LABELS', 'OPTIONS'],
        cluster.map(({v, c}) => [
          v.name,
          c.group,
          v.driver,
          c.availability,
          `${clusterStatus(c)}${c.pendingDelete ? ', pending delete' : ''}`,
          accessText(c),
          mapText(v.labels),
          mapText(v.options),
        ]),
      )}`,
    );
  return 0;
});

export const plugins = withStore((store, ctx) => {
  const volumesOf = (match: (v: Volume) => boolean) => store.volumes.filter(match).map((v) => v.name);
  const managed = store.plugins.map((p) => ({
    ID: p.id,
    Name: p.name,
    Description: p.description,
    Enabled: p.enabled,
    Managed: true,
    Types: p.types,
    Capabilities: p.capabilities,
    Volumes: volumesOf((v) => (v.data.kind === 'plugin' || v.data.kind === 'csi') && v.data.managed?.id === p.id),
  }));
  // Volume drivers that are no managed plugin: legacy plugins, which the root does not record.
  const legacyNames = [...new Set(store.volumes.flatMap((v) => (v.data.kind === 'plugin' && !v.data.managed ? [v.driver] : [])))].sort();
  const legacy = legacyNames.map((name) => ({
    ID: null,
    Name: name,
    Description: null,
    Enabled: null,
    Managed: false,
    Types: ['docker.volumedriver/1.0'],
    Capabilities: null,
    Volumes: volumesOf((v) => v.data.kind === 'plugin' && !v.data.managed && v.driver === name),
  }));
  if (ctx.json) {
    printJson(ctx, [...managed, ...legacy]);
    return 0;
  }
  if (store.tool === 'podman') {
    // podman has no managed plugins (no `podman plugin`): its volume plugins are the ones `podman
    // info` lists besides `local`, configured in containers.conf, outside the root.
    ctx.out(
      `Volume plugins named by volumes (podman finds them at run time through containers.conf [engine.volume_plugins]; the root does not record them):${legacy.length ? '' : ' none'}\n`,
    );
    if (legacy.length)
      ctx.out(
        `\n${table(
          ['NAME', 'VOLUMES'],
          legacy.map((p) => [p.Name, p.Volumes.join(',')]),
        )}`,
      );
    return 0;
  }
  ctx.out(
    table(
      ['ID', 'NAME', 'DESCRIPTION', 'ENABLED', 'PROVIDES', 'CAPABILITIES', 'VOLUMES'],
      managed.map((p) => [
        shortId(p.ID),
        p.Name,
        p.Description,
        String(p.Enabled),
        p.Types.join(','),
        p.Capabilities.join(',') || '-',
        p.Volumes.join(',') || '-',
      ]),
    ),
  );
  if (legacy.length) {
    ctx.out(
      '\nLegacy volume plugins named by volumes (dockerd finds them at run time in /run/docker/plugins or /etc/docker/plugins; the root does not record them):\n\n',
    );
    ctx.out(
      table(
        ['NAME', 'VOLUMES'],
        legacy.map((p) => [p.Name, p.Volumes.join(',')]),
      ),
    );
  }
  return 0;
});

/** Where a mount's data is, in a word or two (volumes by their driver; binds and tmpfs by kind). */
function mountData(store: LayerStore, m: Container['mounts'][number]): string {
  if (m.Type === 'volume') {
    const v = store.volumes.find((vol) => vol.name === m.Name);
    return v ? shortData(v.data) : 'volume not recorded';
  }
  if (m.Type === 'bind') return 'host path · not read';
  return m.Type === 'tmpfs' ? 'memory' : '-';
}

export const mounts = withSources(async (open, ctx) => {
  const {store, container: c} = await open.container(ctx.args[0]!);
  // The answer is made of the container's records and the volumes it mounts.
  for (const v of store.volumes) if (c.mounts.some((m) => m.Type === 'volume' && m.Name === v.name)) open.scope(store).volume(v);
  if (ctx.json) {
    printJson(ctx, c.mounts);
    return 0;
  }
  const rows = c.mounts.map((m) => [
    m.Type,
    m.Name ?? '',
    m.Source || '-',
    m.Destination,
    m.RW ? 'rw' : 'ro',
    m.Driver ?? '',
    m.Mode,
    m.Propagation,
    mountData(store, m),
    c.mountUses[m.Destination]?.flag ?? '',
  ]);
  for (const [dest, opts] of Object.entries(c.tmpfs))
    rows.push(['tmpfs', '', '', dest, /(^|,)ro(,|$)/.test(opts) ? 'ro' : 'rw', '', opts, '', 'memory', c.mountUses[dest]?.flag ?? '']);
  ctx.out(table(['TYPE', 'NAME', 'SOURCE', 'DESTINATION', 'RW', 'DRIVER', 'MODE', 'PROPAGATION', 'DATA', 'HOW'], rows));
  return 0;
});

// `-v` and `--mount` as the docker CLI and daemon (20.10, Linux parser) read them, and the MountPoint
// records they become in config.v2.json — key order and fields as measured against a real dockerd.
import {posix} from 'node:path';

export type MountSpec =
  | {type: 'volume'; /** undefined: anonymous */ name?: string; target: string; readonly: boolean; mode: string; via: 'v' | 'mount' | 'image'}
  | {type: 'bind'; source: string; target: string; readonly: boolean; mode: string; via: 'v' | 'mount'}
  | {type: 'tmpfs'; target: string};

const MODES = new Set(['rw', 'ro', 'z', 'Z', 'shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate', 'nocopy']);

const validMode = (mode: string): boolean => mode.split(',').every((m) => MODES.has(m));

function target(path: string | undefined, raw: string): string {
  if (!path || !posix.isAbsolute(path)) throw new Error(`invalid mount spec "${raw}": the target must be an absolute path`);
  if (path === '/') throw new Error(`invalid mount spec "${raw}": "/" cannot be a mount target`);
  return posix.normalize(path).replace(/(.)\/$/, '$1');
}

/** `-v [SOURCE:]TARGET[:MODE]`: an absolute SOURCE is a bind mount, a name a named volume, none an anonymous volume. */
export function parseVolumeFlag(raw: string): MountSpec {
  const parts = raw.split(':');
  if (parts.length === 1) return {type: 'volume', target: target(parts[0], raw), readonly: false, mode: '', via: 'v'};
  if (parts.length > 3 || (parts.length === 2 && validMode(parts[1]!))) throw new Error(`invalid volume specification: "${raw}"`);
  const [source, dest, mode = ''] = parts as [string, string, string?];
  if (mode && !validMode(mode)) throw new Error(`invalid mode "${mode}" in volume specification "${raw}"`);
  const readonly = mode.split(',').includes('ro');
  if (source.startsWith('/')) return {type: 'bind', source: posix.normalize(source), target: target(dest, raw), readonly, mode, via: 'v'};
  if (!source) throw new Error(`invalid volume specification: "${raw}"`);
  // The daemon records "z" for a named volume given without a mode.
  return {type: 'volume', name: source, target: target(dest, raw), readonly, mode: mode || 'z', via: 'v'};
}

/** `--mount type=bind|volume|tmpfs,source=..,target=..[,readonly]`. */
export function parseMountFlag(raw: string): MountSpec {
  const fields = new Map<string, string>();
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    fields.set(key, eq < 0 ? 'true' : part.slice(eq + 1));
  }
  const get = (...keys: string[]): string | undefined => keys.map((k) => fields.get(k)).find((v) => v !== undefined);
  const dest = target(get('target', 'destination', 'dst'), raw);
  const ro = get('readonly', 'ro');
  const readonly = ro !== undefined && ro !== 'false' && ro !== '0';
  const source = get('source', 'src');
  switch (get('type') ?? 'volume') {
    case 'bind':
      if (!source?.startsWith('/')) throw new Error(`invalid mount "${raw}": a bind mount needs an absolute source`);
      return {type: 'bind', source: posix.normalize(source), target: dest, readonly, mode: '', via: 'mount'};
    case 'volume':
      return {type: 'volume', name: source || undefined, target: dest, readonly, mode: source ? 'z' : '', via: 'mount'};
    case 'tmpfs':
      if (source) throw new Error(`invalid mount "${raw}": a tmpfs mount takes no source`);
      return {type: 'tmpfs', target: dest};
    default:
      throw new Error(`invalid mount "${raw}": type must be bind, volume or tmpfs`);
  }
}

/** One MountPoint of config.v2.json; `volumeName` and `volumeData` are set for volumes. */
export function mountPointRecord(m: MountSpec, volumeName?: string, volumeData?: string): Record<string, unknown> {
  if (m.type === 'tmpfs') {
    return {
      Source: '',
      Destination: m.target,
      RW: true,
      Name: '',
      Driver: '',
      Type: 'tmpfs',
      Spec: {Type: 'tmpfs', Target: m.target},
      SkipMountpointCreation: false,
    };
  }
  const named = m.type === 'volume' && m.name !== undefined;
  const out: Record<string, unknown> = {
    Source: m.type === 'bind' ? m.source : named ? volumeData : '',
    Destination: m.target,
    RW: !m.readonly,
    Name: m.type === 'volume' ? volumeName : '',
    Driver: m.type === 'volume' ? 'local' : '',
    Type: m.type,
  };
  if (m.mode) out.Relabel = m.mode;
  if (m.type === 'bind') out.Propagation = 'rprivate';
  // Anonymous volumes (image VOLUME, `-v /path`) carry an empty spec, as the daemon makes them.
  out.Spec =
    m.type === 'volume' && !named
      ? {}
      : {Type: m.type, Source: m.type === 'bind' ? m.source : m.name, Target: m.target, ...(m.readonly ? {ReadOnly: true} : {})};
  out.SkipMountpointCreation = m.type === 'bind' && m.via === 'mount';
  return out;
}

/** hostconfig.json's Binds (the `-v` specs that name a source, as typed) and Mounts (the `--mount` ones). */
export function hostConfigMounts(specs: readonly {raw: string; spec: MountSpec}[]): {Binds: string[] | null; Mounts?: Array<Record<string, unknown>>} {
  const binds = specs.filter(({spec}) => spec.type !== 'tmpfs' && spec.via === 'v' && (spec.type === 'bind' || spec.name)).map(({raw}) => raw);
  const mounts = specs.flatMap(({spec}) => {
    if (spec.type === 'tmpfs') return [{Type: 'tmpfs', Target: spec.target}];
    if (spec.via !== 'mount') return [];
    const source = spec.type === 'bind' ? spec.source : spec.name;
    return [{Type: spec.type, ...(source ? {Source: source} : {}), Target: spec.target, ...(spec.readonly ? {ReadOnly: true} : {})}];
  });
  return {Binds: binds.length ? binds : null, ...(mounts.length ? {Mounts: mounts} : {})};
}

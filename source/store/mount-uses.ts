// How a container asked for each of its mounts, from what dockerd stored: `-v` goes to
// HostConfig.Binds, `--mount` to HostConfig.Mounts, `--tmpfs` to HostConfig.Tmpfs, an anonymous
// `-v /path` and the image's VOLUMEs to Config.Volumes; `--volume-driver` to HostConfig.VolumeDriver
// (it applies to -v and anonymous volumes, `volume-driver=` to one --mount). Pure: no filesystem.
import type {Image, MountUse} from './model.js';

export interface RawMount {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  VolumeOptions?: {
    NoCopy?: boolean;
    Labels?: Record<string, string> | null;
    DriverConfig?: {Name?: string; Options?: Record<string, string> | null} | null;
  } | null;
  TmpfsOptions?: {SizeBytes?: number; Mode?: number} | null;
}

export interface RawHostMounts {
  Binds?: string[] | null;
  Mounts?: RawMount[] | null;
  Tmpfs?: Record<string, string> | null;
  VolumeDriver?: string;
}

/** Destinations compare like Docker's (filepath.Clean): no trailing or doubled slashes. */
export function cleanPath(path: string): string {
  const clean = `/${path
    .split('/')
    .filter((p) => p && p !== '.')
    .join('/')}`;
  return clean;
}

/** An image's VOLUME paths, cleaned: where a container gets an anonymous volume unless it mounts something there. */
export function imageVolumes(image: Image | undefined): Set<string> {
  return new Set(Object.keys(image?.config.Volumes ?? {}).map(cleanPath));
}

/** `src:dst[:mode]` as the Linux parser splits it (a bare `/dst` is not a bind). */
function bindDestination(spec: string): string | undefined {
  const parts = spec.split(':');
  return parts.length >= 2 ? cleanPath(parts[1]!) : undefined;
}

function pairs(prefix: string, map: Record<string, string> | null | undefined): string[] {
  return Object.entries(map ?? {}).map(([k, v]) => `${prefix}=${k}=${v}`);
}

function mountFlag(m: RawMount): string {
  const parts = [`type=${m.Type ?? 'volume'}`];
  if (m.Source) parts.push(`src=${m.Source}`);
  parts.push(`dst=${m.Target ?? ''}`);
  if (m.ReadOnly) parts.push('readonly');
  const v = m.VolumeOptions;
  if (v?.DriverConfig?.Name) parts.push(`volume-driver=${v.DriverConfig.Name}`);
  for (const p of [...pairs('volume-opt', v?.DriverConfig?.Options), ...pairs('volume-label', v?.Labels)]) parts.push(p);
  if (v?.NoCopy) parts.push('volume-nocopy');
  if (m.TmpfsOptions?.SizeBytes) parts.push(`tmpfs-size=${m.TmpfsOptions.SizeBytes}`);
  return `--mount ${parts.join(',')}`;
}

/** destination → how it was asked for. `imageVolumes`: the image's VOLUME paths. */
export function mountUses(
  host: RawHostMounts | undefined,
  configVolumes: Record<string, unknown> | null | undefined,
  imageVolumes: ReadonlySet<string>,
): Record<string, MountUse> {
  const uses: Record<string, MountUse> = {};
  const driver = host?.VolumeDriver || undefined;
  const withDriver = (flag: string) => (driver ? `${flag} --volume-driver ${driver}` : flag);
  for (const dest of Object.keys(configVolumes ?? {})) {
    const d = cleanPath(dest);
    uses[d] = imageVolumes.has(d)
      ? {how: 'image VOLUME', flag: withDriver(`image VOLUME ${d}`), volumeDriver: driver && `--volume-driver ${driver}`}
      : {how: 'anonymous -v', flag: withDriver(`-v ${d}`), volumeDriver: driver && `--volume-driver ${driver}`};
  }
  // Binds and Mounts override Config.Volumes at the same destination, as dockerd's registerMountPoints does.
  for (const spec of host?.Binds ?? []) {
    const d = bindDestination(spec);
    // A bind from a host path ignores --volume-driver; a named volume uses it.
    const named = !spec.startsWith('/');
    if (d)
      uses[d] = {how: '-v', flag: named ? withDriver(`-v ${spec}`) : `-v ${spec}`, volumeDriver: named && driver ? `--volume-driver ${driver}` : undefined};
  }
  for (const m of host?.Mounts ?? []) {
    if (!m.Target) continue;
    const name = m.VolumeOptions?.DriverConfig?.Name;
    uses[cleanPath(m.Target)] = {how: '--mount', flag: mountFlag(m), volumeDriver: name ? `volume-driver=${name}` : undefined};
  }
  for (const [dest, opts] of Object.entries(host?.Tmpfs ?? {})) {
    uses[cleanPath(dest)] = {how: '--tmpfs', flag: `--tmpfs ${dest}${opts ? `:${opts}` : ''}`};
  }
  for (const use of Object.values(uses)) if (use.volumeDriver === undefined) delete use.volumeDriver;
  return uses;
}

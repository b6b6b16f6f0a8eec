// How a podman container asked for a mount, as podman's own answers say it (fixtures/volumes-podman):
// the argument of its CreateCommand that names the mount's destination and the flag before it; an
// image's VOLUME (podman image inspect .Config.Volumes); for a container made through the API (its
// CreateCommand is the service's), the mount as podman inspect .Mounts shows it.

export interface PodmanInspectMount {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  RW: boolean;
}

export interface PodmanInspectContainer {
  Name: string;
  ImageName: string;
  Config: {CreateCommand?: string[]};
  Mounts: PodmanInspectMount[];
}

export interface Asked {
  How: string;
  Flag: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The command line's mount flags before the image, as [flag name, flag as shown, value]; undefined when it is no `run` / `create`. */
export function typedFlags(c: PodmanInspectContainer): [string, string, string][] | undefined {
  const cmd = c.Config.CreateCommand ?? [];
  const start = cmd.findIndex((t) => t === 'run' || t === 'create');
  if (start < 0) return undefined;
  const image = cmd.findIndex((t, i) => i > start && (t === c.ImageName || c.ImageName.endsWith(`/${t}`)));
  const out: [string, string, string][] = [];
  for (let i = start + 1; i < image; i++) {
    const tok = cmd[i]!;
    const eq = /^(--(?:volume|mount|tmpfs))=(.*)$/.exec(tok);
    if (eq) out.push([eq[1]!, tok, eq[2]!]);
    else if (['--volume', '--mount', '--tmpfs'].includes(tok)) out.push([tok, `${tok} ${cmd[i + 1]}`, cmd[++i]!]);
    // -v alone or at the end of a cluster of flags that take no value (-itv).
    else if (/^-[diPqt]*v$/.test(tok)) out.push(['-v', `-v ${cmd[i + 1]}`, cmd[++i]!]);
  }
  return out;
}

/** How the mount at `m.Destination` was asked for. `anonymous`: podman volume inspect's Anonymous of its volume. */
export function podmanAsked(c: PodmanInspectContainer, m: PodmanInspectMount, imageVolumes: string[], anonymous: boolean): Asked {
  const flags = typedFlags(c);
  const names = new RegExp(`(^|[:=,])${escape(m.Destination)}([:,]|$)`);
  const flag = flags?.find(([, , value]) => names.test(value));
  if (flag) {
    const [name, shown, value] = flag;
    const how = name === '--mount' || name === '--tmpfs' ? name : value.includes(':') ? '-v' : 'anonymous -v';
    return {How: how, Flag: shown};
  }
  if (m.Type === 'volume' && anonymous && imageVolumes.includes(m.Destination)) return {How: 'image VOLUME', Flag: `image VOLUME ${m.Destination}`};
  if (flags) throw new Error(`${c.Name}: no flag of its command line mounts ${m.Destination}`);
  if (anonymous) return {How: 'anonymous -v', Flag: `-v ${m.Destination}`};
  return {How: 'no command line', Flag: `-v ${m.Name ?? m.Source}:${m.Destination}${m.RW ? '' : ':ro'}`};
}

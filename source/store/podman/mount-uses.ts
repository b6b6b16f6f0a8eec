// How a podman container asked for each of its mounts. libpod's record keeps the mounts
// (namedVolumes, the spec's binds and tmpfs, userVolumes) but not whether `-v` or `--mount` made
// them; the command line it keeps (CreateCommand, os.Args of `podman run|create`) does. It is
// read as podman's flag parser (pflag) reads it, up to the image. A container made without such
// a command line (the API, whose CreateCommand is `podman system service`'s; `podman kube play`)
// has its mounts said from the record. Pure: no filesystem.
import type {MountUse} from '../model.js';
import {cleanPath} from '../mount-uses.js';
import type {LibpodContainer} from './libpod.js';

/** podman's global flags that take no value (`podman --help`, 4.x–5.x). */
const GLOBAL_BOOL = new Set(['help', 'noout', 'remote', 'r', 'syslog', 'version', 'v', 'transient-store']);

/** `podman run|create` flags that take no value (their `--help`, 4.x–5.x); every other flag takes one. */
const CREATE_BOOL = new Set([
  'detach',
  'disable-content-trust',
  'env-host',
  'help',
  'http-proxy',
  'init',
  'interactive',
  'no-healthcheck',
  'no-hostname',
  'no-hosts',
  'oom-kill-disable',
  'passwd',
  'privileged',
  'publish-all',
  'quiet',
  'read-only',
  'read-only-tmpfs',
  'replace',
  'rm',
  'rmi',
  'rootfs',
  'sig-proxy',
  'tls-verify',
  'tty',
  'unsetenv-all',
]);
const SHORT_BOOL = new Set(['d', 'i', 'P', 'q', 't']);

/** A flag's name and value as written: `--volume=x`, `--mount x`, `-v x` (the short form alone, out of a cluster like `-itv x`). */
interface Flag {
  name: string;
  value: string;
  text: string;
}

/** The tokens after `run` / `create` / `container run|create`, or undefined for any other command line. */
function createArgs(argv: string[]): string[] | undefined {
  let i = 1;
  const positional = (): string | undefined => {
    for (; i < argv.length; i++) {
      const tok = argv[i]!;
      if (!tok.startsWith('-') || tok === '-') return argv[i++];
      const name = tok.replace(/^--?/, '');
      if (!name.includes('=') && !GLOBAL_BOOL.has(name)) i++;
    }
    return undefined;
  };
  let sub = positional();
  if (sub === 'container') sub = positional();
  return sub === 'run' || sub === 'create' ? argv.slice(i) : undefined;
}

/** Every flag before the image, read as pflag does: `--name=v`, `--name v`, `-v x`, `-vx`, `-itv x`; `--` or the first argument ends them. */
function flags(args: string[]): Flag[] {
  const out: Flag[] = [];
  for (let i = 0; i < args.length; i++) {
    const tok = args[i]!;
    if (tok === '--' || !tok.startsWith('-') || tok === '-') break;
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      if (eq > 0) {
        out.push({name: tok.slice(2, eq), value: tok.slice(eq + 1), text: tok});
        continue;
      }
      const name = tok.slice(2);
      const next = args[i + 1];
      // A flag this table does not know (a newer podman's) is taken as valued unless a flag follows it.
      if (CREATE_BOOL.has(name) || next === undefined || next.startsWith('-')) continue;
      out.push({name, value: next, text: `${tok} ${next}`});
      i++;
      continue;
    }
    for (let j = 1; j < tok.length; j++) {
      const ch = tok[j]!;
      if (SHORT_BOOL.has(ch)) continue;
      // The rest of the cluster is the value (`-vx`, `-v=x`), else the next argument.
      const rest = tok.slice(j + 1).replace(/^=/, '');
      const value = rest || args[++i] || '';
      out.push({name: ch, value, text: `-${ch} ${value}`});
      break;
    }
  }
  return out;
}

/** A mount flag's destination and how it asked: `-v src:dst[:opts]` (a lone path is anonymous), `--mount …,dst=…`, `--tmpfs dst[:opts]`. */
function useOf(flag: Flag): [string, MountUse] | undefined {
  if (flag.name === 'v' || flag.name === 'volume') {
    const parts = flag.value.split(':');
    const anonymous = parts.length === 1;
    return [cleanPath(anonymous ? parts[0]! : parts[1]!), {how: anonymous ? 'anonymous -v' : '-v', flag: flag.text}];
  }
  if (flag.name === 'mount') {
    const fields = new Map(flag.value.split(',').map((kv) => [kv.split('=')[0]!, kv.slice(kv.indexOf('=') + 1)]));
    const dst = fields.get('dst') ?? fields.get('destination') ?? fields.get('target');
    return dst ? [cleanPath(dst), {how: '--mount', flag: flag.text}] : undefined;
  }
  if (flag.name === 'tmpfs') return [cleanPath(flag.value.split(':')[0]!), {how: '--tmpfs', flag: flag.text}];
  return undefined;
}

/** Options podman adds to every volume, bind and tmpfs it records; the rest are the user's. */
const DEFAULT_OPTIONS = new Set(['rw', 'rprivate', 'rbind', 'nosuid', 'nodev', 'tmpcopyup']);
const userOptions = (options: string[] | undefined) => {
  const own = (options ?? []).filter((o) => !DEFAULT_OPTIONS.has(o));
  return own.length ? `:${own.join(',')}` : '';
};

/**
 * destination → how it was asked for, for every volume, bind and tmpfs the user gave the
 * container. `anonymous`: whether libpod made the named volume for the container (isAnon);
 * `imageVolumes`: the image's VOLUME paths, which podman fills with anonymous volumes.
 */
export function podmanMountUses(c: LibpodContainer, anonymous: (name: string) => boolean, imageVolumes: ReadonlySet<string>): Record<string, MountUse> {
  const args = c.CreateCommand?.length ? createArgs(c.CreateCommand) : undefined;
  const typed = new Map<string, MountUse>();
  for (const flag of args ? flags(args) : []) {
    const use = useOf(flag);
    if (use) typed.set(...use);
  }
  const uses: Record<string, MountUse> = {};
  const record = (dest: string, fallback: () => MountUse | undefined) => {
    const d = cleanPath(dest);
    const use = typed.get(d) ?? fallback();
    if (use) uses[d] = use;
  };
  for (const v of c.namedVolumes ?? []) {
    record(v.dest, () => {
      const anon = anonymous(v.volumeName);
      if (anon && imageVolumes.has(cleanPath(v.dest))) return {how: 'image VOLUME', flag: `image VOLUME ${cleanPath(v.dest)}`};
      // A command line that names no flag for it (`--volumes-from`, a newer flag) leaves it unsaid.
      if (args) return undefined;
      return anon ? {how: 'anonymous -v', flag: `-v ${v.dest}`} : {how: 'no command line', flag: `-v ${v.volumeName}:${v.dest}${userOptions(v.options)}`};
    });
  }
  const user = new Set(c.userVolumes ?? []);
  for (const m of c.spec?.mounts ?? []) {
    if (!user.has(m.destination) || (m.type !== 'bind' && m.type !== 'tmpfs')) continue;
    record(m.destination, () => {
      if (args) return undefined;
      const flag = m.type === 'tmpfs' ? `--tmpfs ${m.destination}${userOptions(m.options)}` : `-v ${m.source ?? ''}:${m.destination}${userOptions(m.options)}`;
      return {how: 'no command line', flag};
    });
  }
  return uses;
}

// The data roots of the dockerds running on this machine, found from /proc (no pidfile: a daemon may
// have any), so that no writing command touches a live daemon's store. A dockerd's data root is its
// --data-root flag, else its config file's "data-root", else the default, and all of these are read
// the way that daemon reads them:
// - under RootlessKit (moby's test: $ROOTLESSKIT_STATE_DIR is set) the defaults are the daemon user's
//   $XDG_DATA_HOME/docker (~/.local/share/docker) and $XDG_CONFIG_HOME/docker/daemon.json
//   (~/.config/docker/daemon.json), from its environment, else its uid's home;
// - every path is the daemon's own, in its mount namespace and root: it is reached from here through
//   /proc/<pid>/root, with absolute symlinks restarting at that root, and compared with ours by
//   directory identity (device and inode), which a bind mount of the same directory shares.
import {lstatSync, readdirSync, readFileSync, readlinkSync, statSync} from 'node:fs';
import {basename, dirname, join, posix} from 'node:path';
import {resolveScoped, type LinkReader} from './cow-resolve.js';
import {realish, within} from './host-path.js';

export interface DaemonDataRoot {
  pid: number;
  /** the data root as the daemon names it, in its own mount namespace, symlinks resolved there */
  path: string;
  /** how this process reaches the daemon's paths: `/proc/<pid>/root`, or '' when it cannot */
  view: string;
  /** whether the daemon's paths are ours too (same mount namespace and root) */
  sameView: boolean;
}

function flagValue(argv: readonly string[], names: readonly string[]): string | undefined {
  for (const [i, arg] of argv.entries()) {
    if (names.includes(arg)) return argv[i + 1];
    for (const n of names) if (n.startsWith('--') && arg.startsWith(`${n}=`)) return arg.slice(n.length + 1);
  }
  return undefined;
}

const readlinkOr = (path: string): string | undefined => {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
};

/**
 * `path` (absolute, as the process behind `view` sees it) with its symlinks resolved in that process's
 * mount namespace: an absolute link target starts again at `view`, not at our root.
 */
function resolveIn(view: string, path: string): string {
  const tree: LinkReader = {
    lstat: (p) => {
      try {
        return lstatSync(view + p);
      } catch {
        return undefined; // missing, or not ours to see: taken as named
      }
    },
    readlink: (p) => readlinkSync(view + p),
  };
  try {
    return resolveScoped(tree, path);
  } catch {
    return posix.normalize(path); // a link loop: the daemon cannot use that path either
  }
}

function environOf(pid: number): Map<string, string> | undefined {
  try {
    const vars = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
    return new Map(vars.map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]));
  } catch {
    return undefined; // another user's process, when we are not root
  }
}

function uidOf(pid: number): number | undefined {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The home directory of `uid` in the passwd file the daemon sees (ours when we cannot read its). */
function homeOf(uid: number, view: string): string | undefined {
  for (const file of [`${view}${resolveIn(view, '/etc/passwd')}`, '/etc/passwd']) {
    try {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const f = line.split(':');
        if (f[2] === String(uid) && f[5]) return f[5];
      }
      return undefined;
    } catch {
      // try ours
    }
  }
  return undefined;
}

/** moby's default data root and config file for this daemon: system-wide, or its user's XDG dirs under RootlessKit. */
function defaults(pid: number, view: string): {dataRoot?: string; config?: string} {
  const env = environOf(pid);
  const uid = uidOf(pid);
  // Without its environment (not ours to read), a dockerd not run by root can only be a rootless one.
  const rootless = env ? !!env.get('ROOTLESSKIT_STATE_DIR') : uid !== undefined && uid !== 0;
  if (!rootless) return {dataRoot: '/var/lib/docker', config: '/etc/docker/daemon.json'};
  const home = env?.get('HOME') || (uid !== undefined ? homeOf(uid, view) : undefined);
  const dataHome = env?.get('XDG_DATA_HOME') || (home && posix.join(home, '.local/share'));
  const configHome = env?.get('XDG_CONFIG_HOME') || (home && posix.join(home, '.config'));
  return {dataRoot: dataHome && posix.join(dataHome, 'docker'), config: configHome && posix.join(configHome, 'docker/daemon.json')};
}

/** The data root of every dockerd running on this machine. */
export function liveDockerDataRoots(): DaemonDataRoot[] {
  const roots: DaemonDataRoot[] = [];
  const ourNs = readlinkOr('/proc/self/ns/mnt');
  const pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  for (const pid of pids.map(Number)) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone
    }
    if (basename(argv[0] ?? '') !== 'dockerd') continue;
    const theirNs = readlinkOr(`/proc/${pid}/ns/mnt`);
    const theirRoot = readlinkOr(`/proc/${pid}/root`);
    // Unreadable (another user's daemon, when we are not root): its paths are taken as ours.
    const view = theirRoot === undefined ? '' : `/proc/${pid}/root`;
    const sameView = view === '' || (theirNs === ourNs && theirRoot === '/');
    // Relative paths (--data-root, --config-file) are relative to the daemon's working directory.
    const cwd = readlinkOr(`/proc/${pid}/cwd`) ?? '/';
    const {dataRoot, config: defaultConfig} = defaults(pid, view);
    const config = flagValue(argv, ['--config-file']) ?? defaultConfig;
    let configured: string | undefined;
    try {
      if (config) {
        const json = JSON.parse(readFileSync(`${view}${resolveIn(view, posix.resolve(cwd, config))}`, 'utf8')) as {'data-root'?: string; graph?: string};
        configured = json['data-root'] ?? json.graph;
      }
    } catch {
      // no config file
    }
    const dir = flagValue(argv, ['--data-root', '-g', '--graph']) ?? configured ?? dataRoot;
    if (!dir) continue; // a rootless daemon with no home: moby itself cannot start so
    roots.push({pid, path: resolveIn(view, posix.resolve(cwd, dir)), view, sameView});
  }
  return roots;
}

/** A directory's identity, the same through every mount (bind mounts included) and mount namespace. */
function identity(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined; // not there (yet), or not ours to see
  }
}

/** `p` and every directory above it, up to '/'. */
function lineage(p: string): string[] {
  const out = [p];
  while (dirname(out.at(-1)!) !== out.at(-1)) out.push(dirname(out.at(-1)!));
  return out;
}

/** Whether `dir` (a path of ours) is the daemon's data root, lies inside it, or holds it. */
export function overlapsDataRoot(dir: string, d: DaemonDataRoot): boolean {
  const mine = realish(dir);
  // By name, which also covers directories not made yet.
  if (d.sameView && (within(mine, d.path) || within(d.path, mine))) return true;
  // By identity: their data root is one of our directories, or one of theirs is our directory.
  const theirs = identity(join(d.view, d.path));
  if (theirs && lineage(mine).some((p) => identity(p) === theirs)) return true;
  const ours = identity(mine);
  return !!ours && lineage(d.path).some((p) => identity(join(d.view, p)) === ours);
}

/** Throw when a running dockerd uses `root`, a directory inside it, or one around it. */
export function assertNoDaemon(root: string): void {
  for (const d of liveDockerDataRoots()) {
    if (overlapsDataRoot(root, d)) {
      throw new Error(`${root} is the data root of a running dockerd (pid ${d.pid}, ${d.path}); refusing to write into it`);
    }
  }
}

// RUN steps: the command runs in a sandbox over a kernel overlay mount of the image's layers, like the
// classic builder's step container. Two Debian tools do it, no hand-made syscalls:
//
// - util-linux sets the stage on the host side: `setpriv --pdeathsig KILL` (the whole tree dies with
//   the CLI, even on kill -9), `unshare --mount --pid --fork --kill-child --mount-proc` (the overlay is
//   mounted in a private mount namespace, so it disappears with the last process; every helper lives in
//   a pid namespace whose init dies with its parent), and `unshare --user` + `nsenter` for a user
//   namespace with the identity map in which the step can make no user namespace of its own.
// - bubblewrap (Flatpak's sandbox) enters that user namespace and makes fresh pid, net, ipc, uts and
//   mount namespaces, pivot_roots into the merged view (the host's root is unmounted, not merely out
//   of a chroot's reach), mounts a /proc of the new pid namespace with /proc/sys read-only, a private
//   /dev, sets no_new_privs, keeps only Docker's default capabilities (themselves only valid inside the
//   user namespace), loads our seccomp filter (seccomp.ts), clears the environment and sets the image's
//   ENV for the command alone.
//
// crun with a generated OCI spec would do the same, but crun 1.8 refuses to start on hosts whose cgroup
// v2 hierarchy holds controllers in hybrid mode (this machine), even with --cgroup-manager=disabled.
// Like Docker, the mount points come from a throw-away "init" lower layer, so they never end up in the
// step's layer unless the command itself changes them.
import {spawn, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import * as fsp from 'node:fs/promises';
import {join, posix, relative} from 'node:path';
import {CowError, CowView} from './cow.js';
import {mkdirAllInView} from './cow-resolve.js';
import {seccompFilter} from './seccomp.js';

/** The only environment the host-side helpers get: nothing of the image's ENV, nothing of ours. */
const HOST_ENV = {PATH: '/usr/sbin:/usr/bin:/sbin:/bin'};

/** Docker's default capabilities (oci/caps/defaults.go), here valid only inside the step's user namespace. */
const CAPS = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FSETID',
  'FOWNER',
  'MKNOD',
  'NET_RAW',
  'SETGID',
  'SETUID',
  'SETFCAP',
  'SETPCAP',
  'NET_BIND_SERVICE',
  'SYS_CHROOT',
  'KILL',
  'AUDIT_WRITE',
];

/** Docker's masked /proc paths (oci/defaults.go): files hidden behind /dev/null, directories behind an empty tmpfs. */
const MASKED_FILES = ['/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug'];
const MASKED_DIRS = ['/proc/acpi', '/proc/asound', '/proc/scsi'];

const TOOLS = ['setpriv', 'unshare', 'nsenter', 'mount', 'bwrap'] as const;

export interface RunOptions {
  /** overlay2 directory of the data root (lower paths are given relative to it, keeping mount options short) */
  overlayDir: string;
  /** lower diff dirs, top-most first */
  lowerDirs: string[];
  upperDir: string;
  workDir: string;
  /** an empty directory for the temporary init layer and mount point (the caller removes it) */
  scratchDir: string;
  argv: string[];
  env: string[];
  /** working directory inside the image ('' = /) */
  cwd: string;
  /** Docker USER value: name, uid, name:group or uid:gid ('' = root) */
  user: string;
  /** the step container's host name (Docker: the first 12 digits of its id) */
  hostname: string;
  onOutput: (chunk: Buffer) => void;
}

/** Why RUN cannot work here, or undefined when it can. */
export function runUnsupportedReason(): string | undefined {
  if (process.platform !== 'linux') return `RUN needs Linux (overlay mounts, namespaces); this is ${process.platform}`;
  if (!seccompFilter()) return `RUN has no seccomp filter for this architecture (${process.arch}); it runs steps on x64 and arm64 hosts`;
  if (process.getuid?.() !== 0) return 'RUN needs root: it mounts an overlay filesystem and maps a user namespace (run as root, or build with COPY/ADD only)';
  for (const tool of TOOLS) {
    if (spawnSync('which', [tool], {env: HOST_ENV}).status !== 0) {
      return `RUN needs the "${tool}" tool, which is not installed (${tool === 'bwrap' ? 'Debian package bubblewrap' : 'Debian package util-linux'})`;
    }
  }
  return undefined;
}

/** Look a name up in the image's /etc/passwd or /etc/group, read through the merged view (its symlinks stay in the image). */
function lookupId(view: CowView, file: 'passwd' | 'group', name: string): {id: number; gid?: number} {
  if (/^\d+$/.test(name)) return {id: Number(name)};
  let text = '';
  try {
    text = view.readFile(`/etc/${file}`).toString('utf8');
  } catch (err) {
    if (!(err instanceof CowError)) throw err;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && /^\d+$/.test(f[2] ?? '')) return {id: Number(f[2]), gid: file === 'passwd' && /^\d+$/.test(f[3] ?? '') ? Number(f[3]) : undefined};
  }
  throw new Error(`unable to find ${file === 'passwd' ? 'user' : 'group'} ${name} in the image's /etc/${file}`);
}

function resolveUser(view: CowView, user: string): {uid: number; gid: number} {
  if (!user) return {uid: 0, gid: 0};
  const [u, g] = user.split(':');
  const pw = lookupId(view, 'passwd', u!);
  return {uid: pw.id, gid: g !== undefined ? lookupId(view, 'group', g).id : (pw.gid ?? 0)};
}

// The host-side stage, run by bash (dash cannot close descriptors above 9) inside the private mount
// and pid namespaces. $1 is the overlay's mount options, $2 the mount point, $3:$4 the step's uid:gid,
// $5 the seccomp filter (bubblewrap reads it from descriptor 4); the rest is bubblewrap's command line
// but for the root file system.
const STAGE = `set -e
# Descriptors the CLI inherited without close-on-exec must not reach the step (a directory fd is a way out).
for fd in /proc/self/fd/*; do
  n=\${fd##*/}
  case $n in 0|1|2) ;; *) eval "exec $n>&-" 2>/dev/null || true ;; esac
done
mount -t overlay overlay -o "$1" "$2"
merged=$2 uid=$3 gid=$4
exec 4< "$5"
shift 5
# A user namespace mapping every id to itself: the step's root owns the files it writes as root would,
# but its capabilities reach nothing outside the namespaces made for it.
unshare --user sleep 600 & holder=$!
while [ "$(readlink /proc/$holder/ns/user)" = "$(readlink /proc/self/ns/user)" ]; do :; done
if [ ! -e /proc/$holder/uid_map ]; then
  echo 'layerscope: RUN cannot create a user namespace here (are user namespaces disabled?)' >&2
  exit 125
fi
echo '0 0 4294967295' > /proc/$holder/uid_map
echo '0 0 4294967295' > /proc/$holder/gid_map
exec 3< /proc/$holder/ns/user
if [ "$uid" = 0 ]; then
  # No user namespace can be made inside (/proc/sys is read-only in the step: it stays so).
  nsenter --user=/proc/$holder/ns/user sh -c 'echo 0 > /proc/sys/user/max_user_namespaces'
  kill $holder
  # bubblewrap sets the group itself while the user stays root; none of our supplementary groups pass.
  exec setpriv --clear-groups -- bwrap --userns 3 --uid 0 --gid "$gid" --bind "$merged" / "$@"
fi
# Another user: bubblewrap cannot switch users inside a given user namespace (it changes the user
# first and then lacks the capability to mount), so it runs as that user in the identity namespace and
# makes the step's own namespace there (one, and none inside it: --disable-userns). The user cannot
# walk our 0700 directories to the mount point: it gets a view of it on a tmpfs of this namespace.
nsenter --user=/proc/$holder/ns/user sh -c 'echo 2 > /proc/sys/user/max_user_namespaces'
kill $holder
mount -t tmpfs -o mode=755 layerscope /mnt
mkdir /mnt/root
mount --bind "$merged" /mnt/root
exec nsenter --user=/proc/self/fd/3 --setuid "$uid" --setgid "$gid" -- \\
  bwrap --unshare-user --disable-userns --uid "$uid" --gid "$gid" --bind /mnt/root / "$@"
`;

/** bubblewrap's arguments for the step, but for the root file system and the ids (see STAGE). */
function bwrapArgs(o: RunOptions, cwd: string, ids: {uid: number; gid: number}): string[] {
  return [
    '--unshare-pid',
    '--unshare-net',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--die-with-parent',
    '--new-session',
    '--as-pid-1',
    '--hostname',
    o.hostname,
    '--proc',
    '/proc',
    '--ro-bind',
    '/proc/sys',
    '/proc/sys',
    '--ro-bind-try',
    '/proc/sysrq-trigger',
    '/proc/sysrq-trigger',
    // The new /proc is the same kernel's: mask what exists here.
    ...MASKED_FILES.filter((f) => existsSync(f)).flatMap((f) => ['--ro-bind', '/dev/null', f]),
    ...MASKED_DIRS.filter((d) => existsSync(d)).flatMap((d) => ['--tmpfs', d]),
    '--dev',
    '/dev',
    '--clearenv',
    ...o.env.flatMap((e) => {
      const eq = e.indexOf('=');
      return eq > 0 ? ['--setenv', e.slice(0, eq), e.slice(eq + 1)] : [];
    }),
    '--chdir',
    cwd,
    '--seccomp',
    '4',
    // Root keeps Docker's default set; another user gets none.
    ...(ids.uid === 0 ? ['--cap-drop', 'ALL', ...CAPS.flatMap((c) => ['--cap-add', `CAP_${c}`])] : []),
    '--',
    ...o.argv,
  ];
}

/** Run the command; resolves with its exit code. The upper dir receives the filesystem changes. */
export async function runInLayer(o: RunOptions): Promise<number> {
  const reason = runUnsupportedReason();
  if (reason) throw new Error(reason);
  const init = join(o.scratchDir, 'buildinit');
  const merged = join(o.scratchDir, 'merged');
  // The mount points bubblewrap needs, in a lower layer of their own (the step's layer never sees them).
  for (const d of ['proc', 'dev']) await fsp.mkdir(join(init, d), {recursive: true, mode: 0o755});
  await fsp.mkdir(merged);
  const filter = join(o.scratchDir, 'seccomp.bpf');
  await fsp.writeFile(filter, seccompFilter()!, {mode: 0o600});
  const view = new CowView({upper: o.upperDir, lowers: [init, ...o.lowerDirs]});
  // Docker creates the working directory when it creates the step's container: through the view, so an
  // image symlink on the way is followed inside the image, never on the host.
  const cwd = posix.resolve('/', o.cwd || '/');
  mkdirAllInView(view, cwd);
  const ids = resolveUser(view, o.user);
  const rel = (p: string): string => relative(o.overlayDir, p);
  const options = `lowerdir=${[rel(init), ...o.lowerDirs.map(rel)].join(':')},upperdir=${rel(o.upperDir)},workdir=${rel(o.workDir)}`;
  const child = spawn(
    'setpriv',
    [
      '--pdeathsig',
      'KILL',
      '--',
      'unshare',
      '--mount',
      '--propagation',
      'private',
      '--pid',
      '--fork',
      '--kill-child',
      '--mount-proc',
      '--',
      '/bin/bash',
      '-c',
      STAGE,
      'stage',
      options,
      merged,
      String(ids.uid),
      String(ids.gid),
      filter,
      ...bwrapArgs(o, cwd, ids),
    ],
    {cwd: o.overlayDir, env: HOST_ENV, stdio: ['ignore', 'pipe', 'pipe']},
  );
  child.stdout.on('data', o.onOutput);
  child.stderr.on('data', o.onOutput);
  return new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

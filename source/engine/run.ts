// RUN steps: execute a command in the image's filesystem through a kernel overlay mount, inside a
// private mount + network + pid namespace (`unshare`), chrooted, with /proc and a few /dev nodes.
// Like Docker, the mount points come from a throw-away "init" lower layer, so they never end up in the
// step's layer unless the command itself changes them.
import {spawn, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import * as fsp from 'node:fs/promises';
import {join, relative} from 'node:path';

const DEV_NODES = ['null', 'zero', 'random', 'urandom', 'tty'];

export interface RunOptions {
  /** overlay2 directory of the data root (lower paths are given relative to it, keeping mount options short) */
  overlayDir: string;
  /** lower diff dirs, top-most first */
  lowerDirs: string[];
  upperDir: string;
  workDir: string;
  /** directory for the temporary init layer and mount point (removed afterwards) */
  scratchDir: string;
  argv: string[];
  env: string[];
  /** working directory inside the image ('' = /) */
  cwd: string;
  /** Docker USER value: name, uid, name:group or uid:gid ('' = root) */
  user: string;
  onOutput: (chunk: Buffer) => void;
}

/** Why RUN cannot work here, or undefined when it can. */
export function runUnsupportedReason(): string | undefined {
  if (process.platform !== 'linux') return `RUN needs Linux (overlay mounts, namespaces); this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'RUN needs root: it mounts an overlay filesystem and chroots into it (run as root, or build with COPY/ADD only)';
  for (const tool of ['unshare', 'mount', 'chroot']) {
    if (spawnSync('which', [tool]).status !== 0) return `RUN needs the "${tool}" tool, which is not installed`;
  }
  return undefined;
}

function which(tool: string): string {
  return spawnSync('which', [tool], {encoding: 'utf8'}).stdout.trim();
}

/** Look a name up in the first /etc/passwd or /etc/group found in the image layers (top-most first). */
async function lookupId(dirs: string[], file: 'passwd' | 'group', name: string): Promise<{id: number; gid?: number}> {
  if (/^\d+$/.test(name)) return {id: Number(name)};
  for (const dir of dirs) {
    const text = await fsp.readFile(join(dir, 'etc', file), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    for (const line of text.split('\n')) {
      const f = line.split(':');
      if (f[0] === name) return {id: Number(f[2]), gid: file === 'passwd' ? Number(f[3]) : undefined};
    }
    break;
  }
  throw new Error(`unable to find ${file === 'passwd' ? 'user' : 'group'} ${name} in the image's /etc/${file}`);
}

async function resolveUser(dirs: string[], user: string): Promise<string | undefined> {
  if (!user) return undefined;
  const [u, g] = user.split(':');
  const pw = await lookupId(dirs, 'passwd', u!);
  const gid = g !== undefined ? (await lookupId(dirs, 'group', g)).id : pw.gid ?? 0;
  return `${pw.id}:${gid}`;
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Run the command; resolves with its exit code. The upper dir receives the filesystem changes. */
export async function runInLayer(o: RunOptions): Promise<number> {
  const reason = runUnsupportedReason();
  if (reason) throw new Error(reason);
  const init = join(o.scratchDir, 'buildinit');
  const merged = join(o.scratchDir, 'merged');
  await fsp.mkdir(join(init, 'proc'), {recursive: true, mode: 0o755});
  await fsp.mkdir(join(init, 'dev'), {recursive: true, mode: 0o755});
  for (const n of DEV_NODES) await fsp.writeFile(join(init, 'dev', n), '', {mode: 0o644});
  await fsp.mkdir(merged, {recursive: true});
  try {
    const userspec = await resolveUser([o.upperDir, ...o.lowerDirs], o.user);
    const rel = (p: string): string => relative(o.overlayDir, p);
    const lower = [rel(init), ...o.lowerDirs.map(rel)].join(':');
    const [mount, chroot, mkdir] = [which('mount'), which('chroot'), which('mkdir')];
    const m = q(rel(merged));
    const cwd = o.cwd || '/';
    const inner = [
      `${chroot}${userspec ? ` --userspec=${userspec}` : ''} ${m} /bin/sh -c 'cd -- "$0" && exec "$@"' ${q(cwd)} ${o.argv.map(q).join(' ')}`,
    ];
    const script = [
      'set -e',
      `cd ${q(o.overlayDir)}`,
      `${mount} -t overlay overlay -o ${q(`lowerdir=${lower},upperdir=${rel(o.upperDir)},workdir=${rel(o.workDir)}`)} ${m}`,
      `${mount} -t proc proc ${m}/proc`,
      ...DEV_NODES.map((n) => `${mount} --bind /dev/${n} ${m}/dev/${n}`),
      // Docker creates the working directory when it creates the step's container.
      `${mkdir} -p ${m}${q(cwd)}`,
      'set +e',
      ...inner,
    ].join('\n');
    const child = spawn(which('unshare'), ['--mount', '--net', '--pid', '--fork', '--propagation', 'private', '/bin/sh', '-c', script], {
      env: Object.fromEntries(o.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', o.onOutput);
    child.stderr.on('data', o.onOutput);
    return await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
  } finally {
    // The namespace died with the process, taking its mounts along; only the directories remain.
    if (existsSync(merged)) await fsp.rmdir(merged).catch(() => undefined);
    await fsp.rm(init, {recursive: true, force: true});
  }
}

// A real dockerd for tests: the one already running, or one started on a temp data root
// with ../shared/real-docker/start-dockerd.sh (root; installs Debian's docker.io if needed).
import {execFile} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {SHARED} from './real-store.js';

export const run = promisify(execFile);
export const SHARED_BASE_SCRIPT = join(SHARED, 'real-docker/make-base-image.sh');

export interface Daemon {
  dataRoot: string;
  /** Set when this process started the daemon and so must stop it. */
  pid?: number;
  tempRoot?: string;
}

export async function docker(...args: string[]): Promise<string> {
  return (await run('docker', args, {maxBuffer: 64 << 20})).stdout;
}

async function dockerInfoRoot(): Promise<string | undefined> {
  try {
    return (await run('docker', ['info', '--format', '{{.DockerRootDir}}'])).stdout.trim();
  } catch {
    return undefined;
  }
}

/** A running dockerd, or the reason there is none (for the skip message). */
export async function startDaemon(): Promise<Daemon | string> {
  const running = await dockerInfoRoot();
  if (running) return {dataRoot: running};
  if (process.getuid?.() !== 0) return 'starting dockerd needs root';
  if (!existsSync(SHARED_BASE_SCRIPT)) return `${SHARED} is missing (its real-docker scripts start dockerd)`;
  const tempRoot = mkdtempSync(join(tmpdir(), 'layerscope-dockerd-'));
  try {
    await run(join(SHARED, 'real-docker/start-dockerd.sh'), [tempRoot], {timeout: 300_000});
  } catch (error) {
    rmSync(tempRoot, {recursive: true, force: true});
    return `dockerd could not start: ${(error as Error).message.split('\n')[0]}`;
  }
  const dataRoot = await dockerInfoRoot();
  const pid = Number(readFileSync('/var/run/docker.pid', 'utf8'));
  // Someone else's daemon may have won the race to the socket: then it is not ours to stop.
  if (dataRoot !== tempRoot) {
    rmSync(tempRoot, {recursive: true, force: true});
    return dataRoot ? {dataRoot} : 'dockerd started but does not answer';
  }
  return {dataRoot, pid, tempRoot};
}

export async function stopDaemon(daemon: Daemon): Promise<void> {
  if (daemon.pid === undefined) return;
  process.kill(daemon.pid, 'SIGTERM');
  for (let i = 0; i < 100 && existsSync(`/proc/${daemon.pid}`); i++) await new Promise((r) => setTimeout(r, 200));
  if (daemon.tempRoot) rmSync(daemon.tempRoot, {recursive: true, force: true});
}

/** Import the busybox base image `localbase:1` unless the daemon has it. */
export async function ensureBaseImage(): Promise<void> {
  try {
    await docker('image', 'inspect', 'localbase:1');
  } catch {
    await run(join(SHARED, 'real-docker/make-base-image.sh'), [], {timeout: 120_000});
  }
}

/**
 * A private dockerd with another storage driver (e.g. vfs) on its own socket, data root and
 * exec root, so it never meets the default daemon. Returns DOCKER_HOST for the CLI, or why not.
 */
export async function startPrivateDaemon(driver: string): Promise<{host: string; dataRoot: string; stop: () => Promise<void>} | string> {
  if (process.getuid?.() !== 0) return 'starting dockerd needs root';
  if (!existsSync(SHARED_BASE_SCRIPT)) return `${SHARED} is missing (its real-docker scripts make the base image)`;
  try {
    await run('sh', ['-c', 'command -v dockerd']);
  } catch {
    return 'dockerd is not installed (run ../shared/real-docker/start-dockerd.sh once)';
  }
  const dir = mkdtempSync(join(tmpdir(), `layerscope-${driver}-`));
  const host = `unix://${dir}/sock`;
  const {spawn} = await import('node:child_process');
  const child = spawn('dockerd', ['--data-root', `${dir}/root`, '--exec-root', `${dir}/exec`, '--pidfile', `${dir}/pid`, '-H', host,
    '--storage-driver', driver, '--iptables=false', '--bridge=none', '--ip-forward=false', '--ip-masq=false'], {stdio: 'ignore', detached: true});
  const stop = async () => {
    child.kill('SIGTERM');
    for (let i = 0; i < 100 && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 200));
    await run('sh', ['-c', `umount -R ${dir}/exec 2>/dev/null; true`]);
    rmSync(dir, {recursive: true, force: true});
  };
  for (let i = 0; i < 120; i++) {
    try {
      await run('docker', ['-H', host, 'info'], {timeout: 5000});
      return {host, dataRoot: `${dir}/root`, stop};
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  await stop();
  return `a private dockerd with --storage-driver ${driver} did not start`;
}

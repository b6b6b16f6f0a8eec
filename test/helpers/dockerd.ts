// A real dockerd for tests: the one already running, or one started on a temp data root
// with ../shared/real-docker/start-dockerd.sh (root; installs Debian's docker.io if needed).
import {execFile} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {SHARED} from './real-store.js';

export const run = promisify(execFile);

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

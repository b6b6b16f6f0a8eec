// A private, real dockerd for one test file: its own data root, exec root, pidfile and unix socket
// in a temp directory (scripts/dockerd-start.sh), so a test never reads or changes a daemon it did
// not start, and none sees another's images or volumes. Every docker call goes to that socket.
//
//   let daemon: Daemon | string = 'not started';
//   beforeAll(async () => { daemon = await startDaemon({baseImage: true}); }, 600_000);
//   afterAll(async () => { if (typeof daemon !== 'string') await daemon.stop(); }, 120_000);
//   it('...', async (ctx) => { if (typeof daemon === 'string') return ctx.skip(daemon); await daemon.docker('ps'); });
//
// A string instead of a Daemon is the reason there is none (not root, dockerd not installed, it did
// not start): tests skip with it.
import {execFile, execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {promisify} from 'node:util';

export const run = promisify(execFile);
/** The project's shell recipes: dockerd-start.sh, dockerd-stop.sh, make-base-image.sh. */
export const SCRIPTS = resolve(import.meta.dirname, '../../scripts');

export interface Daemon {
  /** The DOCKER_HOST value of this daemon (unix://DIR/sock). */
  host: string;
  /** Its --data-root: the store layerscope reads. */
  dataRoot: string;
  /** Its --pidfile. */
  pidFile: string;
  /** Run the docker CLI against this daemon (classic builder); resolves to stdout. */
  docker(...args: string[]): Promise<string>;
  /** GET from this daemon's API (raw numbers where the CLI rounds). */
  api(path: string): Promise<string>;
  /** Stop the daemon (and its containers), unmount what it left, remove its directory. */
  stop(): Promise<void>;
}

/** Why a test cannot have a dockerd here, or undefined when it can. */
export function daemonUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'starting dockerd needs root';
  for (const tool of ['dockerd', 'docker', 'busybox', 'curl']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore'});
    } catch {
      return `${tool} is not installed (.ci/run installs docker.io, busybox-static, curl)`;
    }
  }
  return undefined;
}

/**
 * Start a private dockerd (storage driver `driver`, dockerd's default overlay2 otherwise) and,
 * with `baseImage`, import the busybox image `localbase:1` into it (scripts/make-base-image.sh).
 */
export async function startDaemon(opts: {driver?: string; baseImage?: boolean} = {}): Promise<Daemon | string> {
  const unavailable = daemonUnavailable();
  if (unavailable) return unavailable;
  // Short path: the daemon's sockets live under it (108-byte limit).
  const dir = mkdtempSync('/tmp/layerscope-dockerd-');
  const env = {...process.env, DOCKER_HOST: `unix://${dir}/sock`, DOCKER_BUILDKIT: '0', ...(opts.driver ? {STORAGE_DRIVER: opts.driver} : {})};
  const stop = async (): Promise<void> => {
    await run(join(SCRIPTS, 'dockerd-stop.sh'), [dir], {timeout: 120_000}).catch(() => undefined);
    rmSync(dir, {recursive: true, force: true});
  };
  try {
    await run(join(SCRIPTS, 'dockerd-start.sh'), [dir], {env, timeout: 120_000});
    if (opts.baseImage) await run(join(SCRIPTS, 'make-base-image.sh'), [], {env, timeout: 120_000});
  } catch (error) {
    await stop();
    const {stderr, message} = error as {stderr?: string; message: string};
    return `a private dockerd${opts.driver ? ` (--storage-driver ${opts.driver})` : ''} did not start: ${(stderr || message).trim().split('\n')[0]}`;
  }
  return {
    host: env.DOCKER_HOST,
    dataRoot: join(dir, 'root'),
    pidFile: join(dir, 'pid'),
    docker: async (...args) => (await run('docker', args, {env, maxBuffer: 64 << 20})).stdout,
    api: async (path) => (await run('curl', ['-sf', '--unix-socket', join(dir, 'sock'), `http://localhost${path}`], {maxBuffer: 64 << 20})).stdout,
    stop,
  };
}

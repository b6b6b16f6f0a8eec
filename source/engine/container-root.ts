// Which roots the engine may write into: its own (marker file), and never one a running dockerd uses,
// even if it carries our marker (a daemon pointed at an engine root would see its files change under it).
import {readFileSync, realpathSync} from 'node:fs';
import {resolve, sep} from 'node:path';
import {assertEngineRoot} from './layout.js';

const DOCKER_PID_FILE = '/var/run/docker.pid';
const DEFAULT_DATA_ROOT = '/var/lib/docker';

/** The data root of the dockerd named by /var/run/docker.pid, if one is running. */
export function runningDockerDataRoot(pidFile = DOCKER_PID_FILE): string | undefined {
  let argv: string[];
  try {
    const pid = readFileSync(pidFile, 'utf8').trim();
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
  for (const [i, arg] of argv.entries()) {
    if (arg === '--data-root' || arg === '-g' || arg === '--graph') return argv[i + 1];
    const m = /^--(?:data-root|graph)=(.*)$/.exec(arg);
    if (m) return m[1];
  }
  return configuredDataRoot() ?? DEFAULT_DATA_ROOT;
}

function configuredDataRoot(): string | undefined {
  try {
    return (JSON.parse(readFileSync('/etc/docker/daemon.json', 'utf8')) as {'data-root'?: string})['data-root'];
  } catch {
    return undefined;
  }
}

const real = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
};

/** Throw unless the engine created `root` and no running dockerd uses it (or a directory around it). */
export async function assertWritableRoot(root: string, pidFile = DOCKER_PID_FILE): Promise<void> {
  await assertEngineRoot(root);
  const daemonRoot = runningDockerDataRoot(pidFile);
  if (!daemonRoot) return;
  const [mine, theirs] = [real(root), real(daemonRoot)];
  if (mine === theirs || mine.startsWith(theirs + sep) || theirs.startsWith(mine + sep)) {
    throw new Error(`${root} is the data root of a running dockerd (${daemonRoot}); refusing to write into it`);
  }
}

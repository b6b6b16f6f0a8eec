// `layerscope mount CONTAINER DIR` / `umount DIR`: the container's layers as a real kernel overlay
// mount, so any program can write into the writable layer. Mounted like the overlay2 driver does it
// (lowerdir from the layer's `lower` file of l/ short links, relative to overlay2/), with the
// features the reader does not follow (redirect_dir, metacopy, index) turned off, and nosuid,nodev: a
// set-user-ID file or a device node from an untrusted image must not work through the mount point. The
// mount source is named "layerscope", which is how umount recognises its own mounts.
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync, realpathSync, statSync} from 'node:fs';
import {mountTable, upperDirOf} from './mountinfo.js';
import {dirname, join} from 'node:path';
import {EngineRoot} from './engine-root.js';
import {realish, within} from './host-path.js';
import {liveDockerDataRoots, overlapsDataRoot} from './live-dockerd.js';
import {containerLayers} from './container.js';
import {MARKER_FILE} from './layout.js';

const SOURCE = 'layerscope';
const HOST_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const FEATURES_OFF = 'redirect_dir=off,index=off,metacopy=off';
/** What a mount of untrusted content must never honour. */
const SAFE_FLAGS = 'nosuid,nodev';

function assertCanMount(): void {
  if (process.platform !== 'linux') throw new Error(`mount needs Linux overlayfs; this is ${process.platform}`);
  if (process.getuid?.() !== 0) throw new Error('mount needs root (mount -t overlay); use `layerscope fs` to change a container without root');
}

export async function mountContainer(root: string, ref: string, dir: string): Promise<string> {
  assertCanMount();
  const engine = await EngineRoot.open(root);
  const {layerDir} = containerLayers(engine.root, ref);
  if (!statSync(dir, {throwIfNoEntry: false})?.isDirectory()) throw new Error(`${dir}: not a directory`);
  const target = realpathSync(dir);
  if (mountTable().some((m) => m.target === target)) throw new Error(`${dir} is already a mount point`);
  // Two overlays on one upper directory are undefined behaviour for the kernel.
  engine.assertNotMounted(layerDir, `container ${ref}`);
  const upper = join(realish(layerDir), 'diff');
  const store = realish(engine.root);
  if (within(target, store) || within(store, target)) throw new Error(`${dir} lies inside the store ${store} (or holds it); mount somewhere else`);
  for (const d of liveDockerDataRoots()) {
    if (overlapsDataRoot(target, d)) throw new Error(`${dir} lies inside the store ${d.path} of a running dockerd (or holds it); mount somewhere else`);
  }
  const overlayDir = dirname(layerDir);
  const lower = readFileSync(join(layerDir, 'lower'), 'utf8').trim();
  const options = `${SAFE_FLAGS},lowerdir=${lower},upperdir=${upper},workdir=${join(realish(layerDir), 'work')},${FEATURES_OFF}`;
  execFileSync('mount', ['-t', 'overlay', SOURCE, '-o', options, target], {cwd: overlayDir, stdio: ['ignore', 'ignore', 'pipe'], env: {PATH: HOST_PATH}});
  return target;
}

/** Unmount DIR if it is an overlay this tool mounted over an engine root; refuse anything else. */
export function umountContainer(dir: string): void {
  assertCanMount();
  const target = existsSync(dir) ? realpathSync(dir) : dir;
  const entry = mountTable().findLast((m) => m.target === target);
  if (!entry) throw new Error(`${dir} is not a mount point`);
  const upper = upperDirOf(entry);
  // upperdir = <root>/overlay2/<id>/diff
  const root = upper && dirname(dirname(dirname(upper)));
  if (entry.fstype !== 'overlay' || entry.source !== SOURCE || !root || !existsSync(join(root, MARKER_FILE))) {
    throw new Error(`${dir} is not a layerscope container mount (${entry.fstype} from ${entry.source}); refusing to unmount it`);
  }
  execFileSync('umount', [target], {stdio: ['ignore', 'ignore', 'pipe'], env: {PATH: HOST_PATH}});
}

// `layerscope mount CONTAINER DIR` / `umount DIR`: the container's layers as a real kernel overlay
// mount, so any program can write into the writable layer. Mounted like the overlay2 driver does it
// (lowerdir from the layer's `lower` file of l/ short links, relative to overlay2/), with the
// features the reader does not follow (redirect_dir, metacopy, index) turned off. The mount source
// is named "layerscope", which is how umount recognises its own mounts.
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync, realpathSync, statSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {assertWritableRoot} from './container-root.js';
import {containerLayers} from './container.js';
import {MARKER_FILE} from './layout.js';

const SOURCE = 'layerscope';
const FEATURES_OFF = 'redirect_dir=off,index=off,metacopy=off';

function assertCanMount(): void {
  if (process.platform !== 'linux') throw new Error(`mount needs Linux overlayfs; this is ${process.platform}`);
  if (process.getuid?.() !== 0) throw new Error('mount needs root (mount -t overlay); use `layerscope fs` to change a container without root');
}

interface MountEntry {
  target: string;
  fstype: string;
  source: string;
  options: string;
}

/** /proc/self/mountinfo, with octal escapes in paths decoded. */
function mountTable(): MountEntry[] {
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((line) => {
    const [left, right = ''] = line.split(' - ');
    const [fstype = '', source = '', options = ''] = right.split(' ');
    return {target: unescape(left!.split(' ')[4] ?? ''), fstype, source: unescape(source), options};
  });
}

export async function mountContainer(root: string, ref: string, dir: string): Promise<string> {
  assertCanMount();
  await assertWritableRoot(root);
  const {layerDir} = containerLayers(root, ref);
  if (!statSync(dir, {throwIfNoEntry: false})?.isDirectory()) throw new Error(`${dir}: not a directory`);
  const target = realpathSync(dir);
  if (mountTable().some((m) => m.target === target)) throw new Error(`${dir} is already a mount point`);
  const overlayDir = dirname(layerDir);
  const lower = readFileSync(join(layerDir, 'lower'), 'utf8').trim();
  const options = `lowerdir=${lower},upperdir=${join(layerDir, 'diff')},workdir=${join(layerDir, 'work')},${FEATURES_OFF}`;
  execFileSync('mount', ['-t', 'overlay', SOURCE, '-o', options, target], {cwd: overlayDir, stdio: ['ignore', 'ignore', 'pipe']});
  return target;
}

/** Unmount DIR if it is an overlay this tool mounted over an engine root; refuse anything else. */
export function umountContainer(dir: string): void {
  assertCanMount();
  const target = existsSync(dir) ? realpathSync(dir) : dir;
  const entry = mountTable().findLast((m) => m.target === target);
  if (!entry) throw new Error(`${dir} is not a mount point`);
  const upper = /(?:^|,)upperdir=([^,]+)/.exec(entry.options)?.[1];
  // upperdir = <root>/overlay2/<id>/diff
  const root = upper && dirname(dirname(dirname(upper)));
  if (entry.fstype !== 'overlay' || entry.source !== SOURCE || !root || !existsSync(join(root, MARKER_FILE))) {
    throw new Error(`${dir} is not a layerscope container mount (${entry.fstype} from ${entry.source}); refusing to unmount it`);
  }
  execFileSync('umount', [target], {stdio: ['ignore', 'ignore', 'pipe']});
}

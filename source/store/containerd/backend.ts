// containerd roots, alone or behind a Docker root that uses the containerd image store. The
// store's code is loaded only when a root is opened (detection runs for every path a command names).
import {existsSync, readdirSync} from 'node:fs';
import {JSON_FILE, readInside} from '../confine.js';
import {join} from 'node:path';
import type {Backend} from '../backend.js';
import {META_DB} from './layout.js';

export const DEFAULT_CONTAINERD_ROOT = '/var/lib/containerd';

/**
 * containerd snapshotters as a container's config.v2.json names its Driver, leaving out the names
 * graph drivers share (btrfs, zfs, fuse-overlayfs): those roots have `image/<driver>/` and are the
 * graph driver's.
 */
const SNAPSHOTTERS = new Set(['overlayfs', 'native', 'stargz', 'devmapper', 'blockfile']);

export const containerdBackend: Backend = {
  kinds: {
    containerd: `a containerd root: \`${META_DB}\` (overlayfs snapshotter; --namespace NS, default k8s.io, default or the only one)`,
    'containerd-docker':
      "a Docker root using the containerd image store: no `image/`, or containers whose Driver is a containerd snapshotter (`overlayfs`); images from --containerd-root (default: the Docker root's own `containerd/daemon`, else /var/lib/containerd)",
  },
  detect(path) {
    if (existsSync(join(path, META_DB))) return 'containerd';
    if (!existsSync(join(path, 'containers')) && !existsSync(join(path, 'engine-id'))) return undefined;
    if (!existsSync(join(path, 'image'))) return 'containerd-docker';
    return containersUseSnapshotter(path) ? 'containerd-docker' : undefined;
  },
  async open(path, kind, opts) {
    if (kind === 'containerd') return new (await import('./store.js')).ContainerdStore(path, {namespace: opts.namespace, platform: opts.platform});
    // A dockerd that runs its own containerd keeps it in <docker root>/containerd/daemon; a
    // system containerd (Docker Engine packages) in /var/lib/containerd.
    const managed = join(path, 'containerd', 'daemon');
    const containerdRoot = opts.containerdRoot ?? (existsSync(join(managed, META_DB)) ? managed : DEFAULT_CONTAINERD_ROOT);
    if (!existsSync(join(containerdRoot, META_DB))) {
      throw new Error(
        `${path} is a Docker root using the containerd image store, but ${containerdRoot} has no ${META_DB}; give containerd's root with --containerd-root DIR`,
      );
    }
    return new (await import('./store.js')).ContainerdStore(containerdRoot, {
      dockerRoot: path,
      namespace: opts.namespace,
      platform: opts.platform,
      swarmUnlockKey: opts.swarmUnlockKey,
    });
  },
};

/** Whether a container record names a containerd snapshotter as its driver (Docker switched to the containerd image store). */
function containersUseSnapshotter(root: string): boolean {
  let ids: string[];
  try {
    ids = readdirSync(join(root, 'containers'));
  } catch {
    return false;
  }
  return ids.some((id) => {
    try {
      const raw = JSON.parse(readInside(root, join(root, 'containers', id, 'config.v2.json'), JSON_FILE).toString('utf8')) as {Driver?: string};
      return SNAPSHOTTERS.has(raw.Driver ?? '');
    } catch {
      return false;
    }
  });
}

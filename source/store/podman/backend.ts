// containers-storage roots (podman, buildah, CRI-O) as a store backend: how the kind is detected
// from a path and opened. The parent of a graph root (`/var/lib/containers`,
// `~/.local/share/containers`) is taken to mean its `storage/`. The store's code is loaded only
// when a root is opened (detection runs for every path a command names).
import {join} from 'node:path';
import type {Backend} from '../backend.js';
import {isContainersStorage} from './layout.js';

function graphRoot(path: string): string | undefined {
  if (isContainersStorage(path)) return path;
  return isContainersStorage(join(path, 'storage')) ? join(path, 'storage') : undefined;
}

export const podmanBackend: Backend = {
  kinds: {
    podman:
      'a containers-storage root (podman; rootful /var/lib/containers/storage, rootless ~/.local/share/containers/storage, or their parent): `overlay-layers/` or `overlay-images/`',
  },
  detect: (path: string): string | undefined => (graphRoot(path) ? 'podman' : undefined),
  open: async (path: string) => {
    const {PodmanStore} = await import('./store.js');
    const root = graphRoot(path) ?? path;
    const store = new PodmanStore(root);
    if (root !== path) store.notices.push(`reading ${root}, the containers-storage graph root in ${path}`);
    return store;
  },
};

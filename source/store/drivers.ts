// Docker's storage drivers (moby daemon/graphdriver/*): where each keeps a layer's files under
// the data root, and how they are read. The catalog (image/<driver>/{imagedb,layerdb}) is the
// same for all of them.
import {existsSync, readdirSync, statSync} from 'node:fs';
import {dirname, join} from 'node:path';
import type {UpperStyle} from '../tree/upper-changes.js';

export type Driver = 'overlay2' | 'vfs' | 'btrfs' | 'zfs' | 'aufs' | 'devicemapper';

export interface DriverSpec {
  /** The directory holding a layer's files, by cache id. */
  dir: (root: string, cacheId: string) => string;
  /** Each layer is a whole root filesystem (a copy or snapshot); changes come from comparing trees. */
  full: boolean;
  /** Why a layer's files cannot be read where they are, if they cannot. */
  unavailable?: (root: string, cacheId: string) => string | undefined;
  /** Said once about a store of this driver. */
  notice?: string;
  /** `docker diff` walks the layer's own directory (moby's archive.Changes) instead of comparing trees. */
  upper?: UpperStyle;
}

/** Docker mounts zfs datasets and devicemapper thin devices only while a layer is in use. */
function notMounted(dir: string): boolean {
  try {
    if (readdirSync(dir).length > 0) return false;
    return statSync(dir).dev === statSync(dirname(dir)).dev;
  } catch {
    return true;
  }
}

const UNVERIFIED = 'driver read from its documented on-disk layout (moby daemon/graphdriver); no running daemon of it was compared';

export const DRIVER_SPECS: Record<Driver, DriverSpec> = {
  overlay2: {dir: (root, id) => join(root, 'overlay2', id, 'diff'), full: false},
  vfs: {dir: (root, id) => join(root, 'vfs', 'dir', id), full: true},
  // Every layer is a btrfs snapshot (subvolume) of its parent: a full tree, like vfs.
  btrfs: {dir: (root, id) => join(root, 'btrfs', 'subvolumes', id), full: true},
  // Every layer is a zfs dataset (a clone of the parent's snapshot) mounted at zfs/graph/<id>.
  zfs: {
    dir: (root, id) => join(root, 'zfs', 'graph', id),
    full: true,
    unavailable: (root, id) =>
      notMounted(join(root, 'zfs', 'graph', id))
        ? `zfs dataset of layer ${id} is not mounted at zfs/graph/${id} (dockerd mounts it only while in use); its files cannot be shown — mount the dataset (zfs mount) to read them`
        : undefined,
    notice: `zfs ${UNVERIFIED}`,
  },
  // Change sets with AUFS whiteouts (.wh.NAME, .wh..wh..opq); parents listed in aufs/layers/<id>.
  aufs: {dir: (root, id) => join(root, 'aufs', 'diff', id), full: false, upper: 'aufs', notice: `aufs ${UNVERIFIED}`},
  // Thin devices of a device-mapper pool, mounted at devicemapper/mnt/<id>/rootfs only while in use.
  devicemapper: {
    dir: (root, id) => join(root, 'devicemapper', 'mnt', id, 'rootfs'),
    full: true,
    unavailable: (root, id) => {
      if (!notMounted(join(root, 'devicemapper', 'mnt', id, 'rootfs'))) return undefined;
      const meta = join(root, 'devicemapper', 'metadata', id);
      const known = existsSync(meta) ? ` (devicemapper/metadata/${id} names its thin device)` : ` (and devicemapper/metadata/${id} is missing)`;
      return `layer ${id} lives in a device-mapper thin device${known}; its files need the thin device activated (dmsetup) and mounted, which layerscope does not do — only the catalog is shown`;
    },
    notice: `devicemapper ${UNVERIFIED}; layer contents live in thin devices and are shown only where dockerd has them mounted`,
  },
};

export const DRIVERS = Object.keys(DRIVER_SPECS) as Driver[];

export function isDriver(name: string): name is Driver {
  return name in DRIVER_SPECS;
}

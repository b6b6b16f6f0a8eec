// `layerscope fs CONTAINER OP ARGS`: one shell-like operation on a container's filesystem, through the
// userspace copy-on-write view, so the writable layer ends up as the kernel's overlayfs would leave it.
import {EngineRoot} from './engine-root.js';
import {containerLayers} from './container.js';
import {CowError, CowView} from './cow.js';
import {applyFsOp, FS_OP_USAGE} from './fs-op.js';

/** The errors `fs` reports as `CODE: path` (anything else is a usage or system error). */
export const POSIX_CODES = new Set(['ENOENT', 'EEXIST', 'ENOTDIR', 'ENOTEMPTY', 'EISDIR', 'EXDEV', 'EINVAL', 'ELOOP', 'EPERM', 'EBUSY', 'ENOTSUP']);

export async function containerFsOp(root: string, ref: string, argv: readonly string[], stdin?: Buffer): Promise<void> {
  const engine = await EngineRoot.open(root);
  const {upper, lowers, layerDir} = containerLayers(engine.root, ref);
  // The kernel caches the overlay's dentries: a change behind a mounted overlay's back is undefined behaviour.
  engine.assertNotMounted(layerDir, `container ${ref}`);
  try {
    applyFsOp(new CowView({upper, lowers}), argv, stdin);
  } catch (err) {
    if (err instanceof CowError || process.getuid?.() === 0 || (err as Error).message.includes(FS_OP_USAGE)) throw err;
    // Whiteouts are character devices and opaque marks trusted.* xattrs: both need root.
    throw new Error(
      `${(err as Error).message.split('\n')[0]}\n(deleting or replacing what a lower layer holds needs root: whiteouts are character devices, opaque marks trusted.* xattrs)`,
    );
  }
}

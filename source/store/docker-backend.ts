// Docker data roots with a graph driver layerscope reads (drivers.ts): `image/<driver>/`. The
// store's code (docker-root.ts) is loaded only when a root is opened: detection runs for every
// path a command names, an image archive included.
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import type {Backend} from './backend.js';
import {DRIVERS} from './drivers.js';

export const dockerBackend: Backend = {
  kinds: {docker: `a Docker data root: \`image/<driver>/\` for a driver of ${DRIVERS.join(', ')} (layers in the driver's directory)`},
  detect: (path) => (DRIVERS.some((d) => existsSync(join(path, 'image', d))) ? 'docker' : undefined),
  open: async (path, _kind, opts) => (await import('./docker-root.js')).openRoot(path, opts.swarmUnlockKey),
};

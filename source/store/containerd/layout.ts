// Where a containerd root keeps its metadata: kept apart from the store so that detection
// (backend.ts) checks a path without loading the store's code.
import {join} from 'node:path';

/** containerd's metadata database (bolt), relative to its root. */
export const META_DB = join('io.containerd.metadata.v1.bolt', 'meta.db');

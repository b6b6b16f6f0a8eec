// Every kind of store layerscope reads, in the order detection tries them (the first backend
// whose `detect` names a kind wins). Add a backend here; nothing else chooses between them.
import {archiveBackend} from './archive-backend.js';
import type {Backend} from './backend.js';
import {containerdBackend} from './containerd/backend.js';
import {dockerBackend} from './docker-backend.js';
import {podmanBackend} from './podman/backend.js';

export const BACKENDS: Backend[] = [archiveBackend, containerdBackend, podmanBackend, dockerBackend];

// Opening a Docker data root (loaded on demand by docker-backend.ts: it brings the Docker store).
import {DockerStore} from './store.js';
import {readVolumeMetadata} from './volume-metadata.js';

/** A Docker root, with volume labels and options from `volumes/metadata.db`. */
export function openRoot(root: string, swarmUnlockKey?: Buffer): DockerStore {
  return new DockerStore(root, {
    swarmUnlockKey,
    volumeMeta: (r, problems) => {
      const {volumes, problems: list} = readVolumeMetadata(r);
      for (const message of list) problems.add(`${r}/volumes/metadata.db`, message);
      return volumes;
    },
  });
}

// Local volumes from `volumes/<name>/_data` (+ `opts.json`) and the labels and options
// Docker keeps in `volumes/metadata.db`.
import {lstatSync, statSync} from 'node:fs';
import {join} from 'node:path';
import type {Container, Volume} from './model.js';
import type {Problems} from './problems.js';
import {listDir, readJson} from './files.js';

export interface VolumeMeta {
  driver: string;
  labels: Record<string, string>;
  options: Record<string, string>;
}

/** Go's time.RFC3339 at whole seconds, in UTC. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const ANONYMOUS = /^[0-9a-f]{64}$/;

export function readVolumes(
  root: string,
  containers: Container[],
  meta: Map<string, VolumeMeta>,
  problems: Problems,
): Volume[] {
  const base = join(root, 'volumes');
  const volumes: Volume[] = [];
  for (const name of listDir(base, problems)) {
    const dir = join(base, name);
    let createdAt: string | undefined;
    try {
      if (!lstatSync(dir).isDirectory()) continue; // metadata.db, backingFsBlockDev
      // What the local driver reports: the ctime of `_data` (measured against a real dockerd).
      createdAt = rfc3339(lstatSync(join(dir, '_data')).ctime);
    } catch (err) {
      problems.fromError(join(dir, '_data'), err, 'stat');
    }
    const m = meta.get(name);
    const opts = m?.options && Object.keys(m.options).length ? m.options : readOpts(join(dir, 'opts.json'), problems);
    volumes.push({
      name,
      driver: m?.driver || 'local',
      mountpoint: join(dir, '_data'),
      createdAt,
      labels: m?.labels && Object.keys(m.labels).length ? m.labels : null,
      options: opts,
      scope: 'local',
      anonymous: ANONYMOUS.test(name),
      usedBy: containers.filter((c) => c.mounts.some((mp) => mp.Type === 'volume' && mp.Name === name)).map((c) => c.id),
    });
  }
  return volumes;
}

function readOpts(path: string, problems: Problems): Record<string, string> | null {
  try {
    statSync(path);
  } catch {
    return null;
  }
  const raw = readJson<{MountType?: string; MountOpts?: string; MountDevice?: string}>(path, problems);
  if (!raw) return null;
  const out: Record<string, string> = {};
  if (raw.MountType) out.type = raw.MountType;
  if (raw.MountOpts) out.o = raw.MountOpts;
  if (raw.MountDevice) out.device = raw.MountDevice;
  return Object.keys(out).length ? out : null;
}

// libpod's own state (podman libpod/boltdb_state*.go): `libpod/bolt_state.db`, a bbolt file with
// a `ctr` bucket (per container: `config` = ContainerConfig JSON, `state` = ContainerState JSON),
// a `vol` bucket (per volume: `config`, `state`, `vol-dependencies` = the containers using it)
// and `exit-code`. podman 5 keeps the same records in SQLite (`libpod/db.sql`) instead.
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {BoltError, openBolt, type BoltBucket} from '../bolt.js';
import type {Problems} from '../problems.js';
import {openSqlite, SqliteError} from '../sqlite.js';

export interface LibpodMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface LibpodContainer {
  id: string;
  name?: string;
  command?: string[];
  /** os.Args of the podman that made it: `podman … run|create … IMAGE …`, or the API service's command line. */
  CreateCommand?: string[];
  spec?: {mounts?: LibpodMount[]; process?: {args?: string[]}};
  namedVolumes?: {volumeName: string; dest: string; options?: string[]}[];
  userVolumes?: string[];
  createdTime?: string;
  rootfsImageID?: string;
  rootfsImageName?: string;
  RawImageName?: string;
  state?: {state?: number; startedTime?: string; finishedTime?: string; exitCode?: number; exited?: boolean};
}

export interface LibpodVolume {
  name: string;
  volumeDriver?: string;
  mountPoint?: string;
  createdAt?: string;
  labels?: Record<string, string> | null;
  /** The driver options (`podman volume create --opt`), as libpod's VolumeConfig stores them. */
  volumeOptions?: Record<string, string> | null;
  isAnon?: boolean;
  usedBy: string[];
}

export interface LibpodState {
  containers: Map<string, LibpodContainer>;
  volumes: Map<string, LibpodVolume>;
  /** Whether a libpod database was read (without one, states and mounts are unknown). */
  found: boolean;
}

function json<T>(bucket: BoltBucket, key: string, item: string, problems: Problems): T | undefined {
  const value = bucket.get(key);
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(value.toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null) return parsed as T;
  } catch {
    // reported below
  }
  problems.add(item, `${key} is not a JSON object`);
  return undefined;
}

export function readLibpodState(root: string, problems: Problems, notices: string[]): LibpodState {
  const out: LibpodState = {containers: new Map(), volumes: new Map(), found: false};
  const file = join(root, 'libpod', 'bolt_state.db');
  if (!existsSync(file)) {
    if (existsSync(join(root, 'libpod', 'db.sql'))) readSqliteState(root, out, problems, notices);
    return out;
  }
  try {
    const db = openBolt(file, root);
    out.found = true;
    const ctrs = db.bucket('ctr');
    const exitCodes = db.bucket('exit-code');
    for (const id of ctrs?.buckets() ?? []) {
      const b = ctrs!.bucket(id)!;
      const item = `${file}: container ${id.slice(0, 12)}`;
      const config = json<LibpodContainer>(b, 'config', item, problems);
      if (!config) continue;
      config.id = id;
      config.state = json<LibpodContainer['state']>(b, 'state', item, problems);
      const code = exitCodes?.get(id);
      if (config.state && config.state.exitCode === undefined && code && /^-?\d+$/.test(code.toString())) config.state.exitCode = Number(code.toString());
      out.containers.set(id, config);
    }
    const here = rebase(root, db.bucket('runtime-config')?.get('graph-root')?.toString('utf8'));
    const vols = db.bucket('vol');
    for (const name of vols?.buckets() ?? []) {
      const b = vols!.bucket(name)!;
      const config = json<Omit<LibpodVolume, 'usedBy'>>(b, 'config', `${file}: volume ${name}`, problems);
      if (!config) continue;
      const deps = b.bucket('vol-dependencies');
      out.volumes.set(name, {...config, mountPoint: here(config.mountPoint), name, usedBy: deps ? [...deps.entries()].map(([k]) => k.toString('utf8')) : []});
    }
  } catch (error) {
    if (error instanceof BoltError) problems.add(file, error.message);
    else problems.fromError(file, error);
  }
  return out;
}

/** Paths libpod recorded name the graph root where podman ran; this copy may be elsewhere. */
function rebase(root: string, graphRoot: string | undefined): (path: string | undefined) => string | undefined {
  return (path) => (path && graphRoot && path.startsWith(`${graphRoot}/`) ? join(root, path.slice(graphRoot.length + 1)) : path);
}

/**
 * podman 5's SQLite state (libpod/sqlite_state.go): ContainerConfig(ID, Name, PodID, JSON),
 * ContainerState(ID, State, ExitCode, JSON), VolumeConfig(Name, StorageID, JSON),
 * ContainerVolume(ContainerID, VolumeName), DBConfig(..., GraphRoot, ...). The JSON is the same
 * ContainerConfig / ContainerState / VolumeConfig as in the bolt database.
 */
function readSqliteState(root: string, out: LibpodState, problems: Problems, notices: string[]): void {
  const file = join(root, 'libpod', 'db.sql');
  if (existsSync(`${file}-wal`)) notices.push(`${file}-wal: podman's SQLite write-ahead log is not read; changes not yet checkpointed into db.sql are missing`);
  const parse = <T>(text: unknown, item: string): T | undefined => {
    try {
      const v = typeof text === 'string' ? (JSON.parse(text) as unknown) : undefined;
      if (typeof v === 'object' && v !== null) return v as T;
    } catch {
      // reported below
    }
    problems.add(item, 'JSON column is not a JSON object');
    return undefined;
  };
  try {
    const db = openSqlite(file, root);
    out.found = true;
    for (const row of db.rows('ContainerConfig')) {
      const id = String(row.ID);
      const config = parse<LibpodContainer>(row.JSON, `${file}: container ${id.slice(0, 12)}`);
      if (config) out.containers.set(id, {...config, id});
    }
    for (const row of db.rows('ContainerState')) {
      const c = out.containers.get(String(row.ID));
      const state = parse<NonNullable<LibpodContainer['state']>>(row.JSON, `${file}: state of ${String(row.ID).slice(0, 12)}`);
      if (c && state)
        c.state = {
          ...state,
          state: typeof row.State === 'number' ? row.State : state.state,
          exitCode: typeof row.ExitCode === 'number' ? row.ExitCode : state.exitCode,
        };
    }
    const users = new Map<string, string[]>();
    for (const row of db.rows('ContainerVolume')) users.set(String(row.VolumeName), [...(users.get(String(row.VolumeName)) ?? []), String(row.ContainerID)]);
    const graphRoot = db.rows('DBConfig')[0]?.GraphRoot;
    const here = rebase(root, typeof graphRoot === 'string' ? graphRoot : undefined);
    for (const row of db.rows('VolumeConfig')) {
      const name = String(row.Name);
      const config = parse<Omit<LibpodVolume, 'usedBy'>>(row.JSON, `${file}: volume ${name}`);
      if (config) out.volumes.set(name, {...config, mountPoint: here(config.mountPoint), name, usedBy: users.get(name) ?? []});
    }
  } catch (error) {
    if (error instanceof SqliteError) problems.add(file, error.message);
    else problems.fromError(file, error);
  }
}

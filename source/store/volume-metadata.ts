// Docker's volume metadata: <root>/volumes/metadata.db, a bbolt file whose `volumes` bucket maps a
// volume name to JSON {"Name","Driver","Labels","Options"} (moby volume/service/db.go).
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {BoltError, parseBolt} from './bolt.js';
import {ConfinementError, DB_FILE, readInside} from './confine.js';

export interface VolumeMetadata {
  name: string;
  driver: string;
  /** null when Docker stored none (Go's nil map), {} when it stored an empty one: inspect shows which. */
  labels: Record<string, string> | null;
  options: Record<string, string> | null;
}

export interface VolumeMetadataResult {
  volumes: Map<string, VolumeMetadata>;
  problems: string[];
}

export function readVolumeMetadata(root: string): VolumeMetadataResult {
  const file = join(root, 'volumes', 'metadata.db');
  const volumes = new Map<string, VolumeMetadata>();
  const problems: string[] = [];
  // Docker writes this file the first time it starts; a root without it simply has no volumes.
  if (!existsSync(file)) return {volumes, problems};
  try {
    const bucket = parseBolt(readInside(root, file, DB_FILE), file).bucket('volumes');
    for (const [key, value] of bucket?.entries() ?? []) {
      const name = key.toString('utf8');
      const parsed = parseEntry(name, value.toString('utf8'));
      if (typeof parsed === 'string') problems.push(`${file}: volume ${JSON.stringify(name)}: ${parsed}`);
      else volumes.set(name, parsed);
    }
  } catch (error) {
    if (error instanceof BoltError) problems.push(error.message);
    else if (error instanceof ConfinementError) problems.push(error.reason);
    else if (error instanceof Error) problems.push(`${file}: ${error.message}`);
    else throw error;
  }
  return {volumes, problems};
}

/** The entry for volume `name`, or why its JSON is unusable. */
function parseEntry(name: string, json: string): VolumeMetadata | string {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return 'value is not JSON';
  }
  if (!isObject(data)) return 'value is not a JSON object';
  if (data.Name !== undefined && data.Name !== name) return `key differs from its Name ${JSON.stringify(data.Name)}`;
  if (typeof data.Driver !== 'string') return 'Driver is not a string';
  const labels = stringMap(data.Labels);
  const options = stringMap(data.Options);
  if (labels === undefined) return 'Labels is not a map of strings';
  if (options === undefined) return 'Options is not a map of strings';
  return {name, driver: data.Driver, labels, options};
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Go marshals a nil map as null and an empty one as {}; anything but those or {string: string} is corrupt. */
function stringMap(value: unknown): Record<string, string> | null | undefined {
  if (value === null || value === undefined) return null;
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) return undefined;
  return {...(value as Record<string, string>)};
}

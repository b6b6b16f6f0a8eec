// What every command gets: parsed options, the opened store, and where to write.
import {DockerStore} from '../store/store.js';
import type {Problem} from '../store/problems.js';
import {readVolumeMetadata} from '../store/volume-metadata.js';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface CommandContext extends Io {
  args: string[];
  json: boolean;
  root: string;
  flags: Record<string, string | boolean | undefined>;
}

export type Command = (ctx: CommandContext) => Promise<number> | number;

export function openStore(root: string): DockerStore {
  return new DockerStore(root, {volumeMeta: (r, problems) => {
    const {volumes, problems: list} = readVolumeMetadata(r);
    for (const message of list) problems.add(`${r}/volumes/metadata.db`, message);
    return volumes;
  }});
}

/** Problems go to stderr, one line each, naming the item; they never stop the output. */
export function reportProblems(io: Io, problems: Problem[], notices: string[] = []): void {
  for (const n of notices) io.err(`layerscope: note: ${n}\n`);
  for (const p of problems) io.err(`layerscope: warning: ${p.item}: ${p.message}\n`);
}

export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

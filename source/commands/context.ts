// What every command gets: parsed options, the opened store, and where to write.
import {parsePlatform} from '../docker/platform.js';
import {readUnlockKeyFile} from '../store/swarm/crypt.js';
import type {OpenOptions} from '../store/backend.js';
import type {Problem} from '../store/problems.js';
import {escape, guard, jsonSafe} from '../text/escape.js';

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

/**
 * What backends need beyond the path: `--containerd-root DIR`, `--namespace NS`, `--platform
 * os/arch[/variant]`, `--swarm-unlock-key-file FILE`. The explorer's options are the same.
 */
export function openOptions(flags: Readonly<Record<string, unknown>>): OpenOptions {
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const platform = text(flags.platform);
  if (platform !== undefined) parsePlatform(platform); // a malformed --platform is an error even where no index is read
  const keyFile = text(flags['swarm-unlock-key-file']);
  return {
    containerdRoot: text(flags['containerd-root']),
    namespace: text(flags.namespace),
    platform,
    ...(keyFile !== undefined ? {swarmUnlockKey: readUnlockKeyFile(keyFile)} : {}),
  };
}

/** Problems go to stderr, one line each, naming the item; they never stop the output. */
export function reportProblems(io: Io, problems: Problem[], notices: string[] = []): void {
  for (const n of notices) io.err(`layerscope: note: ${guard(n)}\n`);
  for (const p of problems) io.err(`layerscope: warning: ${escape(p.item)}: ${guard(p.message)}\n`);
}

export function printJson(io: Io, value: unknown): void {
  // Strings round-trip: non-UTF-8 bytes are lone surrogates ("\udcff"), controls and bidi marks \u-escaped.
  io.out(`${jsonSafe(JSON.stringify(value, null, 2))}\n`);
}

// Runs the built CLI (dist/cli.js, built by `npm test` before vitest) as a real process.
import {spawnSync, type SpawnSyncOptions} from 'node:child_process';
import {resolve} from 'node:path';

export const CLI = resolve(import.meta.dirname, '../../dist/cli.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], opts: SpawnSyncOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {encoding: 'utf8', timeout: 60_000, ...opts});
  return {code: r.status ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '')};
}

/** The JSON a command printed: whole (exit 0) or in part with warnings (exit 3, tested apart). */
export function cliJson<T>(args: string[]): T {
  const r = cli([...args, '--json']);
  if (r.code !== 0 && r.code !== 3) throw new Error(`layerscope ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

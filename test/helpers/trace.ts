// What a CLI run touched outside the root, below the output: the file syscalls it made (strace)
// or, without strace, the access times of the canary files. An attack test then checks not only
// that no canary text was printed but that no canary file was opened or directory listed.
import {spawnSync, type SpawnSyncOptions} from 'node:child_process';
import {lstatSync, readdirSync, readFileSync, rmSync, utimesSync} from 'node:fs';
import {join} from 'node:path';
import {CLI, type CliResult} from './cli.js';

/** Why strace cannot be used here (not installed, or ptrace refused), else undefined. */
export const straceSkip: string | undefined = (() => {
  const r = spawnSync('strace', ['-qq', '-e', 'trace=none', 'true'], {encoding: 'utf8'});
  if (r.error) return 'strace is not installed';
  return r.status === 0 ? undefined : `strace cannot trace here: ${r.stderr.split('\n')[0]}`;
})();

export interface TracedResult extends CliResult {
  /** strace lines (open, openat, openat2, getdents64) naming a path under `outside`; or, without strace, the files there whose atime moved. */
  touched: string[];
  /** All the paths the trace names (empty without strace): shows the trace saw the reads. */
  paths: string[];
}

const OLD = new Date(Date.now() - 7 * 86400_000);

/** Every file and directory under `dir` (the canary is small). */
function tree(dir: string): string[] {
  const out = [dir];
  for (let i = 0; i < out.length; i++) {
    if (!lstatSync(out[i]!).isDirectory()) continue;
    for (const name of readdirSync(out[i]!)) out.push(join(out[i]!, name));
  }
  return out;
}

/**
 * Run the built CLI with `args` and say what it opened or listed under `outside` (a canary
 * directory). With strace: its file syscalls, each opened fd shown with the path it resolved to
 * (-y), so a symlink followed out is seen too; io_uring off, so no read bypasses the trace.
 * Without: the atime of each canary file and directory, set a week back before the run (reading
 * a file or listing a directory moves it, relatime too).
 */
export function tracedCli(args: string[], outside: string, opts: SpawnSyncOptions = {}): TracedResult {
  const env = {...process.env, UV_USE_IO_URING: '0'};
  if (straceSkip) {
    const paths = tree(outside);
    for (const p of paths) utimesSync(p, OLD, OLD);
    const before = paths.map((p) => lstatSync(p).atimeMs);
    const r = spawnSync(process.execPath, [CLI, ...args], {encoding: 'utf8', timeout: 60_000, env, ...opts});
    const touched = paths.filter((p, i) => lstatSync(p).atimeMs !== before[i]);
    return {code: r.status ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), touched, paths: []};
  }
  const log = join(outside, '..', `strace-${process.pid}.log`);
  try {
    // Only these syscalls stop the process (seccomp-bpf): the trace costs little.
    const r = spawnSync(
      'strace',
      ['-f', '-qq', '-y', '--seccomp-bpf', '-e', 'trace=open,openat,openat2,getdents64', '-o', log, process.execPath, CLI, ...args],
      {encoding: 'utf8', timeout: 60_000, env, ...opts},
    );
    const lines = readFileSync(log, 'utf8').split('\n');
    const under = new RegExp(`${outside.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[/">]`);
    return {
      code: r.status ?? -1,
      stdout: String(r.stdout ?? ''),
      stderr: String(r.stderr ?? ''),
      touched: lines.filter((l) => under.test(l)),
      paths: lines.flatMap((l) => [...l.matchAll(/"([^"]*)"|<([^>]*)>/g)].map((m) => m[1] ?? m[2]!)),
    };
  } finally {
    rmSync(log, {force: true});
  }
}

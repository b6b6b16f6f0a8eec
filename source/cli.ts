#!/usr/bin/env node
// layerscope: the explorer when called without a command, else one non-interactive command.
// Only the command table is loaded here; a command's code is loaded when it runs.
import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';
import {COMMANDS, OPTIONS, usageProblem, type CommandSpec} from './commands/index.js';
import type {Io} from './commands/context.js';
import {guard} from './text/escape.js';

export const DEFAULT_ROOT = '/var/lib/docker';

/** Options of the explorer (no command). */
const EXPLORER_OPTIONS: readonly string[] = ['root', 'containerd-root', 'namespace', 'swarm-unlock-key-file', 'select', 'platform', 'help'];

function help(io: Io): void {
  const lines = Object.values(COMMANDS).map((spec) => `  layerscope ${spec.usage.padEnd(34)} ${spec.summary}`);
  io.out(
    'usage: layerscope [ROOT|ARCHIVE] [--root DIR] [--select NAME[@N]] [--platform os/arch[/variant]]   open the explorer\n' +
      `${lines.join('\n')}\n\n` +
      `Commands that read take --root DIR (default ${DEFAULT_ROOT}) and --json; layerscope COMMAND --help says what a command takes.\n` +
      'Stores of containerd also take --namespace NS, and a Docker root using the containerd image store --containerd-root DIR.\n' +
      "An autolocked swarm manager's cluster volumes need --swarm-unlock-key-file FILE|- (what docker swarm unlock-key -q prints).\n" +
      "Image archives and layouts take --platform os/arch[/variant] for image indexes (default: this host's).\n" +
      'layerscope --version prints the version.\n',
  );
}

function commandHelp(io: Io, spec: CommandSpec): void {
  const options = spec.options.map((o) => `--${o}`).join(' ');
  io.out(`usage: layerscope ${spec.usage}\n${spec.summary}\n${options ? `options: ${options}\n` : ''}`);
}

/** The version in the package.json above this file (dist/cli.js and dist/bundle/cli.js alike). */
function version(): string {
  for (let dir = new URL('./', import.meta.url); dir.pathname !== '/'; dir = new URL('../', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {name?: string; version?: string};
      if (pkg.name === 'layerscope' && pkg.version) return pkg.version;
    } catch {
      // not here: look one directory up
    }
  }
  return 'unknown';
}

export async function main(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({args: argv, options: OPTIONS, allowPositionals: true, strict: true});
  } catch (err) {
    io.err(`layerscope: ${guard((err as Error).message)}\n`);
    return 2;
  }
  const {values, positionals} = parsed;
  const given = Object.keys(values);
  const [name, ...args] = positionals;
  if (values.version) {
    io.out(`layerscope ${version()}\n`);
    return 0;
  }
  const spec = name === undefined ? undefined : COMMANDS[name];
  if ((values.help && !spec) || name === 'help') {
    help(io);
    return 0;
  }
  if (!spec) {
    if (name !== undefined && /^[a-z-]+$/.test(name)) {
      io.err(`layerscope: unknown command ${guard(name)} (see layerscope --help)\n`);
      return 2;
    }
    const foreign = given.filter((o) => !EXPLORER_OPTIONS.includes(o));
    if (foreign.length || args.length) {
      io.err(
        `layerscope: the explorer takes one ROOT|ARCHIVE and --root, --containerd-root, --namespace, --swarm-unlock-key-file, --select, --platform${foreign.length ? `, not ${foreign.map((o) => `--${o}`).join(', ')}` : `; extra: ${guard(args.join(' '))}`}\n`,
      );
      return 2;
    }
    // React's production build: its development checks cost several ms on every key press.
    process.env.NODE_ENV ??= 'production';
    // Ink renders only the last frame when CI is set; a real terminal wants live frames.
    if (process.stdout.isTTY) for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) if (key in process.env) process.env[key] = 'false';
    let open;
    try {
      open = (await import('./commands/context.js')).openOptions(values);
    } catch (err) {
      io.err(`layerscope: ${guard((err as Error).message)}\n`);
      return 1;
    }
    const {runTui} = await import('./ui/run.js');
    return runTui({target: name, root: values.root, select: values.select, ...open}, io);
  }
  if (values.help) {
    commandHelp(io, spec);
    return 0;
  }
  const problem = usageProblem(name!, spec, args, given);
  if (problem) {
    io.err(`layerscope: ${guard(problem)}\nusage: layerscope ${spec.usage}\n`);
    return 2;
  }
  try {
    const run = await spec.load();
    return await run({
      args,
      json: values.json === true,
      root: values.root ?? DEFAULT_ROOT,
      flags: values as Record<string, string | boolean | undefined>,
      ...io,
    });
  } catch (err) {
    io.err(`layerscope: ${guard((err as Error).message)}\n`);
    return 1;
  }
}

// A reader that closes the pipe (`| head`) ends the command quietly, as SIGPIPE ends docker's.
const SIGPIPE_EXIT = 141;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(SIGPIPE_EXIT);
  throw err;
});
process.stderr.on('error', () => {});
// A name that is not UTF-8 is printed with its own bytes, as the daemons print it.
const io: Io = {out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t)};
main(process.argv.slice(2), io).then((code) => {
  process.exitCode = code;
});

#!/usr/bin/env node
// layerscope: the TUI when called without a command, else one non-interactive command.
import {parseArgs} from 'node:util';
import {COMMANDS} from './commands/index.js';
import type {Io} from './commands/context.js';

export const DEFAULT_ROOT = '/var/lib/docker';

const OPTIONS = {
  root: {type: 'string'},
  json: {type: 'boolean'},
  help: {type: 'boolean', short: 'h'},
  select: {type: 'string'},
  tag: {type: 'string', short: 't'},
  file: {type: 'string', short: 'f'},
  output: {type: 'string', short: 'o'},
  out: {type: 'string'},
  name: {type: 'string'},
  volume: {type: 'string', short: 'v', multiple: true},
  mount: {type: 'string', multiple: true},
  recursive: {type: 'boolean', short: 'r'},
  parents: {type: 'boolean', short: 'p'},
  symbolic: {type: 'boolean', short: 's'},
  'lowest-efficiency': {type: 'string'},
  'highest-wasted-bytes': {type: 'string'},
  'highest-user-wasted-percent': {type: 'string'},
} as const;

function help(io: Io): void {
  const lines = Object.entries(COMMANDS).map(([, spec]) => `  layerscope ${spec.usage.padEnd(34)} ${spec.summary}`);
  io.out(
    'usage: layerscope [ROOT|ARCHIVE] [--select NAME[@N]]   open the explorer\n' +
      `${lines.join('\n')}\n\n` +
      `Every command takes --root DIR (default ${DEFAULT_ROOT}) and --json.\n`,
  );
}

export async function main(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({args: argv, options: OPTIONS, allowPositionals: true, strict: true});
  } catch (err) {
    io.err(`layerscope: ${(err as Error).message}\n`);
    return 2;
  }
  const {values, positionals} = parsed;
  const [name, ...args] = positionals;
  if (values.help || name === 'help') {
    help(io);
    return 0;
  }
  const spec = name === undefined ? undefined : COMMANDS[name];
  if (!spec) {
    if (name === undefined || !/^[a-z-]+$/.test(name)) {
      // React's production build: its development checks cost several ms on every key press.
      process.env.NODE_ENV ??= 'production';
      // Ink renders only the last frame when CI is set; a real terminal wants live frames.
      if (process.stdout.isTTY) for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) if (key in process.env) process.env[key] = 'false';
      const {runTui} = await import('./ui/run.js');
      return runTui({target: name, root: values.root, select: values.select}, io);
    }
    io.err(`layerscope: unknown command ${name} (see layerscope --help)\n`);
    return 2;
  }
  try {
    return await spec.run({args, json: values.json === true, root: values.root ?? DEFAULT_ROOT, flags: values as Record<string, string | boolean | undefined>, ...io});
  } catch (err) {
    io.err(`layerscope: ${(err as Error).message}\n`);
    return 1;
  }
}

const io: Io = {out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t)};
main(process.argv.slice(2), io).then((code) => {
  process.exitCode = code;
});

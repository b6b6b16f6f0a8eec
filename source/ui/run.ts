// `layerscope [ROOT|ARCHIVE] [--root DIR] [--select NAME[@N]]`: choose the store, then run the
// explorer in the terminal.
import {accessSync, constants, existsSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {createElement} from 'react';
import type {Io} from '../commands/context.js';
import type {LayerStore} from '../store/store.js';
import {Loader} from './Loader.js';

export interface TuiOptions {
  target?: string;
  root?: string;
  select?: string;
}

export const DEFAULT_ROOT = '/var/lib/docker';

function readable(dir: string): boolean {
  try {
    accessSync(dir, constants.R_OK | constants.X_OK);
    return existsSync(`${dir}/image`);
  } catch {
    return false;
  }
}

/**
 * The store opened when no root is given and /var/lib/docker cannot be read: the engine's demo
 * root (built on first use, then reused), or undefined when it cannot be had.
 */
export async function openDefaultStore(io: Io): Promise<LayerStore | undefined> {
  try {
    const {ensureDemo} = await import('../engine/demo.js');
    const root = await ensureDemo(undefined, {write: (text: string) => io.err(text)});
    return (await import('../commands/context.js')).openStore(root);
  } catch (err) {
    io.err(`layerscope: the demo store is not available: ${(err as Error).message}\n`);
    return undefined;
  }
}

export async function runTui(opts: TuiOptions, io: Io): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    io.err(
      'layerscope: the explorer needs an interactive terminal (stdin and stdout are not a TTY).\n' +
        'Use the non-interactive commands instead, e.g. `layerscope images`, `layerscope diff CONTAINER`, `layerscope history IMAGE` (see layerscope --help).\n',
    );
    return 2;
  }
  let root = opts.root ?? opts.target;
  if (opts.target && opts.root) {
    io.err('layerscope: give the root either as an argument or with --root, not both\n');
    return 2;
  }
  let open: () => LayerStore | Promise<LayerStore>;
  if (root !== undefined) {
    let st;
    try {
      st = statSync(root);
    } catch (err) {
      io.err(`layerscope: ${root}: ${(err as Error).message}\n`);
      return 2;
    }
    const dir = root;
    // A file is a `docker save` archive; a directory with `oci-layout` is an OCI image layout.
    if (!st.isDirectory() || existsSync(join(dir, 'oci-layout'))) {
      open = async () => (await import('../store/archive.js')).ArchiveStore.open(dir);
    } else {
      open = async () => (await import('../commands/context.js')).openStore(dir);
    }
  } else if (readable(DEFAULT_ROOT)) {
    root = DEFAULT_ROOT;
    open = async () => (await import('../commands/context.js')).openStore(DEFAULT_ROOT);
  } else {
    io.err(`layerscope: ${DEFAULT_ROOT} is not readable (or not a Docker root); opening the demo store\n`);
    const demo = await openDefaultStore(io);
    if (!demo) {
      io.err('layerscope: no Docker root is readable; give one: layerscope ROOT\n');
      return 2;
    }
    root = demo.root;
    open = () => demo;
  }
  const {render} = await import('ink');
  try {
    const app = render(createElement(Loader, {open, label: root ?? 'demo store', select: opts.select}), {exitOnCtrlC: true});
    await app.waitUntilExit();
    return 0;
  } catch (err) {
    io.err(`layerscope: ${(err as Error).message}\n`);
    return 1;
  }
}

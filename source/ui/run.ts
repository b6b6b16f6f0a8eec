// `layerscope [ROOT|ARCHIVE] [--root DIR] [--select NAME[@N]]`: choose the store, then run the
// explorer in the terminal.
import {accessSync, constants} from 'node:fs';
import {createElement} from 'react';
import type {OpenOptions} from '../store/backend.js';
import type {LayerStore} from '../store/store.js';
import {App} from './App.js';
import {Loader} from './Loader.js';

/** Where the explorer writes what is not the UI: messages before it starts (stderr). */
export interface Io {
  err: (text: string) => void;
}

export interface TuiOptions extends OpenOptions {
  target?: string;
  root?: string;
  select?: string;
}

export const DEFAULT_ROOT = '/var/lib/docker';

/**
 * How long the store may take to open before the spinner is drawn. A Docker root's catalog opens
 * in well under this (14–97 ms on the bench's roots, most of it synchronous: no spinner could turn
 * meanwhile), and the explorer is then the first frame: a spinner frame just before it would hold
 * it back, as Ink defers a frame that follows another by less than its frame interval (33 ms).
 */
const SPINNER_DELAY_MS = 100;

/** A readable directory that some backend claims (a Docker root of either image store). */
async function readable(dir: string): Promise<boolean> {
  try {
    accessSync(dir, constants.R_OK | constants.X_OK);
  } catch {
    return false;
  }
  return (await import('../store/detect.js')).detectStore(dir) !== undefined;
}

/**
 * The store opened when no root is given and /var/lib/docker cannot be read: the engine's demo
 * root (built on first use, then reused), or undefined when it cannot be had.
 */
export async function openDefaultStore(io: Io): Promise<LayerStore | undefined> {
  try {
    const {ensureDemo} = await import('../engine/demo.js');
    const root = await ensureDemo(undefined, {write: (text: string) => io.err(text)});
    return (await import('../store/docker-root.js')).openRoot(root);
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
    const {detectStore, whatIsThere} = await import('../store/detect.js');
    const found = detectStore(root);
    if (!found) {
      io.err(`layerscope: ${root}: ${whatIsThere(root)}\n`);
      return 2;
    }
    const dir = root;
    open = () => found.backend.open(dir, found.kind, opts);
  } else if (await readable(DEFAULT_ROOT)) {
    root = DEFAULT_ROOT;
    open = async () => (await import('../store/open.js')).openSource(DEFAULT_ROOT, opts);
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
  // The store opens while Ink loads.
  const opening = Promise.resolve().then(open);
  let store: LayerStore | undefined;
  const settled = opening.then(
    (s) => void (store = s),
    () => undefined,
  );
  let timer: NodeJS.Timeout | undefined;
  const delay = new Promise((resolve) => (timer = setTimeout(resolve, SPINNER_DELAY_MS)));
  const [{render}, {default: chalk}] = await Promise.all([import('ink'), import('chalk'), Promise.race([settled, delay])]);
  clearTimeout(timer);
  // The cursor, headings and marks are SGR attributes (reverse, bold, underline) that every
  // terminal has. chalk, which Ink styles with, turns them all off with colours when it guesses a
  // terminal has none (under CI=…, or a TERM it does not know): the cursor would be invisible.
  // Colours themselves are the theme's to drop (NO_COLOR); FORCE_COLOR=0 is the user's word.
  if (process.stdout.isTTY && process.env.TERM !== 'dumb' && process.env.FORCE_COLOR !== '0') chalk.level = Math.max(chalk.level, 1) as typeof chalk.level;
  try {
    const first = store
      ? createElement(App, {store, select: opts.select})
      : createElement(Loader, {open: () => opening, label: root ?? 'demo store', select: opts.select});
    const app = render(first, {exitOnCtrlC: true});
    await app.waitUntilExit();
    return 0;
  } catch (err) {
    io.err(`layerscope: ${(err as Error).message}\n`);
    return 1;
  }
}

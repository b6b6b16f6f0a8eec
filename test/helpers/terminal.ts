// A real terminal for end-to-end tests: tmux runs the bundle users install at a given size, keys
// are sent as a user types them, and the screen is read with capture-pane. Each Term has its own
// tmux server (socket), so tests never touch a user's tmux. Every test that drives the explorer in
// a terminal goes through this one harness.
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
/** The bundle users install and run (package.json's bin), not tsc's dist/cli.js. */
export const CLI = join(REPO, 'dist', 'bundle', 'cli.js');
export const hasTmux = existsSync('/usr/bin/tmux');
/** A pause for the explorer to draw after keys whose effect has no text of its own to wait for. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Newest mtime under a directory, to know whether dist is older than the sources. */
function newest(dir: string): number {
  let max = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    max = Math.max(max, st.isDirectory() ? newest(p) : st.mtimeMs);
  }
  return max;
}

/** Build dist/ and the bundle when the sources are newer. */
export function ensureBuilt(): void {
  if (!existsSync(CLI) || statSync(CLI).mtimeMs < newest(join(REPO, 'source'))) execFileSync('npm', ['run', 'build'], {cwd: REPO, stdio: 'ignore'});
}

/** The engine's demo store, built into a fresh temp directory (no daemon, no root needed). */
export function makeDemo(): {dir: string; root: string; cleanup: () => void} {
  const dir = mkdtempSync(join(tmpdir(), 'layerscope-e2e-demo-'));
  execFileSync('node', [CLI, 'demo', dir], {stdio: 'ignore'});
  return {dir, root: join(dir, 'root'), cleanup: () => rmSync(dir, {recursive: true, force: true})};
}

/** A word for the shell tmux runs the command with: as it is, whatever it holds. */
const quote = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`;

let sessions = 0;

export interface TermOptions {
  /** false: tmux passes no title on to a terminal outside it (`set-titles off`); a title the
   *  program sends is still the pane's title, read by title(). */
  titles?: boolean;
  /** Append every byte the program writes to the pane into this file (pipe-pane), to check what
   *  reached the terminal raw rather than what tmux drew. */
  record?: string;
}

export class Term {
  private readonly socket = `layerscope-e2e-${process.pid}-${sessions++}`;

  constructor(
    readonly columns: number,
    readonly rows: number,
    private readonly options: TermOptions = {},
  ) {}

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8'});
  }

  /** Run `layerscope ARGS` in the terminal; the shell says how it exited. */
  start(args: string[], env: Record<string, string> = {}): void {
    this.run(['node', CLI, ...args], env);
  }

  /** Run a command (its words) in the terminal; the shell says how it exited. */
  run(words: string[], env: Record<string, string> = {}): void {
    const vars = Object.entries(env)
      .map(([k, v]) => `${k}=${quote(v)} `)
      .join('');
    this.tmux(
      'new-session',
      '-d',
      '-s',
      'e2e',
      '-x',
      String(this.columns),
      '-y',
      String(this.rows),
      `${vars}${words.map(quote).join(' ')}; echo "exited with $?"; sleep 60`,
    );
    if (this.options.titles === false) this.tmux('set-option', '-t', 'e2e', 'set-titles', 'off');
    if (this.options.record) this.tmux('pipe-pane', '-o', '-t', 'e2e', `cat >> ${quote(this.options.record)}`);
  }

  /** The screen as text; with `escapes`, with its colour codes. */
  screen(escapes = false): string {
    return this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', 'e2e');
  }

  lines(): string[] {
    return this.screen().split('\n').slice(0, this.rows);
  }

  /**
   * The first screen that passes `test` and holds still for a moment: a frame larger than the pty's
   * buffer reaches tmux in pieces, so a capture can show a frame half drawn over the one before.
   * A screen that keeps changing while it passes is taken after a second.
   */
  async waitFor(test: (s: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
    const start = Date.now();
    let passingSince: number | undefined;
    for (;;) {
      const s = this.screen();
      if (test(s)) {
        await sleep(40);
        const again = this.screen();
        if (again === s) return s;
        passingSince ??= Date.now();
        if (test(again) && Date.now() - passingSince > 1000) return again;
      } else passingSince = undefined;
      if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what} at ${this.columns}x${this.rows}; screen:\n${s}`);
      await sleep(25);
    }
  }

  /** Send keys one at a time, as typed (tmux key names). */
  async keys(...list: string[]): Promise<void> {
    for (const k of list) {
      this.tmux('send-keys', '-t', 'e2e', k);
      await sleep(40);
    }
  }

  async type(text: string): Promise<void> {
    this.tmux('send-keys', '-t', 'e2e', '-l', text);
    await sleep(40);
  }

  /** The status line: the line above the footer. */
  status(): string {
    const lines = this.lines();
    return lines[this.rows - 2] ?? '';
  }

  footer(): string {
    return this.lines()[this.rows - 1] ?? '';
  }

  /** The pane's title, as the program last set it. */
  title(): string {
    return this.tmux('display-message', '-p', '-t', 'e2e', '#{pane_title}');
  }

  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}

// End to end in a real terminal: tmux runs the built CLI on an extracted real root at 80x24,
// keys are sent as a user types them, and the screen is read with capture-pane.
import {execFileSync} from 'node:child_process';
import {existsSync, readdirSync, statSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {canExtract, cleanupExtracted, extractRealStoreA, skipReason} from '../helpers/real-store.js';

const REPO = resolve(import.meta.dirname, '../..');
const CLI = join(REPO, 'dist', 'cli.js');
const WEB1_UPPER = 'overlay2/5dab3c9d7fd351e0c8c623a6dc5e8273529b57009564a48fb7293ca885f0b14f/diff';
const hasTmux = existsSync('/usr/bin/tmux');
const socket = `layerscope-e2e-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});
const screen = () => tmux('capture-pane', '-p', '-t', 'e2e');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

async function waitScreen(test: (s: string) => boolean, what: string, timeoutMs = 5000): Promise<string> {
  const start = Date.now();
  for (;;) {
    const s = screen();
    if (test(s)) return s;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
    await sleep(25);
  }
}

/** Send keys one at a time, as typed (tmux key names or literal text). */
async function keys(...list: string[]): Promise<void> {
  for (const k of list) {
    tmux('send-keys', '-t', 'e2e', k);
    await sleep(40);
  }
}

async function type(text: string): Promise<void> {
  tmux('send-keys', '-t', 'e2e', '-l', text);
  await sleep(40);
}

describe.skipIf(!canExtract || !hasTmux)(`explorer in tmux (${!hasTmux ? 'no tmux' : canExtract ? 'extracted root' : skipReason})`, () => {
  let root: string;
  beforeAll(() => {
    if (!existsSync(CLI) || statSync(CLI).mtimeMs < newest(join(REPO, 'source'))) execFileSync('npx', ['tsc', '-p', '.'], {cwd: REPO, stdio: 'ignore'});
    root = extractRealStoreA();
    tmux('new-session', '-d', '-s', 'e2e', '-x', '80', '-y', '24', `node ${CLI} ${root}; echo "exited with $?"; sleep 60`);
  });
  afterAll(() => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
    cleanupExtracted();
  });

  it('opens on the store, 80x24', async () => {
    const s = await waitScreen((x) => x.includes('[images]') && x.includes('Layers of'), 'the main screen');
    expect(s.split('\n').length).toBeGreaterThanOrEqual(24);
    expect(s).toContain('myapp:1');
    expect(s.split('\n').every((l) => l.length <= 80)).toBe(true);
  });

  it('selects web1, opens its writable layer, searches, toggles the merged view and opens a file', async () => {
    await keys('Right');
    await waitScreen((s) => s.includes('[containers]'), 'the containers list');
    const web1 = screen().split('\n').findIndex((l) => l.includes('web1'));
    const first = screen().split('\n').findIndex((l) => l.includes('idle3'));
    await keys(...Array<string>(web1 - first).fill('Down'), 'Enter');
    await waitScreen((s) => s.includes('Layers of web1 (running)') && s.includes('rw writable layer'), 'web1 layers');
    await keys('Enter');
    await waitScreen((s) => s.includes("Files · web1@5 · layer's changes") && s.includes('▾ etc/'), "the writable layer's changes");
    await keys('/');
    await type('app.log');
    await keys('Enter');
    await waitScreen((s) => /A -rw-r--r-- 0:0 +\d+B +\/var\/log\/app\.log/.test(s), 'the search result');
    await keys('C-l');
    await waitScreen((s) => s.includes('web1@5 · merged view'), 'the merged view');
    await keys('/');
    await type('apache2.conf');
    await keys('Enter');
    await waitScreen((s) => s.includes('/etc/apache2/apache2.conf  shadows layer 1'), 'apache2.conf in the merged view');
    await keys('Enter');
    const view = await waitScreen((s) => s.includes('/etc/apache2/apache2.conf @ web1@5'), 'the file view');
    expect(view).toContain('ServerName localhost');
    expect(view).toContain('ServerName web1');
  });

  it('shows a file written into web1\'s upper dir while open', async () => {
    await keys('4');
    await waitScreen((s) => s.includes('Writable layer of web1'), 'the writable pane');
    const t0 = performance.now();
    writeFileSync(join(root, WEB1_UPPER, 'aaa-e2e.txt'), 'written while watching\n');
    const s = await waitScreen((x) => x.includes('A /aaa-e2e.txt'), 'the new file in the writable pane');
    console.log(`tmux: write into the upper dir → on screen in ${(performance.now() - t0).toFixed(0)} ms (polled every 25 ms)`);
    expect(s).toContain('Writable layer of web1');
  });

  it('shows every key with ? and quits with q', async () => {
    await keys('?');
    const help = await waitScreen((s) => s.includes('Keys (any key closes'), 'the help');
    expect(help).toContain('ctrl+Space / z');
    await keys('Escape', 'q');
    await waitScreen((s) => s.includes('exited with 0'), 'the explorer to exit');
  });
});

// End to end in a real terminal: tmux runs the bundle users install on an extracted real root at 80x24,
// keys are sent as a user types them, and the screen is read with capture-pane.
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {canExtract, cleanupExtracted, extractRealStoreA, skipReason} from '../helpers/real-store.js';
import {ensureBuilt, hasTmux, Term} from '../helpers/terminal.js';

const WEB1_UPPER = 'overlay2/5dab3c9d7fd351e0c8c623a6dc5e8273529b57009564a48fb7293ca885f0b14f/diff';
/** How long each step may take to show. */
const WAIT_MS = 5000;

describe.skipIf(!canExtract || !hasTmux)(`explorer in tmux (${!hasTmux ? 'no tmux' : canExtract ? 'extracted root' : skipReason})`, () => {
  let root: string;
  const term = new Term(80, 24);
  const waitScreen = (test: (s: string) => boolean, what: string) => term.waitFor(test, what, WAIT_MS);
  beforeAll(() => {
    ensureBuilt();
    root = extractRealStoreA();
    term.start([root]);
  });
  afterAll(() => {
    term.close();
    cleanupExtracted();
  });

  it('opens on the store, 80x24', async () => {
    const s = await waitScreen((x) => x.includes('[images]') && x.includes('Layers of'), 'the main screen');
    expect(s.split('\n').length).toBeGreaterThanOrEqual(24);
    expect(s).toContain('myapp:1');
    expect(s.split('\n').every((l) => l.length <= 80)).toBe(true);
  });

  it('selects web1, opens its writable layer, searches, toggles the merged view and opens a file', async () => {
    await term.keys('Right');
    await waitScreen((s) => s.includes('[containers]'), 'the containers list');
    const web1 = term
      .screen()
      .split('\n')
      .findIndex((l) => l.includes('web1'));
    const first = term
      .screen()
      .split('\n')
      .findIndex((l) => l.includes('idle3'));
    await term.keys(...Array<string>(web1 - first).fill('Down'), 'Enter');
    await waitScreen((s) => s.includes('Layers of web1 (running)') && s.includes('rw writable layer'), 'web1 layers');
    await term.keys('Enter');
    await waitScreen((s) => s.includes("Files · web1@5 · layer's changes") && s.includes('▾ etc/'), "the writable layer's changes");
    await term.keys('/');
    await term.type('app.log');
    await term.keys('Enter');
    await waitScreen((s) => /A -rw-r--r-- 0:0 +\d+B +\/var\/log\/app\.log/.test(s), 'the search result');
    await term.keys('C-l');
    await waitScreen((s) => s.includes('web1@5 · merged view'), 'the merged view');
    await term.keys('/');
    await term.type('apache2.conf');
    await term.keys('Enter');
    await waitScreen((s) => s.includes('/etc/apache2/apache2.conf  shadows layer 1'), 'apache2.conf in the merged view');
    await term.keys('Enter');
    const view = await waitScreen((s) => s.includes('/etc/apache2/apache2.conf @ web1@5') && s.includes('ServerName web1'), 'the file view and its first page');
    expect(view).toContain('ServerName localhost');
    expect(view).toContain('ServerName web1');
  });

  it("shows a file written into web1's upper dir while open", async () => {
    await term.keys('4');
    await waitScreen((s) => s.includes('Writable layer of web1'), 'the writable pane');
    const t0 = performance.now();
    writeFileSync(join(root, WEB1_UPPER, 'aaa-e2e.txt'), 'written while watching\n');
    const s = await waitScreen((x) => x.includes('A /aaa-e2e.txt'), 'the new file in the writable pane');
    console.log(`tmux: write into the upper dir → on screen in ${(performance.now() - t0).toFixed(0)} ms (polled every 25 ms)`);
    expect(s).toContain('Writable layer of web1');
  });

  it('shows every key with ? and quits with q', async () => {
    await term.keys('?');
    const help = await waitScreen((s) => /Keys 1–\d+ of \d+/.test(s), 'the help');
    expect(help).toContain('Tab');
    await term.keys('Escape', 'q');
    await waitScreen((s) => s.includes('exited with 0'), 'the explorer to exit');
  });
});

// The explorer on a real podman root (fixtures/podman), in a real terminal: tmux runs the bundle
// users install, keys are typed, the screen is read with capture-pane and compared with podman's answers.
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {answer, cleanupFixtures, extractFixture, fixtureSkip} from '../helpers/fixture-root.js';
import {ensureBuilt, hasTmux, Term} from '../helpers/terminal.js';

const why = fixtureSkip('podman') ?? (hasTmux ? undefined : 'tmux is not installed');
/** How long each step may take to show. */
const WAIT_MS = 8000;

describe.skipIf(why)(`explorer on a podman root in tmux${why ? ` (skipped: ${why})` : ''}`, () => {
  const term = new Term(120, 36);
  beforeAll(() => {
    ensureBuilt();
    term.start([join(extractFixture('podman'), 'root'), '--select', 'p3']);
  });
  afterAll(() => {
    term.close();
    cleanupFixtures();
  });

  it("lists podman's containers and shows p3's writable layer as podman diff does", async () => {
    await term.waitFor((s) => s.includes('Layers of p3'), "p3's layers", WAIT_MS);
    await term.keys('4');
    // The pane's counts (A.. C.. D..) show once the layers are read.
    const s = await term.waitFor((x) => /Writable layer of p3 \(podman diff\).*A\d+ C\d+ D\d+/.test(x), 'the writable pane, read', WAIT_MS);
    for (const name of ['p1', 'p2', 'p3']) expect(s).toContain(name);
    expect(s).toContain('[podman overlay]');
    // Every path podman diff names appears, by its last component, with podman's letter.
    for (const line of answer('podman', 'diff-p3.txt').split('\n').filter(Boolean)) {
      const [kind, path] = line.split(' ') as [string, string];
      expect(s, line).toMatch(new RegExp(`${kind} .*${path.split('/').at(-1)!.replace('.', '\\.')}`));
    }
  });
});

// End to end in a real terminal on containerd stores: tmux runs the bundle users install on the
// extracted fixtures; the header names the kind of store, and a file written into a container's
// writable snapshot shows in the Writable pane while the explorer runs.
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {openSource} from '../../source/store/open.js';
import {cleanupFixtures, extractFixture, fixtureSkip} from '../helpers/fixture-root.js';
import {ensureBuilt, hasTmux, Term} from '../helpers/terminal.js';

const skip = !hasTmux ? 'no tmux' : (fixtureSkip('containerd-docker') ?? fixtureSkip('containerd'));
/** How long each step may take to show. */
const WAIT_MS = 8000;

describe.skipIf(!!skip)(`explorer in tmux on containerd stores${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let term: Term;
  beforeAll(ensureBuilt);
  afterEach(() => term?.close());
  afterAll(cleanupFixtures);

  it("Docker on the containerd image store: header [docker containerd-store moby]; a write into c2's snapshot shows live", async () => {
    const dir = extractFixture('containerd-docker');
    const [root, croot] = [join(dir, 'docker-root'), join(dir, 'containerd-root')];
    term = new Term(120, 30);
    term.start([root, '--containerd-root', croot, '--select', 'c2']);
    const first = await term.waitFor((s) => s.includes('Layers of c2'), 'the explorer on c2', WAIT_MS);
    expect(first.split('\n')[0]).toContain('[docker containerd-store moby]');
    await term.keys('4');
    await term.waitFor((s) => s.includes('/tmp/new.txt'), "c2's docker diff in the Writable pane", WAIT_MS);
    const store = await openSource(root, {containerdRoot: croot});
    const rw = store.layers.get(store.containers.find((c) => c.name === 'c2')!.rwLayer!)!;
    writeFileSync(join(rw.dir, 'live.txt'), 'written while the explorer runs\n');
    await term.waitFor((s) => s.includes('/live.txt'), '/live.txt in the Writable pane', WAIT_MS);
  });

  it('a containerd root: header [containerd default] with --namespace default', async () => {
    const root = join(extractFixture('containerd'), 'root');
    term = new Term(120, 30);
    term.start([root, '--namespace', 'default', '--select', 'run2']);
    const s = await term.waitFor((x) => x.includes('Layers of run2'), 'the explorer on run2', WAIT_MS);
    expect(s.split('\n')[0]).toContain('[containerd default]');
  });
});

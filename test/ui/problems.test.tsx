// The explorer on damaged roots: the status line names the damaged item, `!` lists every problem,
// and the rest of the store still shows.
import {rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, afterEach, describe, expect, it} from 'vitest';
import {openRoot} from '../../source/store/docker-root.js';
import {canExtract, cleanupExtracted, extractRealStoreA, skipReason} from '../helpers/real-store.js';
import {renderApp, type Ui} from './helpers.js';

const WEB1 = '98b1f504b67f10543133c65a6a6907e87523cd17006948bf882d44ce76b549b2';
const COPY_LAYER = '2783b78df91247d4a8d2ddcc5cdc74638432d0b6e6baf19f9fd63a66e78a0ad9';

describe.skipIf(!canExtract)(`explorer on damaged roots${canExtract ? '' : ` (skipped: ${skipReason})`}`, () => {
  let ui: Ui | undefined;
  afterEach(() => {
    ui?.unmount();
    ui = undefined;
  });
  afterAll(cleanupExtracted);

  it('a corrupt config.v2.json: the status line names it, ! lists it, the other containers show', async () => {
    const root = extractRealStoreA();
    const config = join(root, 'containers', WEB1, 'config.v2.json');
    writeFileSync(config, '{"ID": ');
    ui = await renderApp(openRoot(root));
    const frame = await ui.waitFor((f) => f.includes('problem'), 'the problem in the status line');
    expect(frame).toContain('invalid JSON');
    expect(frame).toContain('cowlab:1');
    await ui.press('!');
    const list = await ui.waitFor((f) => f.includes('Problems (1)'), 'the problems overlay');
    expect(list).toContain(`${WEB1}/config.v2.json`);
    expect(list).toContain('invalid JSON');
  });

  it('a missing layer directory: named when that layer is opened; other images still show', async () => {
    const root = extractRealStoreA();
    rmSync(join(root, 'overlay2', COPY_LAYER), {recursive: true});
    ui = await renderApp(openRoot(root), 'myapp:1@3');
    const frame = await ui.waitFor((f) => f.includes('problem'), 'the problem in the status line');
    expect(frame).toContain(COPY_LAYER.slice(0, 12));
    expect(frame).toContain('Layers of myapp:1');
  });
});

// Each pane on the extracted real root, for known selections, against Docker's own answers.
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {openRoot} from '../../source/store/docker-root.js';
import {findContainer, findImage} from '../../source/store/refs.js';
import type {DockerStore} from '../../source/store/store.js';
import {layerLine} from '../../source/ui/LayersPane.js';
import {layerRows} from '../../source/ui/rows.js';
import {canExtract, cleanupExtracted, extractRealStoreA, REAL_A, skipReason} from '../helpers/real-store.js';
import {detailRows, KEYS, renderApp, type Ui} from './helpers.js';

const dockerLines = (name: string) => readFileSync(join(REAL_A, name), 'utf8').trim().split('\n');

describe.skipIf(!canExtract)(`explorer panes on real-store-a (${canExtract ? 'extracted' : skipReason})`, () => {
  let store: DockerStore;
  let root: string;
  let ui: Ui | undefined;
  beforeAll(() => {
    root = extractRealStoreA();
    store = openRoot(root);
  });
  afterEach(() => {
    ui?.unmount();
    ui = undefined;
  });
  afterAll(cleanupExtracted);

  /** Scroll the focused list down, collecting the detail pane's rows from every frame drawn. */
  const collect = async (u: Ui, presses: number): Promise<string[]> => {
    const from = u.allFrames().length - 1;
    await u.press(...Array<string>(presses).fill(KEYS.down));
    await u.settle();
    return [...new Set(u.allFrames().slice(from).flatMap(detailRows))];
  };

  it("web1's writable layer shows exactly docker diff's lines, with their letters", async () => {
    ui = await renderApp(store, 'web1');
    await ui.press('4');
    await ui.waitFor((f) => f.includes('Writable layer of web1'), 'the writable pane');
    const rows = await collect(ui, 25);
    const shown = rows
      .map((r) => /^([ACD]) (\/\S*)/.exec(r))
      .filter((m) => m !== null)
      .map((m) => `${m[1]} ${m[2]}`);
    expect(new Set(shown)).toEqual(new Set(dockerLines('diff-web1.txt')));
    expect(shown.length).toBe(dockerLines('diff-web1.txt').length);
  });

  it("job2's writable layer matches docker diff too", async () => {
    ui = await renderApp(store, 'job2');
    await ui.press('4');
    const rows = await collect(ui, 20);
    const shown = rows
      .map((r) => /^([ACD]) (\/\S*)/.exec(r))
      .filter((m) => m !== null)
      .map((m) => `${m[1]} ${m[2]}`);
    expect(new Set(shown)).toEqual(new Set(dockerLines('diff-job2.txt')));
  });

  it("cowlab's layers show the created_by of docker history, oldest first, empty entries included", async () => {
    const history = dockerLines('history-cowlab.jsonl')
      .map((l) => (JSON.parse(l) as {CreatedBy: string}).CreatedBy)
      .reverse();
    const rows = layerRows(store, findImage(store, 'cowlab:1'));
    expect(rows.map((r) => r.createdBy)).toEqual(history);
    expect(rows.filter((r) => r.kind === 'empty').map((r) => r.createdBy)).toEqual(history.filter((h) => h.includes('#(nop)') && !h.includes('COPY')));
    ui = await renderApp(store, 'cowlab:1');
    await ui.press('2', 'g');
    await ui.settle();
    const from = ui.allFrames().length - 1;
    await ui.press(...Array<string>(rows.length).fill(KEYS.down));
    await ui.settle();
    const text = ui.allFrames().slice(from).join('\n');
    for (const r of rows) expect(text).toContain(layerLine(r).slice(0, 40));
  });

  it("web1's mounts pane shows appdata → /data rw and /srv/hostdata → /src ro", async () => {
    ui = await renderApp(store, 'web1');
    await ui.press('5');
    const frame = await ui.waitFor((f) => f.includes('appdata'), 'the mounts table');
    const rows = detailRows(frame);
    expect(rows.find((r) => r.includes('appdata'))).toMatch(/volume\s*│\s*appdata\s*│.*_data\s*│\s*\/data\s*│\s*RW\s*│\s*local/);
    expect(rows.find((r) => r.includes('/srv/hostdata'))).toMatch(/bind\s*│\s*│\s*\/srv\/hostdata\s*│\s*\/src\s*│\s*RO/);
  });

  it("job2's mounts include its anonymous volume and its tmpfs", async () => {
    ui = await renderApp(store, 'job2');
    await ui.press('5');
    const rows = detailRows(await ui.waitFor((f) => f.includes('tmpfs'), 'the mounts table'));
    expect(rows.find((r) => r.includes('/var/cache/app'))).toMatch(/volume\s*│\s*238ba9c9ad42/);
    expect(rows.find((r) => r.includes('tmpfs'))).toMatch(/\/run\/tmp\s*│\s*RW/);
  });

  it('marks whiteouts and opaque directories in a layer, and what a copy-up shadows', async () => {
    ui = await renderApp(store, 'cowlab:1@6');
    const frame = await ui.waitFor((f) => f.includes('Files · cowlab:1@6'), 'the files pane');
    expect(frame).toMatch(/C .*apache2\/ \[opaque\]/);
    ui.unmount();
    ui = await renderApp(store, 'web1');
    await ui.press('3', '/', ...'apache2.conf', KEYS.enter);
    const found = await ui.waitFor((f) => f.includes('/etc/apache2/apache2.conf  shadows'), 'the copy-up detail');
    expect(found).toMatch(/C -rw-r--r-- 0:0 +37B +\/etc\/apache2\/apache2\.conf +shadows layer 1 \(copy-up duplicates 21B\)/);
    expect(found).toMatch(/D .*ports\.conf \[whiteout\]/);
  });

  it('toggles the merged view, searches, opens a file and diffs it against the layer below', async () => {
    ui = await renderApp(store, 'web1');
    await ui.press('3', KEYS.ctrlL);
    await ui.waitFor((f) => f.includes('merged view'), 'the merged view');
    await ui.press('/', ...'etc/hostname', KEYS.enter);
    await ui.waitFor((f) => / \/etc\/hostname +from layer 4/.test(f), 'the search to land');
    await ui.press('/', ...'apache2.conf', KEYS.enter, KEYS.enter);
    const view = await ui.waitFor((f) => f.includes('/etc/apache2/apache2.conf @ web1@5') && f.includes('ServerName web1'), 'the file view');
    expect(detailRows(view).slice(0, 2)).toEqual(['ServerName localhost', 'ServerName web1']);
    await ui.press('d');
    const diff = await ui.waitFor((f) => f.includes('apache2.conf: the layer below → web1@5') && f.includes('+ ServerName web1'), 'the diff naming both sides');
    // Above the lines, what else the copy-up changed: its size (the line appended) and mtime; not its mode or owner.
    const rows = detailRows(diff);
    const at = rows.indexOf('  ServerName localhost');
    expect(rows.slice(at, at + 2)).toEqual(['  ServerName localhost', '+ ServerName web1']);
    const [before, after] = ['ServerName localhost\n', 'ServerName localhost\nServerName web1\n'].map((t) => `${Buffer.byteLength(t)}B`);
    expect(rows.slice(0, at)).toEqual([
      `size: ${before} → ${after}`,
      expect.stringMatching(/^mtime: \d{4}-\d\d-\d\d [\d:.]+ UTC → \d{4}-\d\d-\d\d [\d:.]+ UTC$/),
    ]);
    await ui.press('d', 'x');
    expect(detailRows(await ui.waitFor((f) => /║.*hex · \d/.test(f), 'hex'))[0]).toMatch(/^00000000  53 65 72 76/);
  });

  it('filters by change type (dive keys) and collapses all', async () => {
    ui = await renderApp(store, 'web1');
    await ui.press('3', KEYS.ctrlA);
    let rows = detailRows(await ui.waitFor((f) => f.includes('hiding A'), 'the filter'));
    expect(rows.some((r) => /^A /.test(r))).toBe(false);
    expect(rows.some((r) => /^C /.test(r))).toBe(true);
    await ui.press(KEYS.ctrlA, KEYS.ctrlSpace);
    rows = detailRows(await ui.waitFor((f) => !f.includes('hiding A') && f.includes('▸ etc/'), 'collapse all'));
    const names = rows.filter((r) => /^[ACD] /.test(r)).map((r) => /([^\s/]+)\/?$/.exec(r)?.[1]);
    expect(new Set(names)).toEqual(new Set(['data', 'etc', 'opt', 'src', 'tmp', 'usr', 'var']));
  });

  it('compares two images as a tree', async () => {
    ui = await renderApp(store, 'myapp:1');
    await ui.press('1', 'm');
    const rows = (await import('../../source/ui/rows.js')).storeRows(store, 'images');
    const from = rows.findIndex((r) => r.label === 'myapp:1');
    const to = rows.findIndex((r) => r.label === 'cowlab:1');
    const before = ui.allFrames().length;
    await ui.press(...Array<string>(Math.abs(to - from)).fill(to > from ? KEYS.down : KEYS.up), 'c');
    const frame = await ui.waitFor((f) => f.includes('Compare myapp:1 → cowlab:1') && /\n[│║][ACD] /.test(f), 'the compare pane');
    // The key's own frame comes first, the diff is worked out after it.
    const first = ui
      .allFrames()
      .slice(before)
      .find((f) => f.includes('Compare myapp:1 → cowlab:1'));
    expect(first).toContain('comparing…');
    const expected = store.diff(findImage(store, 'myapp:1')!.layers.at(-1), findImage(store, 'cowlab:1')!.layers.at(-1));
    const names = new Set(expected.map((c) => `${c.kind} ${c.path.slice(c.path.lastIndexOf('/') + 1)}`));
    const shown = detailRows(frame)
      .map((r) => /^([ACD]) .*?(?:[▾▸] )?([^\s/]+)\/?(?: → \S+)?$/.exec(r))
      .filter((m) => m !== null);
    expect(shown.length).toBeGreaterThan(5);
    for (const m of shown) expect(names).toContain(`${m[1]} ${m[2]}`);
  });

  it('shows a file written into a container layer while open, keeping the selection', async () => {
    ui = await renderApp(store, 'web1', true);
    await ui.press('4');
    await ui.waitFor((f) => f.includes('Writable layer of web1'), 'the writable pane');
    await new Promise((r) => setTimeout(r, 300)); // the watcher's initial scan
    const upper = store.layers.get(findContainer(store, 'web1')!.rwLayer!)!.dir;
    const t0 = performance.now();
    writeFileSync(join(upper, 'aaa-live.txt'), 'live');
    await ui.waitFor((f) => f.includes('A /aaa-live.txt'), 'the new file');
    console.log(`live: write → frame in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(ui.frame()).toContain('Writable layer of web1');
  });
});

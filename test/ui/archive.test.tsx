// The explorer on archives: the same panes, read from the tar without extracting it; on every
// archive kind real tools write, the same image, tree and file contents as podman's layers.
import {readFileSync} from 'node:fs';
import {join, posix, resolve} from 'node:path';
import {afterAll, afterEach, describe, expect, it} from 'vitest';
import {ArchiveStore} from '../../source/store/archive.js';
import {noZstd, titled} from '../helpers/addons.js';
import {goUnitsSize} from '../helpers/go-units.js';
import {REAL_A} from '../helpers/real-store.js';
import {cleanupTemp, tempDir} from '../store/archive-fixtures.js';
import {appKinds, json, layerPaths, mergedTree, truthLayers} from '../store/format-kinds.js';
import {execFileSync} from 'node:child_process';
import {detailRows, KEYS, renderApp, type Ui} from './helpers.js';

describe('explorer on a docker save archive', () => {
  let ui: Ui | undefined;
  afterEach(() => {
    ui?.unmount();
    ui = undefined;
  });

  it("opens cowlab's archive on layer 6 and shows its changes: the opaque /etc/apache2", async () => {
    const store = await ArchiveStore.open(join(REAL_A, 'cowlab.docker-archive.tar'));
    ui = await renderApp(store, 'cowlab:1@6');
    const frame = await ui.waitFor((f) => f.includes('site.conf'), 'layer 6 changes');
    expect(frame).toContain('Layers of cowlab:1');
    expect(frame).toMatch(/apache2\/ \[opaque\]/);
    expect(frame).toMatch(/D .*apache2\.conf/);
    expect(frame).toMatch(/A .*site\.conf/);
  });
});

describe('explorer on image indexes (fixtures/formats)', () => {
  const F = resolve(import.meta.dirname, '../../fixtures/formats');
  let ui: Ui | undefined;
  afterEach(() => {
    ui?.unmount();
    ui = undefined;
  });

  it("BuildKit's attestation is a row after the layers; its provenance statement opens in the file view", async () => {
    const store = await ArchiveStore.open(join(F, 'bk-oci.tar'));
    ui = await renderApp(store, 'fmt/bk:1');
    // The image opens on its top filesystem layer; the attestation row is the last row.
    await ui.waitFor((f) => f.includes('Files · fmt/bk:1@1'), 'the top layer');
    expect(ui.frame()).toContain('Layers of fmt/bk:1 (linux/amd64)');
    await ui.press('2', 'G');
    await ui.waitFor((f) => f.includes('attestation-manifest'), 'the attestation row');
    await ui.press(KEYS.enter);
    await ui.waitFor((f) => f.includes('slsa.dev_provenance_v0.2.json'), 'the statement file');
    await ui.press(KEYS.enter);
    const frame = await ui.waitFor((f) => f.includes('"predicateType": "https://slsa.dev/provenance/v0.2"'), 'the statement, indented');
    expect(frame).toContain('"_type": "https://in-toto.io/Statement/v0.1"');
  });

  it('--platform picks the image of a multi-platform index', async () => {
    const store = await ArchiveStore.open(join(F, 'multi-oci.tar'), {platform: 'linux/arm64'});
    ui = await renderApp(store, 'fmt/multi:1');
    const frame = await ui.waitFor((f) => f.includes('Layers of fmt/multi:1 (linux/arm64/v8)'), 'the arm64 image');
    expect(frame).toMatch(/ 1 layer[│║]/);
  });
});

/**
 * The Files pane's rows as `LETTER PERMS OWNER SIZE /path[ → target][ [whiteout]]`: paths made
 * from the tree's indentation (two columns a level; a directory's `▾ ` where a file has spaces).
 */
function fileRows(frame: string): string[] {
  const lines = detailRows(frame);
  const col = lines[0]!.indexOf('▾ ');
  const dirs: string[] = [];
  const out: string[] = [];
  for (const line of lines) {
    if (!line.trim() || line.length <= col || line[col - 1] !== ' ') break; // the line under the tree
    const tree = /^( *)(▾ |▸ )?(.*)$/.exec(line.slice(col))!;
    const dir = tree[2] !== undefined;
    const depth = (tree[1]!.length - (dir ? 0 : 2)) / 2;
    const name = tree[3]!.replace(/\/$/, '');
    const base = name.replace(/ (→ .*|\[whiteout\])$/, '');
    dirs.length = depth;
    const path = `/${[...dirs, name].join('/')}`;
    if (dir) dirs.push(base);
    const [perms, owner, size = ''] = line.slice(2, col).trim().split(/\s+/);
    out.push(`${line[0]} ${perms} ${owner} ${size} ${path}`);
  }
  return out.sort();
}

describe.skipIf(process.getuid?.() !== 0)('explorer on every archive kind of fmt/app:1 (root: the tree unpacked keeps owners)', () => {
  const kinds = process.getuid?.() === 0 ? appKinds() : [];
  const human = (n: number) => goUnitsSize(n, 3);
  let ui: Ui | undefined;
  afterEach(() => {
    ui?.unmount();
    ui = undefined;
  });
  afterAll(cleanupTemp);

  /**
   * The merged view of the top layer as podman's layers give it: each path with A (the top layer
   * adds it), C (the top layer holds it over a lower one) or no letter; D for what its whiteouts
   * delete, with the deleted file's metadata.
   */
  const expectedRows = () => {
    const top = truthLayers.length - 1;
    const lower = new Map(mergedTree(top - 1).map((e) => [e.path, e]));
    const inTop = layerPaths(top);
    const rows = mergedTree(top).map((e) => {
      const letter = inTop.includes(e.path) ? (lower.has(e.path) ? 'C' : 'A') : ' ';
      return `${letter} ${e.perms} ${e.owner} ${e.type === 'dir' ? '' : human(e.size)} ${e.path}${e.target ? ` → ${e.target}` : ''}`;
    });
    for (const wh of inTop.filter((p) => posix.basename(p).startsWith('.wh.'))) {
      const gone = lower.get(posix.join(posix.dirname(wh), posix.basename(wh).slice(4)))!;
      rows.push(`D ${gone.perms} ${gone.owner} ${human(gone.size)} ${gone.path} [whiteout]`);
    }
    return rows.sort();
  };
  const want = process.getuid?.() === 0 ? expectedRows() : [];
  // podman history, newest first: the Layers pane lists oldest first, as Docker shows created_by
  const history = json<{CreatedBy: string}[]>('app.podman-history.json')
    .map((h) => h.CreatedBy.replace(/^\/bin\/sh -c #\(nop\) /, ''))
    .reverse();
  const numbers = () => {
    const dir = tempDir('layerscope-numbers-');
    execFileSync('tar', ['-xf', '-', '-C', dir], {input: truthLayers.at(-1)});
    return readFileSync(join(dir, 'usr/share/doc/numbers.txt'), 'utf8').split('\n');
  };

  for (const kind of kinds) {
    const skip = kind.zstd ? noZstd : undefined;
    it.skipIf(skip)(titled(`${kind.name}: the image, its layers, the merged tree and a file's text as podman's layers give them`, skip), async () => {
      ui = await renderApp(await ArchiveStore.open(kind.path));
      ui.resize(50);
      const frame = await ui.waitFor((f) => f.includes(`Layers of ${kind.ref}`) && f.includes('2 layers'), 'the image');
      const lines = frame.split('\n');
      const storeWidth = lines[1]!.search(/[┐╗]/);
      expect(lines[3]!.slice(1, storeWidth).trim()).toMatch(new RegExp(`^${kind.ref.replace(/[./]/g, '\\$&')} +\\S+$`));
      expect(lines[4]!.slice(1, storeWidth).trim(), 'one image').toBe('');
      history.forEach((createdBy, i) => expect(lines[3 + i]!.slice(storeWidth), `layer ${i}`).toContain(createdBy.slice(0, 30)));

      await ui.press('3', 't');
      const tree = await ui.waitFor((f) => f.includes('merged view') && f.includes(`/${want.length}`), 'the merged view');
      expect(fileRows(tree)).toEqual(want);

      // numbers.txt in the View pane: read page by page, through whatever compression the kind has
      await ui.press('/', 'numbers.txt', KEYS.enter, KEYS.enter);
      const text = numbers();
      const first = await ui.waitFor((f) => f.includes('/usr/share/doc/numbers.txt @') && detailRows(f)[0]?.trim() === text[0], 'the file view');
      expect(detailRows(first).map((l) => l.trim())).toEqual(text.slice(0, detailRows(first).length));
      await ui.press('G');
      const last = await ui.waitFor((f) => detailRows(f).some((l) => l.trim() === text.at(-2)), 'the end of the file');
      const shown = detailRows(last).map((l) => l.trim());
      expect(shown).toEqual(text.slice(text.length - 1 - shown.length, -1));
    });
  }
});

// The explorer in a real terminal (tmux) at 80x24 and 60x20, on the engine's demo store: what a
// dive user comes for (issue 14). Expected figures come from the demo's Dockerfiles
// (fixtures/demo): cowlab:1's conf.tar rewrites /etc/apache2/apache2.conf (21 B "ServerName
// localhost\n" → 39 B, + "ServerName cowlab\n") and chmods ports.conf (10 B twice): dive counts
// 21 + 39 = 60 B and 10 + 10 = 20 B wasted, 80 B in all.
import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {BINDINGS, keysLabel} from '../../source/ui/keys.js';
import {humanSize} from '../../source/tree/human.js';
import {noXattr, noZstd, titled} from '../helpers/addons.js';
import {diveImageFigures} from '../helpers/dive-image.js';
import {FIXTURES} from '../helpers/fixture-root.js';
import {ensureBuilt, hasTmux, makeDemo, Term} from '../helpers/terminal.js';

const SIZES: [number, number][] = [
  [80, 24],
  [60, 20],
];

/** An entry of a demo build context's tar (fixtures/demo/install), as `tar -tv` lists it. */
function tarEntry(tar: string, path: string): {mode: string; size: number} {
  const [mode, , size] = execFileSync('tar', ['-tvf', join(FIXTURES, 'demo', 'install', tar), path], {encoding: 'utf8'}).split(/\s+/);
  return {mode: mode!, size: Number(size)};
}

/** An image's chain ids, bottom first, made from its config's diff ids as the OCI image spec says. */
function chainIds(root: string, ref: string): string[] {
  const dir = join(root, 'image', 'overlay2');
  const [name] = ref.split(':');
  const repos = JSON.parse(readFileSync(join(dir, 'repositories.json'), 'utf8')) as {Repositories: Record<string, Record<string, string>>};
  const id = repos.Repositories[name!]![ref]!;
  const config = JSON.parse(readFileSync(join(dir, 'imagedb', 'content', 'sha256', id.replace('sha256:', '')), 'utf8')) as {rootfs: {diff_ids: string[]}};
  const out: string[] = [];
  for (const diff of config.rootfs.diff_ids)
    out.push(
      out.length
        ? `sha256:${createHash('sha256')
            .update(`${out.at(-1)} ${diff}`)
            .digest('hex')}`
        : diff,
    );
  return out;
}

/** A container's id, from the config Docker keeps for it. */
function containerId(root: string, name: string): string {
  const dirs = readdirSync(join(root, 'containers'));
  const id = dirs.find((d) => (JSON.parse(readFileSync(join(root, 'containers', d, 'config.v2.json'), 'utf8')) as {Name: string}).Name === `/${name}`);
  if (!id) throw new Error(`no container ${name} in ${root}`);
  return id;
}

/** The demo store is built by the engine, which writes no layer without fs-xattr. */
const demoSkip = hasTmux ? noXattr : 'no tmux';
let demo: ReturnType<typeof makeDemo>;
beforeAll(() => {
  if (!hasTmux) return;
  ensureBuilt();
  if (!demoSkip) demo = makeDemo();
}, 120_000);
afterAll(() => demo?.cleanup());

describe.skipIf(demoSkip).each(SIZES)(titled('explorer in tmux at %ix%i', demoSkip), (columns, rows) => {
  let term: Term;
  const open = async (...args: string[]): Promise<Term> => {
    term = new Term(columns, rows);
    term.start([demo.root, ...args]);
    await term.waitFor((s) => (s.includes('Layers of') || s.includes('[images]')) && !s.includes('reading layer'), 'the main screen');
    return term;
  };
  afterEach(() => term?.close());
  /** The status line names `path` (cut in the middle at narrow widths: its first and last names). */
  const onStatus = (path: string) => {
    const status = term.status();
    const names = path.split('/').filter(Boolean);
    return status.includes(path) || (status.includes('…') && status.includes(`/${names.at(-1)}`));
  };

  /** The file view's title names `path` @ `label` (the path cut in the middle when the title is long). */
  const viewing = (screen: string, path: string, label: string) =>
    screen.split('\n').some((l) => {
      const m = /▶ (\S+) @ (\S+)/.exec(l);
      if (!m || m[2] !== label) return false;
      const [head, tail] = m[1]!.split('…');
      return tail === undefined ? head === path : path.startsWith(head!) && path.endsWith(tail);
    });

  /** Every frame fits: as many lines as rows, none wider, the status line on its own line. */
  const fits = (s: string, overlay = false) => {
    const lines = s.split('\n').slice(0, rows);
    expect(lines.length).toBe(rows);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(columns);
    if (!overlay) expect(lines[0]).toMatch(/^(ls|layerscope) /);
  };

  it('1: the image shows efficiency and wasted bytes on its first screen; Details lists the inefficient files and Enter goes to one', async () => {
    await open('--select', 'cowlab:1');
    let s = await term.waitFor((x) => x.includes('wasted 80B'), 'the efficiency summary');
    expect(s).toMatch(/efficiency 99\.99% · wasted 80B/);
    fits(s);
    await term.keys('8');
    s = await term.waitFor((x) => x.includes('Inefficient files (2)'), 'the details pane');
    expect(s).toMatch(/Efficiency 99\.99% · wasted 80B \(80 B\)/);
    const lines = s.split('\n');
    const conf = lines.findIndex((l) => /2 +60B +\/etc\/apache2\/apache2\.conf/.test(l));
    const ports = lines.findIndex((l) => /2 +20B +\/etc\/apache2\/ports\.conf/.test(l));
    expect(conf).toBeGreaterThan(0);
    expect(ports).toBe(conf + 1);
    // Down to the second file, Enter: the merged view with that file selected.
    const heading = lines.findIndex((l) => l.includes('Image cowlab:1'));
    await term.keys(...Array<string>(ports - heading).fill('Down'), 'Enter');
    s = await term.waitFor((x) => x.includes('merged view') && onStatus('/etc/apache2/ports.conf'), 'the file in the merged view');
    fits(s);
  });

  it('1, 4: layer details: the whole created_by, created, size, labelled ids, which images share it', async () => {
    await open('--select', 'cowlab:1@0');
    await term.keys('8');
    await term.waitFor((x) => x.includes('Inefficient files'), 'the details');
    await term.keys('G');
    const s = await term.waitFor((x) => x.includes('shared with'), 'the layer details');
    expect(s).toMatch(/diff id +sha256:[0-9a-f]{12}/);
    expect(s).toMatch(/chain id +sha256:[0-9a-f]{12}/);
    expect(s).toMatch(/cache id +[0-9a-f]{12}/);
    expect(s.replace(/\s+/g, ' ')).toMatch(/shared with (\S+ )*localbase:1, myapp2:1, myapp:1/);
    // ADD's created_by is long: it is wrapped whole, never cut.
    term.close();
    await open('--select', 'cowlab:1@5');
    await term.keys('8');
    await term.waitFor((x) => x.includes('Inefficient files'), 'the details');
    // Scroll up from the end, collecting the lines the pane shows.
    const seen: string[] = [];
    await term.keys('G');
    let d = await term.waitFor((x) => x.includes('shared with'), 'the layer details');
    for (let i = 0; i < 20 && !d.includes('Layer 5 of cowlab:1'); i++) {
      seen.unshift(...d.split('\n').filter((l) => /^║/.test(l)));
      // Each Up moves the window one line at most: wait for it, so no line goes unseen.
      const before = term.screen(true);
      await term.keys('Up');
      await term.waitFor(() => term.screen(true) !== before, 'the line above');
      d = term.screen();
    }
    seen.unshift(...d.split('\n').filter((l) => /^║/.test(l)));
    const text = [...new Set(seen)]
      .map((l) =>
        l
          .replace(/^║|║$/g, '')
          .trim()
          .replace(/^created_by +/, ''),
      )
      .join('');
    const hash = '2c2a09c0a501000f193f03356f34730804de8bc27a2b2dfac6d07737bd769538';
    expect(text).toContain(`file:${hash} in /`);
    expect(seen.join('\n')).toMatch(/created +20\d\d-/);
    fits(d);
  });

  it('2: help is an overlay from the key table that shows every binding by scrolling', async () => {
    await open();
    await term.keys('?');
    let s = await term.waitFor((x) => /Keys 1–\d+ of \d+/.test(x), 'the help');
    fits(s, true);
    const total = Number(/of (\d+)/.exec(s)![1]);
    // Every help line in its place (each page says which lines it shows), so wrapped text reads on.
    const lines: string[] = [];
    for (let i = 0; i < 20; i++) {
      const [, from, to] = /Keys (\d+)–(\d+) of/.exec(s)!;
      const page = s.split('\n').slice(2, 2 + Number(to) - Number(from) + 1);
      page.forEach((l, j) => (lines[Number(from) - 1 + j] = l.replace(/^║|║$/g, '')));
      if (Number(to) === total) break;
      const before = s;
      await term.keys('PageDown');
      s = await term.waitFor((x) => x !== before && /Keys \d+–\d+ of/.test(x), 'the next page');
    }
    expect(s).toMatch(new RegExp(`–${total} of ${total}`));
    expect(lines.filter((l) => l !== undefined)).toHaveLength(total);
    const text = lines.join(' ').replace(/\s+/g, ' ');
    // Each binding whole: its keys, what it does, where it works.
    for (const b of BINDINGS) expect(text).toContain(`${keysLabel(b)} ${b.help} (${b.where.join(', ')})`);
    await term.keys('Escape');
    await term.waitFor((x) => !/Keys 1–/.test(x) && x.includes('[images]'), 'the help to close');
  });

  it('3: a file stays selected across layer changes (nearest ancestor where gone) and the open file view follows the layer', async () => {
    await open('--select', 'cowlab:1');
    await term.keys('3', 't', '/');
    await term.type('apache2.conf');
    await term.keys('Enter');
    await term.waitFor(() => onStatus('/etc/apache2/apache2.conf'), 'the search');
    await term.keys('2');
    // Up a row at a time to `layer`, each key after the status line showed the previous one (a
    // metadata-only row, like myapp's ENTRYPOINT between layers 3 and 4, names no layer).
    const layerUp = async (layer: number) => {
      for (let i = 0; i < 3 && !term.status().includes(`layer ${layer} `); i++) {
        const before = term.status();
        await term.keys('Up');
        await term.waitFor(() => term.status() !== before, 'the row above');
      }
    };
    // cowlab:1's layers (fixtures/demo/Dockerfile.*): 0 localbase, 1–3 myapp's ADDs, 4 conf.tar
    // (rewrites apache2.conf), 5 logs.tar; VOLUME and WORKDIR make no layer.
    for (const layer of [4, 3, 2]) {
      await layerUp(layer);
      await term.waitFor(() => term.status().includes(`layer ${layer} `) && onStatus('/etc/apache2/apache2.conf'), `the file at layer ${layer}`);
    }
    await term.keys('Home');
    await term.waitFor(
      () => term.status().includes('layer 0 ') && /› \/etc( |$)/.test(term.status()),
      'the nearest ancestor at layer 0 (no /etc/apache2 there)',
    );
    await term.keys('End'); // the last history entry (WORKDIR, no layer)
    await term.waitFor(() => !term.status().includes('layer 0 '), 'the last row');
    await term.keys('Up', 'Up'); // over VOLUME (no layer) to layer 5
    await term.waitFor(() => term.status().includes('layer 5 ') && onStatus('/etc/apache2/apache2.conf'), 'the file again at layer 5');
    // Open it, then change layers: the view follows.
    await term.keys('3', 'Enter');
    let s = await term.waitFor((x) => x.includes('@ cowlab:1@5') && x.includes('ServerName cowlab'), 'the file view at layer 5');
    await term.keys('2');
    for (const layer of [4, 3]) await layerUp(layer);
    s = await term.waitFor((x) => x.includes('@ cowlab:1@3'), 'the file view at layer 3');
    expect(s).toContain('ServerName localhost');
    expect(s).not.toContain('ServerName cowlab');
    fits(s);
  });

  it('3: the selected file stays across image and container changes (nearest ancestor where gone)', async () => {
    await open('--select', 'cowlab:1');
    await term.keys('3', 't', '/');
    await term.type('apache2.conf');
    await term.keys('Enter');
    await term.waitFor(() => onStatus('/etc/apache2/apache2.conf'), 'the file in cowlab:1');
    await term.keys('1', 'Down'); // localbase:1: a busybox root, no /etc/apache2
    await term.waitFor(() => term.status().startsWith('localbase:1') && / › \/etc( |$)/.test(term.status()), '/etc in localbase:1');
    await term.keys('Down'); // myapp2:1 has it again
    await term.waitFor(() => term.status().startsWith('myapp2:1') && onStatus('/etc/apache2/apache2.conf'), 'the file in myapp2:1');
    await term.keys('Right'); // containers: idle3 runs myapp2:1
    await term.waitFor(() => term.status().startsWith('idle3') && onStatus('/etc/apache2/apache2.conf'), 'the file in idle3');
  });

  it('5: selecting a container always opens its writable layer', async () => {
    await open('--select', 'cowlab:1@2');
    await term.keys('1', 'Right');
    await term.waitFor((x) => x.includes('[containers]'), 'the containers');
    for (const name of ['idle3', 'job2', 'web1']) {
      await term.waitFor(() => term.status().startsWith(name) && / layer \d+ rw/.test(term.status()), `${name}'s writable layer`);
      if (name !== 'web1') await term.keys('Down');
    }
    fits(term.screen());
  });

  it('6: shared layers are marked, and Compare shows shared and different layers, then files', async () => {
    await open('--select', 'cowlab:1');
    await term.keys('g');
    const s = await term.waitFor((x) => /⇆3 +0 /.test(x), 'the shared mark on layer 0');
    expect(s).toMatch(/⇆2 +1 /); // layer 1: myapp:1 and myapp2:1
    await term.keys('1');
    await term.keys('m', 'End');
    // images sorted: cowlab:1, localbase:1, myapp2:1, myapp:1 — End is myapp:1
    const c = await term.keys('c').then(() => term.waitFor((x) => x.includes('Compare cowlab:1 → myapp:1'), 'the comparison'));
    // Layers 4 and 5 (conf.tar and logs.tar), by the chain ids the image's diff ids make.
    const chain = chainIds(demo.root, 'cowlab:1').map((id) => id.slice('sha256:'.length, 'sha256:'.length + 12));
    expect(c).toContain('layers: 4 shared (0–3) · none only in myapp:1');
    expect(c).toContain(`only in cowlab:1 (2): 4 ${chain[4]} · 5 ${chain[5]}`);
    fits(c);
    // The other way round, from a container: web1 (on myapp:1) has its init and writable layers alone.
    term.close();
    await open('--select', 'web1');
    await term.keys('1', 'm', 'Left', 'Home', 'c'); // the images list: cowlab:1
    const w = await term.waitFor((x) => x.includes('Compare web1 → cowlab:1'), 'the comparison');
    const mount = (file: string) => readFileSync(join(demo.root, 'image', 'overlay2', 'layerdb', 'mounts', containerId(demo.root, 'web1'), file), 'utf8');
    expect(w).toContain('layers: 4 shared (0–3)');
    expect(w).toContain(`only in web1 (2): 4 ${mount('init-id').slice(0, 12)} init · 5 ${mount('mount-id').slice(0, 12)} rw`);
    expect(w).toContain(`only in cowlab:1 (2): 4 ${chain[4]} · 5 ${chain[5]}`);
  });

  it('6: the compare mark stays in sight: ◆ on the marked layer or image and in the tab bar, until m again', async () => {
    await open('--select', 'cowlab:1@2');
    const tabBar = (x: string) => x.split('\n')[0]!;
    await term.keys('m');
    await term.waitFor((x) => tabBar(x).includes('◆ marked cowlab:1@2') && /◆ 2 /.test(x), 'the mark on layer 2 and in the tab bar');
    // The next key clears the message; the mark stays, on its row and in the tab bar.
    await term.keys('Down');
    let s = await term.waitFor((x) => /^cowlab:1 › layer 3 /.test(x.split('\n')[rows - 2]!) && !/^marked/.test(x.split('\n')[rows - 1]!), 'layer 3');
    expect(tabBar(s)).toContain('◆ marked cowlab:1@2');
    expect(s).toMatch(/◆ 2 /);
    expect(s.match(/◆/g)).toHaveLength(2);
    // Marking an image moves the mark to its row in the store.
    await term.keys('1', 'Down', 'm');
    s = await term.waitFor((x) => tabBar(x).includes('◆ marked localbase:1') && /◆localbase:1 /.test(x), 'the mark on localbase:1');
    expect(s).not.toContain('cowlab:1@2');
    await term.keys('Up'); // cowlab:1, on the layer chosen in it before
    s = await term.waitFor((x) => /^cowlab:1 › layer 3 /.test(x.split('\n')[rows - 2]!), 'cowlab:1 selected');
    expect(s).toMatch(/◆localbase:1 /);
    expect(s.match(/◆/g)).toHaveLength(2);
    fits(s);
    // m again on the marked image takes the mark off.
    await term.keys('Down', 'm');
    await term.waitFor((x) => x.includes('unmarked localbase:1') && !x.includes('◆'), 'the mark taken off');
  });

  it('4: one of a thing is not plural: 1 layer', async () => {
    await open('--select', 'localbase:1'); // imported from one rootfs tar: one layer
    const s = await term.waitFor((x) => x.includes('Layers of localbase:1'), 'the layers of localbase:1');
    expect(s).toMatch(/Layers of localbase:1 +1 layer║/);
    term.close();
    await open('--select', 'localbase:1@1');
    await term.waitFor(() => term.footer().includes('localbase:1@1: localbase:1 has 1 layer (0)'), 'the message');
  });

  it('7: q and Esc in the file view go back to where the file was opened, on that file', async () => {
    await open('--select', 'web1');
    await term.keys('3');
    await term.waitFor((x) => x.includes('▾ opt/'), 'the files');
    await term.keys('/');
    await term.type('app.py');
    await term.keys('Enter', 'Enter');
    await term.waitFor((x) => /\/opt\/\S*app\.py @ web1/.test(x), 'the file view');
    await term.keys('q');
    await term.waitFor((x) => /▶ Files · web1/.test(x) && onStatus('/opt/source-code/app.py'), 'back in Files on the file');
    await term.keys('4');
    await term.waitFor((x) => x.includes('Writable layer of web1'), 'the writable pane');
    await term.keys('Down', 'Down', 'Down', 'Enter'); // C /etc/apache2/apache2.conf
    // The footer is part of the same frame: wait for both (a capture can land mid-write).
    const view = await term.waitFor((x) => x.includes('▶ /') && /^q back/.test(term.footer()), 'the file view from Writable, with q back in the footer');
    await term.keys('Escape');
    await term.waitFor((x) => x.includes('▶ Writable layer of web1') && onStatus('/etc/apache2/apache2.conf'), 'back in Writable');
    // On the row the file was opened from: the focused pane's cursor row (reverse video) is that file's.
    const cursorRow = term
      .screen(true)
      .split('\n')
      .filter((l) => /\x1b\[(?:[0-9;]*;)?7m/.test(l))
      .map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''))
      .filter((l) => l.startsWith('║'));
    expect(cursorRow).toHaveLength(1);
    expect(cursorRow[0]).toMatch(/^║C \/etc\/apache2\/apache2\.conf /);
    expect(view).not.toContain('exited with');
  });

  it('8: layouts hold: one status line, tables keep their borders, host paths cut in the middle', async () => {
    await open('--select', 'web1');
    await term.keys('5');
    const s = await term.waitFor((x) => /appdata.*4B/.test(x), 'the mounts table with the volume size');
    fits(s);
    const table = s.split('\n').filter((l) => /[│┌└├]/.test(l.slice(1, 3)));
    expect(table.length).toBeGreaterThan(3);
    for (const l of table) expect(l.trimEnd()).toMatch(/[│┐┘┤]\s*[│║]$/);
    const row = s.split('\n').find((l) => l.includes('appdata') && l.includes('RW'))!;
    expect(row).toMatch(/│ \/(\S+\/)?…\/(\S+\/)?_data +│/); // the host path cut at whole names
    expect(s.split('\n')[rows - 2], 'the status line of the same frame').toMatch(/^web1 /);
  });

  it('9: a Compare diff compares the two compared trees, names both sides, and says identical', async () => {
    await open('--select', 'myapp:1');
    await term.keys('1', 'm', 'Home', 'c');
    await term.waitFor((x) => x.includes('Compare myapp:1 → cowlab:1'), 'the comparison');
    await term.keys('/');
    await term.type('apache2.conf');
    await term.keys('Enter');
    await term.waitFor(() => onStatus('/etc/apache2/apache2.conf'), 'apache2.conf in the comparison');
    await term.keys('Enter');
    await term.waitFor((x) => viewing(x, '/etc/apache2/apache2.conf', 'cowlab:1'), 'the file view');
    await term.keys('d');
    let s = await term.waitFor((x) => x.includes('diff /etc/apache2/apache2.conf: myapp:1 → cowlab:1') && x.includes('+ ServerName cowlab'), 'the diff');
    expect(s).toMatch(/\+ ServerName cowlab/);
    expect(s).toMatch(/ {2}ServerName localhost/);
    const [before, after] = [tarEntry('apache2.tar', './etc/apache2/apache2.conf'), tarEntry('conf.tar', './etc/apache2/apache2.conf')];
    expect(s).toContain(`size: ${humanSize(before.size, 3)} → ${humanSize(after.size, 3)}`);
    expect(s).not.toMatch(/mode:|owner:|mtime:/);
    await term.keys('q', '/');
    await term.type('ports.conf');
    await term.keys('Enter');
    await term.waitFor(() => onStatus('/etc/apache2/ports.conf'), 'ports.conf in the comparison');
    await term.keys('Enter');
    await term.waitFor((x) => viewing(x, '/etc/apache2/ports.conf', 'cowlab:1'), 'the file view');
    await term.keys('d');
    // conf.tar chmods it: the same bytes, but not the same file (docker diff says C).
    s = await term.waitFor((x) => x.includes('same content'), 'the metadata difference');
    const text = s.replace(/[║│]/g, ' ').replace(/\s+/g, ' ');
    const ports = [tarEntry('apache2.tar', './etc/apache2/ports.conf'), tarEntry('conf.tar', './etc/apache2/ports.conf')];
    expect(ports[0]!.mode).not.toBe(ports[1]!.mode);
    expect(text).toContain(`mode: ${ports[0]!.mode} → ${ports[1]!.mode}`);
    expect(text).toContain('same content: /etc/apache2/ports.conf has the same bytes in myapp:1 and cowlab:1; only the metadata above differs');
    expect(text).not.toMatch(/identical|owner:|size:|mtime:/);
    fits(s);
  });

  it('9: a Compare diff of a deleted file: the older side whole, removed, and where it is missing', async () => {
    await open('--select', 'myapp:1');
    await term.keys('1', 'm', 'Up', 'c'); // myapp2:1, above myapp:1
    await term.waitFor((x) => x.includes('Compare myapp:1 → myapp2:1') && x.includes('app2.py'), 'the comparison');
    await term.keys('/');
    await term.type('app.py');
    await term.keys('Enter');
    // app.tar's files are in myapp:1 only (myapp2:1 has app2.tar's): D.
    await term.waitFor((x) => onStatus('/opt/source-code/app.py') && /D .* app\.py/.test(x), 'the deleted app.py in the comparison');
    await term.keys('Enter');
    await term.waitFor((x) => viewing(x, '/opt/source-code/app.py', 'myapp:1'), 'the file view of the older side');
    await term.keys('d');
    const s = await term.waitFor((x) => x.includes('diff /opt/source-code/app.py: myapp:1 → myapp2:1') && x.includes('deleted in myapp2:1'), 'the diff');
    const lines = execFileSync('tar', ['-xOf', join(FIXTURES, 'demo', 'install', 'app.tar'), './opt/source-code/app.py'], {encoding: 'utf8'})
      .trimEnd()
      .split('\n');
    for (const l of lines) expect(s).toContain(`- ${l}`.slice(0, columns - 2));
    expect(s).toContain('deleted in myapp2:1 (only in myapp:1)');
    expect(s, 'no line added or kept').not.toMatch(/^║[+ ] \S/m);
    fits(s);
  });

  it('9: a file diffed against the layer below, where it did not change, is identical', async () => {
    await open('--select', 'cowlab:1');
    await term.keys('3', 't', '/');
    await term.type('apache2.conf');
    await term.keys('Enter');
    await term.waitFor(() => onStatus('/etc/apache2/apache2.conf'), 'apache2.conf in the merged view');
    await term.keys('Enter');
    await term.waitFor((x) => viewing(x, '/etc/apache2/apache2.conf', 'cowlab:1@5'), 'the file view');
    // Layer 5 (logs.tar) does not touch it: the same entry as in layer 4 below.
    await term.keys('d');
    const s = await term.waitFor((x) => x.includes('identical'), 'identical');
    expect(s.replace(/[║│]/g, ' ').replace(/\s+/g, ' ')).toContain(
      'identical: /etc/apache2/apache2.conf is the same in the layer below and cowlab:1@5 (content, mode, owner, size, mtime)',
    );
  });

  it("10: dive's keys: ctrl+e extracts, ctrl+b attributes, ctrl+o sort, ctrl+/ filter (opens empty), hints, the focused pane's footer", async () => {
    await open('--select', 'cowlab:1');
    await term.keys('C-e');
    await term.waitFor(() => term.footer().startsWith('ctrl+e: extract'), 'the hint for ctrl+e in Layers');
    await term.keys('3', 't', '/');
    await term.type('apache2.conf');
    await term.keys('Enter');
    await term.waitFor(() => term.footer().includes('"apache2.conf": match 1 of 1'), 'search n of m');
    const out = join(demo.dir, `extract-${columns}.conf`);
    rmSync(out, {force: true});
    await term.keys('C-e');
    await term.waitFor(() => term.footer().startsWith('extract /etc/apache2/apache2.conf to: ./apache2.conf'), 'the extract prompt');
    await term.keys(...Array<string>(14).fill('BSpace'));
    await term.type(out);
    await term.keys('Enter');
    await term.waitFor(() => term.footer().startsWith('extracted'), 'the extract');
    expect(readFileSync(out, 'utf8')).toBe('ServerName localhost\nServerName cowlab\n');
    // Attributes: mode columns on and off.
    const withAttrs = (x: string) => /lrwxrwxrwx +\d+:\d+ +7B +\S+ → busybox/.test(x); // 0:0 as root, the builder as a regular user
    const attrs = withAttrs(term.screen());
    expect(attrs).toBe(columns >= 74); // shown by default where there is room
    await term.keys('C-b');
    await term.waitFor((x) => withAttrs(x) !== attrs, 'attributes toggled');
    await term.keys('C-b');
    await term.waitFor((x) => withAttrs(x) === attrs, 'attributes toggled back');
    // Sort by size, then the filter prompt: empty even with a filter set.
    await term.keys('C-o');
    await term.waitFor((x) => x.includes('by size'), 'sorted by size');
    await term.keys('C-_');
    await term.waitFor(() => term.footer().startsWith('filter: ▏'), 'an empty filter prompt');
    await term.type('ports');
    await term.keys('Enter', 'C-_');
    await term.waitFor(() => term.footer().startsWith('filter: ▏'), 'the filter prompt, empty again');
    await term.keys('Escape');
    await term.waitFor(() => /^Enter open · ctrl\+l merged · \/ search/.test(term.footer()), "the Files pane's own keys in the footer");
  });

  it("hiding the selected entry's kind moves the cursor to its nearest shown ancestor, not the last row", async () => {
    await open('--select', 'web1');
    await term.keys('3');
    await term.waitFor((x) => x.includes('▾ etc/'), 'the files');
    await term.keys('/');
    await term.type('apache2.conf');
    await term.keys('Enter');
    await term.waitFor(() => onStatus('/etc/apache2/apache2.conf'), 'the file');
    await term.keys('M'); // hide modified (C)
    await term.waitFor((x) => x.includes('hiding C') && / › \/etc\/apache2( |$)/.test(term.status()), 'the cursor on /etc/apache2');
    await term.keys('M');
    await term.waitFor((x) => !x.includes('hiding C') && onStatus('/etc/apache2/apache2.conf'), 'the file selected again');
  });

  it('a volume pane: mountpoint, driver, size, users; Enter browses its files', async () => {
    await open();
    await term.keys('Right', 'Right');
    let s = await term.waitFor((x) => x.includes('[volumes]') && x.includes('appdata'), 'the volumes');
    const lines = s.split('\n');
    const down = lines.findIndex((l) => l.includes('appdata')) - lines.findIndex((l) => l.includes('[volumes]')) - 1;
    await term.keys(...Array<string>(down).fill('Down'), 'Enter');
    // (the Data line wraps at 60 columns: read the pane's lines joined)
    const joined = (x: string) =>
      x
        .split('\n')
        .map((l) => l.replace(/^[║│]|[║│]$/g, '').trim())
        .join('');
    s = await term.waitFor((x) => /▶ Volume appdata/.test(x) && /appdata\/_data · 4B/.test(joined(x)), 'the volume pane with its size');
    expect(s).toMatch(/Driver +local/);
    expect(s).toMatch(/web1 +\/data +RW/);
    expect(s).toMatch(/idle3 +\/data +RO/);
    await term.keys('Enter');
    s = await term.waitFor((x) => x.includes('Files · volume appdata · _data') && /\d+B +\S+/.test(x), 'its files in Files');
    fits(s);
  });

  it("a container's details name its writable layer's host directory", async () => {
    await open('--select', 'web1');
    await term.keys('8');
    await term.waitFor((x) => x.includes('Layer 5 of web1') || x.includes('Inefficient'), 'the details');
    await term.keys('G');
    const s = await term.waitFor((x) => x.includes('host dir'), 'the host dir');
    expect(s.replace(/[│║\s]/g, '')).toContain(`hostdir${join(demo.root, 'overlay2').replace(/\s/g, '')}`.slice(0, 20));
  });

  it('NO_COLOR drops colours, CI=… does not hide the cursor; with colours, no bright black or yellow for text', async () => {
    term = new Term(columns, rows);
    term.start([demo.root, '--select', 'web1']);
    await term.waitFor((x) => x.includes('Layers of web1'), 'the main screen');
    await term.keys('3');
    await term.waitFor((x) => x.includes('▶ Files'), 'files');
    const coloured = term.screen(true);
    for (const line of coloured.split('\n')) {
      // Grey is for borders only: a grey run holds nothing but box-drawing characters.
      for (const m of line.matchAll(/\x1b\[(?:[0-9;]*;)?90m([^\x1b]*)/g)) expect(m[1]).toMatch(/^[─│┌┐└┘╔╗╚╝═║\s]*$/);
      expect(line).not.toMatch(/\x1b\[(?:[0-9;]*;)?33m/);
    }
    term.close();
    term = new Term(columns, rows);
    // CI=true makes chalk (Ink's styles) guess a terminal without attributes: the cursor must stay.
    term.start([demo.root, '--select', 'web1'], {NO_COLOR: '1', CI: 'true'});
    await term.waitFor((x) => x.includes('Layers of web1'), 'the main screen');
    const plain = term.screen(true);
    expect(plain).not.toMatch(/\x1b\[(?:[0-9;]*;)?3[0-8]m/);
    expect(plain, 'the cursor row in reverse video').toMatch(/\x1b\[(?:[0-9;]*;)?7m/);
  });
});

// A store that changes under the explorer: a demo of its own, so the other tests see the demo as built.
describe.skipIf(demoSkip).each(SIZES)(titled('Details follow the store live in tmux at %ix%i', demoSkip), (columns, rows) => {
  let own: ReturnType<typeof makeDemo>;
  let term: Term;
  beforeAll(() => {
    own = makeDemo();
  }, 60_000);
  afterAll(() => {
    term?.close();
    own?.cleanup();
  });

  it("1: Details follow the store: a file written into web1's writable layer over an image file shows as wasted", async () => {
    term = new Term(columns, rows);
    term.start([own.root, '--select', 'web1']);
    await term.waitFor((x) => x.includes('Layers of web1') && !x.includes('reading layer'), 'the main screen');
    await term.keys('8');
    // The pane's lines joined: figures may wrap at 60 columns.
    const joined = (x: string) =>
      x
        .split('\n')
        .map((l) => l.replace(/^[║│]|[║│]$/g, '').trim())
        .join(' ');
    const wasted = (x: string) => Number(/Efficiency \S+ · wasted \S+ \((\d+) B\)/.exec(joined(x))?.[1]);
    const before = wasted(await term.waitFor((x) => wasted(x) > 0 && !x.includes('computing'), 'the efficiency of web1'));
    // libapache.so is apache2.tar's (layer 1): a copy in the writable layer makes two appearances,
    // both wasted (dive counts every copy of a path seen in two or more layers).
    const lower = tarEntry('apache2.tar', './usr/lib/apache2/modules/libapache.so').size;
    const upper = join(
      own.root,
      'overlay2',
      readFileSync(join(own.root, 'image', 'overlay2', 'layerdb', 'mounts', containerId(own.root, 'web1'), 'mount-id'), 'utf8'),
      'diff',
    );
    mkdirSync(join(upper, 'usr', 'lib', 'apache2', 'modules'), {recursive: true});
    writeFileSync(join(upper, 'usr', 'lib', 'apache2', 'modules', 'libapache.so'), Buffer.alloc(1000, 1));
    const line = new RegExp(`2 +${humanSize(lower + 1000, 3).replace('.', '\\.')} +/usr/lib/apache2/modules/libapache\\.so`);
    const s = await term.waitFor((x) => line.test(x) && wasted(x) !== before, 'the new inefficient file in Details');
    expect(wasted(s)).toBe(before + lower + 1000);
    // The summary under the layers says the same.
    expect(s).toContain(`wasted ${humanSize(before + lower + 1000, 3)}`);
  });
});

describe.skipIf(demoSkip)(titled('layouts from 60x20 to 250x70', demoSkip), () => {
  it.each([
    [100, 30],
    [200, 60],
    [250, 70],
  ])('%ix%i: every pane in place, one status line, nothing wider than the terminal', async (columns, rows) => {
    const term = new Term(columns, rows);
    try {
      term.start([demo.root, '--select', 'web1']);
      const s = await term.waitFor((x) => x.includes('Layers of web1') && x.includes('efficiency'), 'the main screen');
      const lines = s.split('\n').slice(0, rows);
      expect(lines.length).toBe(rows);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(columns);
      expect(lines[0]).toMatch(/^(ls|layerscope) +1 /);
      expect(lines[1]).toMatch(/^┌─+┐╔═+╗$/); // store and layers side by side
      // Ink redraws the status line on its own ticks: wait for it rather than read it once.
      const screen = await term.waitFor((x) => /^web1 \(Created, myapp:1\) › layer 5 rw/.test(x.split('\n')[rows - 2] ?? ''), 'the status line');
      expect(screen.split('\n')[rows - 2]).toMatch(/^web1 \(Created, myapp:1\) › layer 5 rw/);
      await term.keys('5');
      const m = await term.waitFor((x) => x.includes('appdata'), 'the mounts table');
      expect(m).toMatch(/│ volume +│ appdata +│ \/\S*appdata\/_data +│ \/data +│ RW +│ local +│/);
    } finally {
      term.close();
    }
  });
});

// dive's own test image (fixtures/formats: built from dive's Dockerfile, its layers zstd-compressed as
// dive's test-oci-zstd-image.tar is): its efficiency and wasted bytes are on the image's first screen,
// the figures its Dockerfile implies (test/helpers/dive-image.ts).
const DIVE_IMAGE = join(FIXTURES, 'formats', 'test-oci-zstd-image.tar');
const diveSkip = hasTmux ? noZstd : 'no tmux';
describe.skipIf(diveSkip).each(SIZES)(titled("dive's test image in tmux at %ix%i", diveSkip), (columns, rows) => {
  it('shows efficiency and wasted bytes on the first screen', async () => {
    const figures = diveImageFigures();
    const term = new Term(columns, rows);
    try {
      term.start([DIVE_IMAGE, '--select', 'dive/test:latest']);
      const want = `efficiency ${(Math.floor(figures.score * 10000) / 100).toFixed(2)}% · wasted ${humanSize(figures.wastedBytes, 3)}`;
      const s = await term.waitFor((x) => x.includes(want), `"${want}"`);
      expect(s).toContain('Layers of dive/test:latest');
    } finally {
      term.close();
    }
  });
});

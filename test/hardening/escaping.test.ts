// Escaped output: names, tags, labels, created_by and file contents carrying OSC/CSI/CR/LF/bidi
// bytes never reach stdout raw (CLI) or the terminal raw (explorer in tmux); JSON round-trips them.
import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {volumeLines} from '../../source/store/volumes.js';
import {decodeBytes, encodeBytes, escape, guard, jsonSafe} from '../../source/text/escape.js';
import {cli} from '../helpers/cli.js';
import {craftLayout, craftRoot, type CraftedRoot} from '../helpers/crafted-root.js';
import {seeded} from '../helpers/random.js';
import {ensureBuilt, hasTmux, sleep, Term} from '../helpers/terminal.js';

const OSC = 'osc\x1b]0;PWNED\x07';
const SGR = 'sgr\x1b[7;5;41mRED';
const CR = 'cr\rD etc-passwd';
const NL = 'nl\nD /etc/passwd';
const BIDI = 'bidi\u202egnp.exe';
const C1 = 'c1\u009b31m';
const CONTENT = 'line1\n\x1b]0;PWNED-CONTENT\x07\x1b[2J\rbidi\u202e end\n';
const HOSTILE = {[OSC]: 'x', [SGR]: 'x', [CR]: 'x', [NL]: 'x', [BIDI]: 'x', [C1]: 'x', 'content.txt': CONTENT};

/** Raw control bytes other than newline (C0, DEL, C1 as UTF-8) and bidi marks. */
const RAW = /[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

describe('escape', () => {
  it('shows controls, bidi marks, backslashes and raw bytes visibly, one line', () => {
    expect(escape(OSC)).toBe('osc\\x1b]0;PWNED\\a');
    expect(escape(NL)).toBe('nl\\nD /etc/passwd');
    expect(escape(BIDI)).toBe('bidi\\u202egnp.exe');
    expect(escape('a\\b')).toBe('a\\\\b');
    expect(escape(C1)).toBe('c1\\u009b31m');
    expect(escape(decodeBytes(Buffer.from('bad\xffbyte', 'latin1')))).toBe('bad\\xffbyte');
    expect(escape('plain ünïcode ✓ 🐳')).toBe('plain ünïcode ✓ 🐳');
    expect(guard('a\\b\tc\x1b')).toBe('a\\b    c\\x1b');
  });

  it('decodeBytes/encodeBytes round-trip any bytes (seeded, bounded count)', () => {
    const rand = seeded(12);
    for (let n = 0; n < 2000; n++) {
      const bytes = Buffer.from(Array.from({length: Math.floor(rand() * 24)}, () => Math.floor(rand() * 256)));
      const s = decodeBytes(bytes);
      expect(encodeBytes(s).equals(bytes)).toBe(true);
      expect(JSON.parse(jsonSafe(JSON.stringify(s)))).toBe(s);
      expect(escape(s)).not.toMatch(RAW);
    }
    // valid UTF-8 stays text; a literal U+FFFD is not a bad byte
    expect(decodeBytes(Buffer.from('é\uFFFD🐳'))).toBe('é\uFFFD🐳');
  });
});

describe('CLI output of a hostile root', () => {
  let c: CraftedRoot;
  beforeAll(() => {
    c = craftRoot('overlay2', HOSTILE, {
      tags: [`evil\x1b]0;PWNED-TAG\x07:1`],
      createdBy: `/bin/sh -c echo \x1b[2J\rhi\u202e`,
      labels: {[`l\x1b[31m`]: 'v\r'},
      containerName: `c\x1b]0;PWNED-NAME\x07`,
    });
    // vol2: the local driver's opts.json mounts a hostile device with hostile options, at a hostile destination
    mkdirSync(join(c.root, 'volumes', 'vol2', '_data'), {recursive: true});
    writeFileSync(
      join(c.root, 'volumes', 'vol2', 'opts.json'),
      JSON.stringify({MountType: 'none', MountOpts: 'bind,x\x1b]0;PWNED-OPT\x07', MountDevice: '/srv/\x1b[31mDEV\r'}),
    );
    const config = join(c.root, 'containers', c.containerId, 'config.v2.json');
    const ctr = JSON.parse(readFileSync(config, 'utf8')) as {MountPoints: Record<string, unknown>};
    ctr.MountPoints['/d\x1b]0;PWNED-DEST\x07'] = {Type: 'volume', Name: 'vol2', Driver: 'local', Destination: '/d\x1b]0;PWNED-DEST\x07', RW: true};
    writeFileSync(config, JSON.stringify(ctr));
  });
  afterAll(() => c.cleanup());

  it('text output of every read command has no raw control byte or bidi mark, and shows the names escaped', () => {
    const outs: string[] = [];
    for (const args of [
      ['images'],
      ['history', 'crafted:1'],
      ['ls', 'crafted:1'],
      ['diff', 'crafted:1', c.containerId.slice(0, 12)],
      ['df'],
      ['volumes'],
      ['volumes', 'vol1', 'vol2'],
      ['mounts', c.containerId.slice(0, 12)],
      ['ci', 'crafted:1'],
      ['ls', 'crafted:1', NL],
    ]) {
      const r = cli([...args, '--root', c.root]);
      expect(r.stdout + r.stderr, args.join(' ')).not.toMatch(RAW);
      outs.push(r.stdout);
    }
    const all = outs.join('\n');
    for (const name of [OSC, SGR, CR, NL, BIDI, C1]) expect(all).toContain(escape(name));
    expect(all).toContain('evil\\x1b]0;PWNED-TAG\\a');
    expect(all).toContain('echo \\x1b[2J\\rhi\\u202e');
    expect(all).toContain('c\\x1b]0;PWNED-NAME\\a');
    expect(all).toContain('bind /srv/\\x1b[31mDEV\\r mounted over _data at run time (o=bind,x\\x1b]0;PWNED-OPT\\a)');
    expect(all).toContain('/d\\x1b]0;PWNED-DEST\\a');
    // the forged lines are not lines of their own
    expect(all.split('\n')).not.toContain('D /etc/passwd');
  });

  it("a volume's labels, options, driver and plugin as `volumes NAME` and the volume pane show them: escaped", () => {
    const {fields, users} = volumeLines(
      {
        name: 'v\x1b[31m',
        driver: 'drv\x1b]0;PWNED\x07',
        labels: {[`l\x1b[31m`]: 'v\r'},
        options: {o: `x\u202e`},
        data: {kind: 'plugin', plugin: 'drv\x1b]0;PWNED\x07', engine: 'docker'},
        unknown: {fields: ['Mountpoint'], why: 'the plugin drv\x1b]0;PWNED\x07 answers'},
        anonymous: false,
        usedBy: ['a'.repeat(64)],
        uses: [{container: 'a'.repeat(64), destination: '/d\n', readOnly: false, use: {how: '-v', flag: '-v x\x1b:/d'}}],
      },
      [],
      undefined,
    );
    const lines = [...fields.flat(), ...users.flat()];
    for (const l of lines) expect(l).not.toMatch(RAW);
    expect(lines).toContain('l\\x1b[31m=v\\r');
    expect(lines).toContain('o=x\\u202e');
  });

  it("ci names an archive's other images escaped", () => {
    const src = join(c.base, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'hello'), 'hi\n');
    const {dir} = craftLayout(c.base, execFileSync('tar', ['-cf', '-', '-C', src, 'hello']));
    // a second image: its own config and manifest, named with a hostile reference
    const blobs = join(dir, 'blobs', 'sha256');
    const put = (data: string) => {
      const hex = createHash('sha256').update(data).digest('hex');
      writeFileSync(join(blobs, hex), data);
      return `sha256:${hex}`;
    };
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {manifests: {digest: string; annotations: Record<string, string>}[]};
    const first = JSON.parse(readFileSync(join(blobs, index.manifests[0]!.digest.slice(7)), 'utf8')) as {config: {digest: string}};
    const config = JSON.parse(readFileSync(join(blobs, first.config.digest.slice(7)), 'utf8')) as {history: unknown[]};
    config.history = [{created_by: 'other'}];
    const manifest = put(JSON.stringify({...first, config: {...first.config, digest: put(JSON.stringify(config))}}));
    index.manifests.push({...index.manifests[0]!, digest: manifest, annotations: {'org.opencontainers.image.ref.name': `evil\x1b]0;PWNED-OTHER\x07:2`}});
    writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
    const r = cli(['ci', dir]);
    expect(r.stdout + r.stderr).not.toMatch(RAW);
    expect(r.stdout).toContain('the others: evil\\x1b]0;PWNED-OTHER\\a:2;');
  });

  it('--json round-trips the names: parsing gives back the exact strings', () => {
    const r = cli(['ls', 'crafted:1', '--json', '--root', c.root]);
    expect(r.stdout).not.toMatch(RAW);
    const paths = (JSON.parse(r.stdout) as {Path: string}[]).map((e) => e.Path);
    for (const name of [OSC, SGR, CR, NL, BIDI, C1]) expect(paths).toContain(`/${name}`);
    const images = JSON.parse(cli(['images', '--json', '--root', c.root]).stdout) as {Tag: string; Repository: string}[];
    expect(images.map((i) => `${i.Repository}:${i.Tag}`)).toContain('evil\x1b]0;PWNED-TAG\x07:1');
  });

  it('errors and warnings quoting a hostile ref are escaped', () => {
    const r = cli(['ls', `nope\x1b]0;PWNED\x07`, '--root', c.root]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(RAW);
    expect(r.stderr).toContain('nope\\x1b]0;PWNED\\a');
  });
});

describe.skipIf(!hasTmux)(`explorer in tmux on a hostile root${hasTmux ? '' : ' (skipped: no tmux)'}`, () => {
  let c: CraftedRoot;
  let raw: string;
  let term: Term;
  beforeAll(() => {
    ensureBuilt();
    c = craftRoot('overlay2', HOSTILE, {
      tags: [`evil\x1b]0;PWNED-TAG\x07:1`],
      createdBy: `/bin/sh -c echo \x1b]0;PWNED-HIST\x07`,
      containerName: `c\x1b]0;PWNED-NAME\x07`,
    });
    raw = join(c.base, 'pane.raw');
    // titles off: no title set in the pane goes on to a terminal outside tmux; title() still reads it
    term = new Term(100, 30, {titles: false, record: raw});
    term.start([c.root]);
  });
  afterAll(() => {
    term?.close();
    c.cleanup();
  });

  it('names, tags, created_by and file content show escaped; nothing hostile reaches the terminal raw', async () => {
    await term.waitFor((s) => s.includes('Layers of'), 'the main screen');
    // the file tree of the image's layer, then the content of content.txt and its diff
    await term.keys('3');
    await term.waitFor((s) => s.includes('content.txt'), 'the file tree');
    const tree = term.screen();
    expect(tree).toContain(escape(OSC));
    expect(tree).toContain(escape(BIDI));
    const rows = tree.split('\n');
    const at = rows.findIndex((l) => l.includes('content.txt'));
    const cursor = rows.findIndex((l) => l.includes(escape(BIDI)));
    await term.keys(...Array<string>(Math.abs(at - cursor)).fill(at > cursor ? 'Down' : 'Up'));
    await sleep(200);
    await term.keys('Enter');
    const view = await term.waitFor((s) => s.includes('line1'), 'the file view');
    expect(view).toContain('\\x1b]0;PWNED-CONTENT\\a\\x1b[2J\\rbidi\\u202e end');
    await term.keys('d');
    await sleep(400);
    await term.keys('Right');
    await sleep(200);
    expect(term.title()).not.toContain('PWNED');
    const bytes = readFileSync(raw, 'latin1');
    expect(bytes.length).toBeGreaterThan(1000);
    for (const payload of ['\x1b]0;PWNED', '\x1b[7;5;41m', '\x1b[2J\r', '\u00e2\u0080\u00ae', '\u00c2\u009b'])
      expect(bytes, JSON.stringify(payload)).not.toContain(payload);
  });
});

// The CLI on archives (history/ls/diff by archive spec, ci, export, export-layer), run as a real
// process on the built CLI; compared with Docker's answers and with the system tar.
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {indexBlobFile} from '../../source/store/archive-index.js';
import {ArchiveStore} from '../../source/store/archive.js';
import {Problems} from '../../source/store/problems.js';
import {findImage} from '../../source/store/refs.js';
import {walk, type LayerNode} from '../../source/tree/entry.js';
import {cli, cliJson} from '../helpers/cli.js';
import {canExtract, cleanupExtracted, extractRealStoreA, REAL_A} from '../helpers/real-store.js';
import {cleanupTemp, listing, manifestOf, member, tempDir} from '../store/archive-fixtures.js';

const COWLAB = join(REAL_A, 'cowlab.docker-archive.tar');
const MYAPPS = join(REAL_A, 'myapps.docker-archive.tar');
const jsonl = <T>(name: string) =>
  readFileSync(join(REAL_A, name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

/** A change set as comparable data: every entry with its flags and tar-visible metadata. */
const entries = (tree: LayerNode) =>
  [...walk(tree)].map(([p, n]) => ({
    p,
    kind: n.meta.kind,
    mode: n.meta.mode,
    uid: n.meta.uid,
    gid: n.meta.gid,
    size: n.meta.size,
    mtime: n.meta.mtimeSec,
    target: n.meta.target,
    whiteout: !!n.whiteout,
    opaque: !!n.opaque,
  }));

afterAll(() => {
  cleanupTemp();
  cleanupExtracted();
});

describe('commands taking an image take an archive', () => {
  it('history ARCHIVE equals docker history', () => {
    const want = jsonl<{CreatedBy: string; Size: string}>('history-cowlab.jsonl');
    const got = cliJson<{CreatedBy: string; SizeHuman: string}[]>(['history', COWLAB]);
    expect(got.map((r) => [r.CreatedBy, r.SizeHuman])).toEqual(want.map((w) => [w.CreatedBy, w.Size]));
  });

  it('a multi-image archive needs ARCHIVE:IMAGE', () => {
    const r = cli(['history', MYAPPS]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`holds 2 images (myapp:1, myapp2:1); name one as ${MYAPPS}:myapp:1`);
    const want = jsonl<{CreatedBy: string}>('history-myapp2.jsonl');
    expect(cliJson<{CreatedBy: string}[]>(['history', `${MYAPPS}:myapp2:1`]).map((r) => r.CreatedBy)).toEqual(want.map((w) => w.CreatedBy));
  });

  it('ci on a multi-image archive analyses its first image, as dive does, and says which and how to pick another', () => {
    const r = cli(['ci', MYAPPS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`analysed myapp:1, the first of 2 images in the archive (as dive does); the others: myapp2:1; name one as ${MYAPPS}:IMAGE`);
    const named = cliJson<{ID: string; Analysed?: string}>(['ci', `${MYAPPS}:myapp2:1`]);
    expect(named.Analysed).toBeUndefined();
    expect(cliJson<{ID: string; Analysed: string; OtherImages: string[]}>(['ci', MYAPPS])).toMatchObject({Analysed: 'myapp:1', OtherImages: ['myapp2:1']});
  });

  it('ls ARCHIVE@N PATH and diff ARCHIVE ARCHIVE', () => {
    const ls = cliJson<{Path: string; Size: number; Layer: number; LinkTarget?: string}[]>(['ls', `${COWLAB}@7`, '/var/log']);
    expect(ls.map((e) => [e.Path, e.Size, e.Layer, e.LinkTarget])).toEqual([
      ['/var/log/big.hardlink', 65536, 7, undefined],
      ['/var/log/big.log', 65536, 7, undefined],
    ]); // a hard link is the file it links to, as in a root
    const diff = cli(['diff', `${MYAPPS}:myapp:1`, `${MYAPPS}:myapp2:1`]);
    expect(diff.stdout.split('\n').filter(Boolean)).toEqual([
      'C /opt',
      'C /opt/source-code',
      'A /opt/source-code/app2.py',
      'D /opt/source-code/app.py',
      'D /opt/source-code/requirements.txt',
    ]);
  });
});

describe('ci', () => {
  it('passes with dive defaults, fails a rule it is given, exit codes like dive', () => {
    const pass = cli(['ci', COWLAB]);
    expect(pass.code).toBe(0);
    expect(pass.stdout).toContain('  SKIP: highestWastedBytes: rule disabled');
    expect(pass.stdout).toContain('Result:PASS [Total:3] [Passed:2] [Failed:0] [Skipped:1]');
    const fail = cli(['ci', COWLAB, '--highest-wasted-bytes', '100B']);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toContain('  FAIL: highestWastedBytes: too many bytes wasted (wasted-bytes=111 > threshold=100)');
    expect(cli(['ci', COWLAB, '--highest-wasted-bytes', '1kB']).code).toBe(0);
    const bad = cli(['ci', COWLAB, '--lowest-efficiency', 'high']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('ci misconfigured');
  });

  it('--json', () => {
    const r = cli(['ci', `${MYAPPS}:myapp:1`, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as {Efficiency: number; WastedBytes: number; Rules: {Status: string}[]; Pass: boolean};
    expect(j).toMatchObject({Efficiency: 1, WastedBytes: 0, Pass: true});
    expect(j.Rules.map((x) => x.Status)).toEqual(['PASS', 'SKIP', 'PASS']);
  });
});

describe('export', () => {
  it('a file becomes its bytes; a directory a tar named from its last name', () => {
    const dir = tempDir();
    const out = join(dir, 'big');
    expect(cli(['export', COWLAB, '/var/log/big.log', '--out', out]).code).toBe(0);
    const [m] = manifestOf(COWLAB);
    const layer7 = join(dir, 'l7.tar');
    writeFileSync(layer7, member(COWLAB, m!.Layers[7]!));
    expect(readFileSync(out).equals(member(layer7, 'var/log/big.hardlink'))).toBe(true);
    const tar = join(dir, 'etc.tar');
    expect(cli(['export', COWLAB, '/etc/apache2', '--out', tar]).code).toBe(0);
    expect(listing(tar).map((l) => l.split(/\s+/).slice(5).join(' '))).toEqual(['apache2/', 'apache2/conf.d/', 'apache2/conf.d/site.conf']);
    expect(member(tar, 'apache2/conf.d/site.conf').toString()).toBe('fresh\n');
  });

  it('never writes into the source, nor leaves a partial file', () => {
    const before = readdirSync(REAL_A).sort();
    const r = cli(['export', COWLAB, '/etc', '--out', COWLAB]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refusing to write there');
    const dir = tempDir();
    const missing = cli(['export', COWLAB, '/no/such', '--out', join(dir, 'x')]);
    expect(missing.code).toBe(1);
    expect(existsSync(join(dir, 'x'))).toBe(false);
    expect(readdirSync(REAL_A).sort()).toEqual(before);
  });
});

describe('export-layer round trip', () => {
  let root: string | undefined;
  beforeAll(() => {
    if (canExtract) root = extractRealStoreA();
  });

  const sources = () => [['archive', COWLAB], ...(root ? [['root', `${root}:cowlab:1`]] : [])] as const;

  it("every cowlab layer, from the archive and the root, lists like Docker's own layer tar and re-imports to the same change set", async () => {
    const archive = await ArchiveStore.open(COWLAB);
    const image = findImage(archive, 'cowlab:1')!;
    const [m] = manifestOf(COWLAB);
    const dir = tempDir();
    for (const [kind, spec] of sources()) {
      for (let i = 0; i < image.layers.length; i++) {
        const out = join(dir, `${kind}-${i}.tar`);
        const r = cli(['export-layer', `${spec}@${i}`, '--out', out]);
        expect(r.code, r.stderr).toBe(0);
        const want = listing(member(COWLAB, m!.Layers[i]!));
        // Docker's build layers are in lexical walk order, as ours; the imported base keeps its source's order.
        expect(i === 0 ? listing(out).sort() : listing(out), `${kind} layer ${i}`).toEqual(i === 0 ? want.sort() : want);
        const back = await indexBlobFile(dirname(out), basename(out), new Problems());
        expect(entries(back.layer!.tree), `${kind} layer ${i}`).toEqual(entries(archive.tree(image.layers[i]!)));
      }
    }
  });
});

// layerscope's answers about a real Docker root compared with what Docker itself said about it
// (fixtures/real-store-a/*.txt, *.jsonl, *.json), never with values our own code produced.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cli, cliJson} from '../helpers/cli.js';
import {canExtract, cleanupExtracted, extractRealStoreA, REAL_A, skipReason} from '../helpers/real-store.js';
import {lines} from '../helpers/fixture-root.js';

const oracle = (name: string) => readFileSync(join(REAL_A, name), 'utf8');
/** Split a docker table row on runs of 2+ spaces (cells never contain them here). */
const cells = (row: string) => row.trim().split(/\s{2,}/);

describe.skipIf(!canExtract)(`real root a vs Docker's answers${canExtract ? '' : ` (skipped: ${skipReason})`}`, () => {
  let root: string;
  beforeAll(() => {
    root = extractRealStoreA();
  });
  afterAll(cleanupExtracted);

  for (const name of ['web1', 'job2', 'idle3']) {
    it(`diff ${name} equals docker diff ${name}`, () => {
      const r = cli(['diff', name, '--root', root]);
      expect(r.code).toBe(0);
      expect(new Set(lines(r.stdout))).toEqual(new Set(lines(oracle(`diff-${name}.txt`))));
      expect(lines(r.stdout).length).toBe(lines(oracle(`diff-${name}.txt`)).length);
    });
  }

  it('diff accepts ids and short ids like docker', () => {
    const id = '98b1f504b67f10543133c65a6a6907e87523cd17006948bf882d44ce76b549b2';
    expect(new Set(lines(cli(['diff', id.slice(0, 12), '--root', root]).stdout))).toEqual(new Set(lines(oracle('diff-web1.txt'))));
    expect(new Set(lines(cli(['diff', id, '--root', root]).stdout))).toEqual(new Set(lines(oracle('diff-web1.txt'))));
  });

  for (const image of ['localbase', 'myapp', 'myapp2', 'cowlab']) {
    it(`history ${image}:1 equals docker history`, () => {
      const want = lines(oracle(`history-${image}.jsonl`)).map(
        (l) => JSON.parse(l) as {ID: string; CreatedBy: string; Size: string; Comment: string; CreatedAt: string},
      );
      const got = cliJson<{ID: string; CreatedBy: string; SizeHuman: string; Size: number; Comment: string; CreatedAt: string}[]>([
        'history',
        `${image}:1`,
        '--root',
        root,
      ]);
      expect(got.map((g) => g.CreatedBy)).toEqual(want.map((w) => w.CreatedBy));
      expect(got.map((g) => g.SizeHuman)).toEqual(want.map((w) => w.Size));
      expect(got.map((g) => g.ID)).toEqual(want.map((w) => w.ID));
      expect(got.map((g) => g.Comment)).toEqual(want.map((w) => w.Comment));
      expect(got.map((g) => g.CreatedAt)).toEqual(want.map((w) => w.CreatedAt));
    });
  }

  it('history sizes in bytes add up to the image size docker inspect reports', () => {
    for (const image of ['myapp', 'cowlab']) {
      const inspect = JSON.parse(oracle(`inspect-image-${image}.json`))[0] as {Size: number};
      const got = cliJson<{Size: number}[]>(['history', `${image}:1`, '--root', root]);
      expect(got.reduce((s, r) => s + r.Size, 0)).toBe(inspect.Size);
    }
  });

  it('images lists the tagged images with docker images ids and sizes', () => {
    const want = lines(oracle('images.txt')).slice(1).map(cells);
    const got = cliJson<{Repository: string; Tag: string; ID: string; SizeHuman: string}[]>(['images', '--root', root]);
    for (const [repo, tag, id, , size] of want) {
      expect(got).toContainEqual(expect.objectContaining({Repository: repo, Tag: tag, ID: id, SizeHuman: size}));
    }
    // docker images -a also shows the classic builder's intermediate images, untagged
    expect(got.filter((g) => g.Repository === '<none>').length).toBeGreaterThan(0);
  });

  it('df equals docker system df -v (sizes to Docker display precision)', () => {
    const text = oracle('system-df-v.txt');
    const section = (title: string) => {
      const start = text.indexOf(title);
      const rest = text.slice(start).split('\n\n');
      return lines(rest[1]!).slice(1).map(cells);
    };
    const out = cli(['df', '--root', root]);
    expect(out.code).toBe(0);
    const ours = out.stdout;
    const ourSection = (title: string) => {
      const rest = ours.slice(ours.indexOf(title)).split('\n\n');
      return lines(rest[1]!).slice(1).map(cells);
    };
    const key = (rows: string[][], cols: number[]) => new Set(rows.map((r) => cols.map((c) => r[c]).join('|')));
    // images: REPOSITORY TAG IMAGE-ID CREATED SIZE SHARED UNIQUE CONTAINERS (CREATED is relative)
    expect(key(ourSection('Images space usage'), [0, 1, 2, 4, 5, 6, 7])).toEqual(key(section('Images space usage'), [0, 1, 2, 4, 5, 6, 7]));
    // containers: ID IMAGE COMMAND VOLUMES SIZE CREATED STATUS NAMES (CREATED and STATUS are relative)
    const dockerCtr = section('Containers space usage').map((r) => [r[0], r[1], r[2], r[3], r[4], r.at(-1)]);
    const ourCtr = ourSection('Containers space usage').map((r) => [r[0], r[1], r[2], r[3], r[4], r.at(-1)]);
    expect(new Set(ourCtr.map((r) => r.join('|')))).toEqual(new Set(dockerCtr.map((r) => r.join('|'))));
    expect(key(ourSection('Local Volumes space usage'), [0, 1, 2])).toEqual(key(section('Local Volumes space usage'), [0, 1, 2]));
  });

  it('volumes equal docker volume inspect', () => {
    type V = {Name: string; Driver: string; Labels: unknown; Options: unknown; Scope: string; Mountpoint: string};
    const want = JSON.parse(oracle('volumes.json')) as V[];
    const got = cliJson<V[]>(['volumes', '--root', root]);
    const norm = (v: V) => ({
      Name: v.Name,
      Driver: v.Driver,
      Labels: v.Labels,
      Options: v.Options,
      Scope: v.Scope,
      Mountpoint: v.Mountpoint.replace(root, '/var/lib/docker'),
    });
    expect(got.map(norm).sort((a, b) => a.Name.localeCompare(b.Name))).toEqual(want.map(norm).sort((a, b) => a.Name.localeCompare(b.Name)));
  });

  for (const name of ['web1', 'job2', 'idle3']) {
    it(`mounts ${name} equal docker inspect .Mounts`, () => {
      const want = (JSON.parse(oracle(`inspect-container-${name}.json`)) as {Mounts: {Destination: string}[]}[])[0]!.Mounts;
      const got = cliJson<{Destination: string; Source: string}[]>(['mounts', name, '--root', root]).map((m) => ({
        ...m,
        Source: m.Source.replace(root, '/var/lib/docker'),
      }));
      const byDest = (a: {Destination: string}, b: {Destination: string}) => a.Destination.localeCompare(b.Destination);
      expect(got.sort(byDest)).toEqual([...want].sort(byDest));
    });
  }

  it('ls shows the merged tree with the layer each entry comes from', () => {
    const got = cliJson<{Path: string; Layer: number; Type: string; LinkTarget?: string}[]>(['ls', 'cowlab:1', '/', '--root', root]);
    const at = (p: string) => got.find((e) => e.Path === p);
    // the cowlab Dockerfile: RUN #8 (layer 7) moved requirements.txt and made a symlink; the
    // recreated /etc/apache2 (layer 6) hides the apache2.conf of layers 1 and 5
    expect(at('/opt/requirements.txt')?.Layer).toBe(7);
    expect(at('/opt/source-code/requirements.txt')).toBeUndefined();
    expect(at('/usr/local-app.py')).toMatchObject({Type: 'symlink', LinkTarget: '/opt/source-code/app.py', Layer: 7});
    expect(at('/etc/apache2/apache2.conf')).toBeUndefined();
    expect(at('/etc/apache2/conf.d/site.conf')?.Layer).toBe(6);
    expect(at('/usr/lib/python3/site-packages/flask')).toBeUndefined();
    expect(at('/bin/busybox')?.Layer).toBe(0);
    const layer3 = cliJson<{Path: string}[]>(['ls', 'cowlab:1@3', '/usr/lib/python3/site-packages', '--root', root]).map((e) => e.Path);
    expect(layer3).toContain('/usr/lib/python3/site-packages/flask/app.py');
  });

  it('diff between two images follows docker rules', () => {
    const r = cli(['diff', 'myapp:1', 'myapp2:1', '--root', root]);
    expect(r.code).toBe(0);
    // myapp2 copies only app2.py; myapp's /opt/source-code directory content is gone
    expect(lines(r.stdout)).toEqual(expect.arrayContaining(['A /opt/source-code/app2.py', 'D /opt/source-code/app.py', 'D /opt/source-code/requirements.txt']));
  });

  it('unknown names exit non-zero with a message naming them', () => {
    const r = cli(['diff', 'nosuch', '--root', root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nosuch');
  });
});

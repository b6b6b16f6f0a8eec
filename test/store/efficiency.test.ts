// dive's efficiency on real images, read from the overlay2 root and from the `docker save` archive
// (must agree exactly), with the expected figures worked out from the build contexts' Dockerfiles
// and the system tar's listings of the layer tars.
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openRoot} from '../../source/store/docker-root.js';
import {ArchiveStore} from '../../source/store/archive.js';
import {efficiency, evaluateRules, imageEfficiency, parseBytes, DEFAULT_RULES} from '../../source/store/efficiency.js';
import {findImage} from '../../source/store/refs.js';
import {syntheticMeta, type LayerNode, type Meta} from '../../source/tree/entry.js';
import {noZstd, titled} from '../helpers/addons.js';
import {diveImageFigures} from '../helpers/dive-image.js';
import {FIXTURES} from '../helpers/fixture-root.js';
import {canExtract, cleanupExtracted, extractRealStoreA, REAL_A, skipReason} from '../helpers/real-store.js';
import {listing, manifestOf, member} from './archive-fixtures.js';

const COWLAB = join(REAL_A, 'cowlab.docker-archive.tar');
const MYAPPS = join(REAL_A, 'myapps.docker-archive.tar');

/** Σ of the sizes `tar -tv` prints for each layer of an archived image. */
function tarSizes(archive: string, index: number): number[] {
  return manifestOf(archive)[index]!.Layers.map((l) => listing(member(archive, l)).reduce((sum, line) => sum + Number(line.split(/\s+/)[2]), 0));
}

describe('efficiency of real images', () => {
  it('cowlab:1 from its archive: the figures the Dockerfile implies', async () => {
    const store = await ArchiveStore.open(COWLAB);
    const e = imageEfficiency(store, findImage(store, 'cowlab:1')!);
    const sizes = tarSizes(COWLAB, 0);
    expect(e.sizeBytes).toBe(sizes.reduce((a, b) => a + b));
    expect(e.userSizeBytes).toBe(e.sizeBytes - sizes[0]!);
    // apache2.conf "ServerName localhost\n" (21) then appended "ServerName cowlab\n" (39);
    // ports.conf "Listen 80\n" (10) twice (chmod); requirements.txt (18) then moved away (whiteout 0);
    // flask_mysql/__init__.py "import flask\n" (13) then deleted.
    expect(e.inefficient).toEqual([
      {path: '/etc/apache2/apache2.conf', count: 2, wastedBytes: 60},
      {path: '/etc/apache2/ports.conf', count: 2, wastedBytes: 20},
      {path: '/opt/source-code/requirements.txt', count: 2, wastedBytes: 18},
      {path: '/usr/lib/python3/site-packages/flask_mysql/__init__.py', count: 2, wastedBytes: 13},
    ]);
    expect(e.wastedBytes).toBe(111);
    expect(e.userWastedPercent).toBe(111 / e.userSizeBytes);
    // Every path counts once at its smallest; the whiteout of the flask directory counts the
    // deleted subtree (app.py, 40 KiB of urandom) on top of the layers' bytes.
    const discovered = e.sizeBytes + 40 * 1024;
    expect(e.score).toBe((discovered - (60 - 21) - (20 - 10) - 18 - 13) / discovered);
  });

  it.skipIf(noZstd)(
    titled("dive's test image, as podman's docker-archive and as skopeo's zstd oci-archive: the figures its Dockerfile implies", noZstd),
    async () => {
      const want = diveImageFigures();
      for (const name of ['dive-docker.tar.gz', 'test-oci-zstd-image.tar']) {
        const store = await ArchiveStore.open(join(FIXTURES, 'formats', name));
        const e = imageEfficiency(store, findImage(store, 'dive/test:latest')!);
        expect({sizeBytes: e.sizeBytes, userSizeBytes: e.userSizeBytes, wastedBytes: e.wastedBytes, score: e.score, inefficient: e.inefficient}, name).toEqual(
          want,
        );
      }
    },
  );

  it('myapp:1 and myapp2:1 waste nothing', async () => {
    const store = await ArchiveStore.open(MYAPPS);
    for (const [i, tag] of ['myapp:1', 'myapp2:1'].entries()) {
      const e = imageEfficiency(store, findImage(store, tag)!);
      expect(e).toMatchObject({score: 1, wastedBytes: 0, userWastedPercent: 0, inefficient: []});
      expect(e.sizeBytes).toBe(tarSizes(MYAPPS, i).reduce((a, b) => a + b));
    }
  });
});

describe.skipIf(!canExtract)(`root and archive agree${canExtract ? '' : ` (skipped: ${skipReason})`}`, () => {
  let root: string;
  beforeAll(() => {
    root = extractRealStoreA();
  });
  afterAll(cleanupExtracted);

  for (const [archive, tag] of [
    [COWLAB, 'cowlab:1'],
    [MYAPPS, 'myapp:1'],
    [MYAPPS, 'myapp2:1'],
  ] as const) {
    it(`${tag}: identical figures from overlay2 diff dirs and from the docker save archive`, async () => {
      const fromRoot = openRoot(root);
      const fromArchive = await ArchiveStore.open(archive);
      expect(imageEfficiency(fromRoot, findImage(fromRoot, tag)!)).toEqual(imageEfficiency(fromArchive, findImage(fromArchive, tag)!));
    });
  }
});

describe('dive rules on made-up layers', () => {
  const meta = syntheticMeta;
  const dir = (name: string, children: LayerNode[], extra: Partial<LayerNode> = {}): LayerNode => ({
    name,
    meta: meta('dir', 4096),
    children: new Map(children.map((c) => [c.name, c])),
    ...extra,
  });
  const file = (name: string, size: number, extra: Partial<Meta> = {}): LayerNode => ({name, meta: meta('file', size, extra)});
  const wh = (name: string): LayerNode => ({name, meta: meta('char', 0), whiteout: true});

  it('a whiteout of a directory costs the deleted subtree; of a file nothing', () => {
    const e = efficiency([dir('', [dir('d', [file('a', 100), file('b', 50)]), file('f', 7)]), dir('', [wh('d'), wh('f')])]);
    // /d/a and /d/b appear once; /d (the whiteout) costs 150 once; /f costs 7 + 0.
    expect(e.inefficient).toEqual([{path: '/f', count: 2, wastedBytes: 7}]);
    expect(e.score).toBe((100 + 50 + 150 + 0) / (100 + 50 + 150 + 7));
    expect(e.sizeBytes).toBe(157);
    expect(e.userSizeBytes).toBe(0);
    expect(e.userWastedPercent).toBe(Infinity);
  });

  it('directories count 0; of hard-linked names only the lexically first carries the size', () => {
    const e = efficiency([
      dir('', [file('z', 10, {ino: 5, nlink: 2}), file('a', 10, {ino: 5, nlink: 2}), dir('empty', [])]),
      dir('', [file('z', 10), dir('empty', [])]),
    ]);
    // Layer 0 as tar says it: a=10, z=0 (link); layer 1: z=10. /empty is a leaf of size 0 twice.
    expect(e.inefficient).toEqual([
      {path: '/z', count: 2, wastedBytes: 10},
      {path: '/empty', count: 2, wastedBytes: 0},
    ]);
    expect(e.sizeBytes).toBe(20);
    expect(e.score).toBe(10 / 20);
  });

  it('parses sizes like go-humanize and evaluates rules like dive', () => {
    expect(parseBytes('20MB')).toBe(20_000_000);
    expect(parseBytes('20MiB')).toBe(20 * 1024 * 1024);
    expect(parseBytes('1.5 kb')).toBe(1500);
    expect(parseBytes('1,000')).toBe(1000);
    expect(() => parseBytes('12 parsecs')).toThrow(/unhandled size name/);
    const e = {score: 0.95, sizeBytes: 1000, userSizeBytes: 500, wastedBytes: 60, userWastedPercent: 0.12, inefficient: []};
    expect(evaluateRules(e, DEFAULT_RULES).map((r) => r.status)).toEqual(['FAIL', 'SKIP', 'PASS']);
    expect(evaluateRules(e, {lowestEfficiency: '0.96', highestWastedBytes: '50B', highestUserWastedPercent: 'disabled'}).map((r) => r.status)).toEqual([
      'SKIP',
      'FAIL',
      'FAIL',
    ]);
    expect(() => evaluateRules(e, {...DEFAULT_RULES, lowestEfficiency: '1.5'})).toThrow(/outside the allowed range/);
  });
});

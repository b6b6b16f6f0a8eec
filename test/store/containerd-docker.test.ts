// layerscope on a real Docker root that uses the containerd image store (Docker 26 with
// containerd-snapshotter, the layout Docker 29 uses by default), compared with what the daemon
// itself said about it (fixtures/containerd-docker/answers, captured by make.sh).
import {mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cli, cliJson} from '../helpers/cli.js';
import {answer, cells, cleanupFixtures, extractFixture, fixtureSkip, jsonLines, lines} from '../helpers/fixture-root.js';
import {dockerHistory, ourHistory} from '../helpers/docker-history.js';
import {volumeRows, type VolumeRow} from '../helpers/docker-volumes.js';

const NAME = 'containerd-docker';
const skip = fixtureSkip(NAME);
/** Where the daemon had its roots when the answers were captured (make.sh's default WORKDIR). */
const CAPTURED = '/tmp/containerd-fixture-cd/docker-root';

describe.skipIf(!!skip)(`Docker with the containerd image store vs the daemon's answers${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir: string;
  let args: string[];
  const run = (cmd: string[]) => cli([...cmd, ...args]);
  const json = <T>(cmd: string[]) => cliJson<T>([...cmd, ...args]);
  beforeAll(() => {
    dir = extractFixture(NAME);
    args = ['--root', join(dir, 'docker-root'), '--containerd-root', join(dir, 'containerd-root')];
  });
  afterAll(cleanupFixtures);

  it('images equal docker images -a (ids are the manifest digests; dangling and intermediate images untagged)', () => {
    type Row = {Repository: string; Tag: string; ID: string; Size: string};
    const want = jsonLines<Row>(answer(NAME, 'images-a.jsonl'));
    const got = json<{Repository: string; Tag: string; ID: string; SizeHuman: string}[]>(['images']);
    const key = (r: {Repository: string; Tag: string; ID: string}, size: string) => `${r.Repository}|${r.Tag}|${r.ID}|${size}`;
    expect(new Set(got.map((g) => key(g, g.SizeHuman)))).toEqual(new Set(want.map((w) => key(w, w.Size))));
    expect(got.length).toBe(want.length);
  });

  it('history of every image equals docker history (ids from the builder parent labels, layer sizes = snapshot usage)', () => {
    const ids = [...new Set(jsonLines<{ID: string}>(answer(NAME, 'images-a.jsonl')).map((r) => r.ID))];
    expect(ids.length).toBeGreaterThan(5);
    for (const id of ids) {
      expect(ourHistory(json(['history', id])), id).toEqual(dockerHistory(NAME, id));
    }
  });

  for (const c of ['c1', 'c2', 'c3', 'c4']) {
    it(`diff ${c} equals docker diff ${c} (rw snapshot over its -init snapshot)`, () => {
      const r = run(['diff', c]);
      expect(r.code).toBe(0);
      expect(new Set(lines(r.stdout))).toEqual(new Set(lines(answer(NAME, `diff-${c}.txt`))));
      expect(lines(r.stdout).length).toBe(lines(answer(NAME, `diff-${c}.txt`)).length);
    });

    it(`ls ${c} equals docker export ${c} (the merged view: image layers, init and rw snapshots)`, () => {
      const got = json<{Path: string; Type: string; Size: number}[]>(['ls', c, '/']);
      const ours = new Set(got.map((e) => `${e.Path.slice(1)}${e.Type === 'dir' ? '/' : ''}|${e.Type === 'file' ? e.Size : '-'}`));
      const theirs = new Set(
        lines(answer(NAME, `export-${c}.txt`)).map((l) => {
          const f = l.split(/\s+/);
          const path = f
            .slice(5)
            .join(' ')
            .replace(/ -> .*$/, '')
            .replace(/ link to .*$/, '');
          return `${path}|${f[0]!.startsWith('-') && !l.includes(' link to ') ? f[2] : '-'}`;
        }),
      );
      expect(ours).toEqual(theirs);
    });

    it(`mounts ${c} equal docker inspect .Mounts`, () => {
      const want = JSON.parse(answer(NAME, `mounts-${c}.json`)) as {Destination: string; Source: string}[];
      const got = json<{Destination: string; Source: string}[]>(['mounts', c]).map((m) => ({
        ...m,
        Source: m.Source.replace(join(dir, 'docker-root'), CAPTURED),
      }));
      const byDest = (a: {Destination: string}, b: {Destination: string}) => a.Destination.localeCompare(b.Destination);
      expect(got.sort(byDest)).toEqual([...want].sort(byDest));
    });
  }

  it("a BuildKit image is an index: id = the index digest, the host platform's image read, its attestation manifest named", () => {
    const index = JSON.parse(answer(NAME, 'index-bk.json')) as {
      manifests: {annotations?: Record<string, string>; platform?: {os: string; architecture: string}}[];
    };
    const attestations = index.manifests.filter((m) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest');
    expect(attestations.length).toBe(1);
    const want = jsonLines<{Repository: string; ID: string}>(answer(NAME, 'images-a.jsonl')).find((r) => r.Repository === 'bk')!;
    const inspect = (JSON.parse(answer(NAME, `inspect-image-${want.ID.slice(7, 19)}.json`)) as {Size: number}[])[0]!;
    const r = run(['images', '--json']);
    const bk = (JSON.parse(r.stdout) as {Repository: string; ID: string; ContentSize: number}[]).find((g) => g.Repository === 'bk')!;
    expect(bk.ID).toBe(want.ID);
    // docker inspect's Size in this mode is the content the image's platform needs (index included)
    expect(bk.ContentSize).toBe(inspect.Size);
    expect(r.stderr).toContain('bk:1: the linux/amd64 image of an index is shown (attestation manifests: 1)');
  });

  it("the BuildKit image's attestation: a layer of kind attestation whose file is the statement containerd stores, never an image", () => {
    const index = JSON.parse(answer(NAME, 'index-bk.json')) as {manifests: {digest: string; annotations?: Record<string, string>}[]};
    const digest = index.manifests.find((m) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest')!.digest;
    // The manifest and its statement as containerd wrote them in its content store (ctr content ls lists both).
    const blob = (d: string) => readFileSync(join(dir, 'containerd-root', 'io.containerd.content.v1.content', 'blobs', 'sha256', d.slice(7)));
    const layer = (JSON.parse(blob(digest).toString('utf8')) as {layers: {digest: string; annotations: Record<string, string>}[]}).layers[0]!;
    expect(answer(NAME, 'ctr-content.txt')).toContain(`${digest}\t`);
    expect(answer(NAME, 'ctr-content.txt')).toContain(`gc.ref.content.1=${layer.digest}`);
    const type = layer.annotations['in-toto.io/predicate-type']!;
    const bk = json<{Repository: string; Attestations?: {Digest: string; PredicateTypes: string[]}[]}[]>(['images']).find((g) => g.Repository === 'bk')!;
    expect(bk.Attestations).toEqual([{Digest: digest, PredicateTypes: [type]}]);
    expect(json<{Repository: string}[]>(['images']).length).toBe(jsonLines(answer(NAME, 'images-a.jsonl')).length);
    expect(json<{Path: string}[]>(['ls', digest]).map((e) => e.Path)).toEqual([`/${type.replace(/^https:\/\//, '').replace(/\//g, '_')}.json`]);
    const out = join(mkdtempSync(join(tmpdir(), 'layerscope-statement-')), 'statement.json');
    const r = run(['export', digest, `/${type.replace(/^https:\/\//, '').replace(/\//g, '_')}.json`, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(JSON.parse(blob(layer.digest).toString('utf8')));
    rmSync(dirname(out), {recursive: true});
  });

  it('--platform picks from the index; a platform the index lacks is said, not silently replaced', () => {
    const index = JSON.parse(answer(NAME, 'index-bk.json')) as {manifests: {platform?: {os: string; architecture: string}}[]};
    expect(index.manifests.some((m) => m.platform?.architecture === 'arm64')).toBe(false);
    const r = run(['images', '--platform', 'linux/arm64']);
    expect(r.stderr).toContain('bk:1: no linux/arm64 image here, so the linux/amd64 one of an index is shown');
  });

  it('volumes equal docker volume inspect', () => {
    const extracted = join(dir, 'docker-root');
    expect(volumeRows(json<VolumeRow[]>(['volumes']), extracted, CAPTURED)).toEqual(
      volumeRows(JSON.parse(answer(NAME, 'volume-inspect.json')) as VolumeRow[], extracted, CAPTURED),
    );
  });

  it("df equals docker system df -v (image sizes: content + snapshots; SizeRw: the rw snapshot's blocks)", () => {
    const text = answer(NAME, 'system-df-v.txt');
    const section = (out: string, title: string) =>
      lines(out.slice(out.indexOf(title)).split('\n\n')[1]!)
        .slice(1)
        .map(cells);
    const r = run(['df']);
    expect(r.code).toBe(0);
    const key = (rows: string[][], cols: number[]) => new Set(rows.map((row) => cols.map((c) => row[c]).join('|')));
    expect(key(section(r.stdout, 'Images space usage'), [0, 1, 2, 4, 5, 6, 7])).toEqual(key(section(text, 'Images space usage'), [0, 1, 2, 4, 5, 6, 7]));
    // ID IMAGE COMMAND VOLUMES SIZE CREATED STATUS NAMES, as docker's (CREATED and STATUS are relative)
    const theirs = section(text, 'Containers space usage').map((row) => [row[0], row[1], row[2], row[3], row[4], row.at(-1)].join('|'));
    const ours = section(r.stdout, 'Containers space usage').map((row) => [row[0], row[1], row[2], row[3], row[4], row.at(-1)].join('|'));
    expect(new Set(ours)).toEqual(new Set(theirs));
    expect(key(section(r.stdout, 'Local Volumes space usage'), [0, 1, 2])).toEqual(key(section(text, 'Local Volumes space usage'), [0, 1, 2]));
  });

  it('without --containerd-root, the containerd a dockerd runs itself (<root>/containerd/daemon) is found', () => {
    const other = extractFixture(NAME);
    mkdirSync(join(other, 'docker-root', 'containerd'));
    renameSync(join(other, 'containerd-root'), join(other, 'docker-root', 'containerd', 'daemon'));
    const r = cli(['images', '--root', join(other, 'docker-root'), '--json']);
    expect(r.code).toBe(0);
    const want = jsonLines<{ID: string}>(answer(NAME, 'images-a.jsonl'));
    expect(new Set((JSON.parse(r.stdout) as {ID: string}[]).map((g) => g.ID))).toEqual(new Set(want.map((w) => w.ID)));
  });

  it('a Docker root of this kind without its containerd root is an error naming what is missing', () => {
    const r = cli(['images', '--root', join(dir, 'docker-root'), '--containerd-root', join(dir, 'nowhere')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('containerd image store');
    expect(r.stderr).toContain('--containerd-root');
  });
});

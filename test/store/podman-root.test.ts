// A real containers-storage root written by podman 4.3 (fixtures/podman/make.sh), read by layerscope
// and compared with podman's own answers recorded next to it — never with values our code produced.
import {copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cli, cliJson} from '../helpers/cli.js';
import {answer, cells, cleanupFixtures, extractFixture, FIXTURES, fixtureSkip, lines} from '../helpers/fixture-root.js';
import {goUnitsSize} from '../helpers/go-units.js';
import {findTree, lsTree} from '../helpers/find-tree.js';

const why = fixtureSkip('podman');
const json = <T>(file: string) => JSON.parse(answer('podman', file)) as T;
const hex = (id: string) => id.replace(/^sha256:/, '');

describe.skipIf(why)(`a podman root vs podman's answers${why ? ` (skipped: ${why})` : ''}`, () => {
  let dir: string | undefined;
  let root = '';
  /** Paths podman printed name the root where it was made; ours is extracted elsewhere. */
  const here = (path: string) => path.replace(`${answer('podman', 'workdir.txt').trim()}/root/`, `${root}/`);
  beforeAll(() => {
    dir = extractFixture('podman');
    root = join(dir, 'root');
  });
  afterAll(() => cleanupFixtures());

  it('images -a: ids, names, sizes, parents and container counts equal podman images -a', () => {
    const want = json<{Id: string; ParentId: string; Names?: string[]; Size: number; Containers: number; RepoDigests?: string[]}[]>('images.json');
    const got = cliJson<{Repository: string; Tag: string; ID: string; Size: number; SizeHuman: string; ParentId?: string}[]>(['images', '--root', root]);
    expect(new Set(got.map((g) => hex(g.ID)))).toEqual(new Set(want.map((w) => w.Id)));
    for (const w of want) {
      const rows = got.filter((g) => hex(g.ID) === w.Id);
      expect(rows.map((r) => (r.Repository === '<none>' ? undefined : `${r.Repository}:${r.Tag}`)).filter(Boolean)).toEqual(w.Names ?? []);
      expect(rows[0]!.Size, w.Id).toBe(w.Size);
      expect(hex(rows[0]!.ParentId ?? ''), `parent of ${w.Id}`).toBe(w.ParentId);
    }
    const df = cliJson<{Images: {ID: string; Containers: number}[]}>(['df', '--root', root]);
    for (const w of want) expect(df.Images.find((i) => hex(i.ID) === w.Id)?.Containers).toBe(w.Containers);
    // The table: podman's human sizes ("2.15 MB").
    const table = lines(cli(['images', '--root', root]).stdout)
      .slice(1)
      .map(cells);
    for (const [repo, tag, id, , size] of lines(answer('podman', 'images.txt')).slice(1).map(cells)) {
      expect(table).toContainEqual(expect.arrayContaining([repo, tag, id, size]));
    }
  });

  for (const image of ['scenb', 'two', 'localbase', 'committed', 'mylist']) {
    it(`history ${image}:1 equals podman history (ids of the images on each layer, diff sizes)`, () => {
      const want = json<{id: string; CreatedBy: string; size: number; comment: string}[]>(`history-${image}.json`);
      const got = cliJson<{ID: string; CreatedBy: string; Size: number; Comment: string}[]>(['history', `${image}:1`, '--root', root]);
      expect(got.map((g) => [hex(g.ID), g.CreatedBy, g.Size, g.Comment])).toEqual(want.map((w) => [w.id, w.CreatedBy, w.size, w.comment]));
    });
  }

  for (const c of ['p1', 'p2', 'p3']) {
    it(`diff ${c} equals podman diff, in podman's order`, () => {
      const r = cli(['diff', c, '--root', root]);
      expect(r.code, r.stderr).toBe(0);
      expect(lines(r.stdout)).toEqual(lines(answer('podman', `diff-${c}.txt`)));
    });

    it(`mounts ${c} equals podman inspect .Mounts`, () => {
      const want = json<{Mounts: Record<string, unknown>[]}[]>(`inspect-${c}.json`)[0]!.Mounts.map((m) => ({...m, Source: here(String(m.Source))}));
      expect(cliJson<Record<string, unknown>[]>(['mounts', c, '--root', root])).toEqual(want);
    });
  }

  for (const image of ['scenb', 'two']) {
    it(`diff ${image}:1 (its top layer over the one below, opaque directories included) equals podman diff`, () => {
      const r = cli(['diff', `${image}:1`, '--root', root]);
      expect(r.code, r.stderr).toBe(0);
      expect(lines(r.stdout)).toEqual(lines(answer('podman', `diff-image-${image}.txt`)));
    });
  }

  for (const [ref, file] of [
    ['scenb:1', 'ls-scenb.txt'],
    ['two:1', 'ls-two.txt'],
    ['p1', 'ls-p1.txt'],
    ['p3', 'ls-p3.txt'],
  ] as const) {
    it(`ls ${ref} equals the tree of the kernel's overlay mount podman made`, () => {
      expect(lsTree(cliJson(['ls', ref, '--root', root]))).toEqual(findTree(join(FIXTURES, 'podman', 'answers', file)));
    });
  }

  it('the parent of a graph root (/var/lib/containers) is read as its storage/, with a note', () => {
    const parent = mkdtempSync(join(dir!, 'containers-'));
    symlinkSync(root, join(parent, 'storage'));
    const r = cli(['images', '--root', parent]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('localhost/scenb');
    expect(r.stderr).toContain(`note: reading ${join(parent, 'storage')}, the containers-storage graph root in ${parent}`);
  });

  it('volumes equal podman volume inspect', () => {
    const want =
      json<{Name: string; Driver: string; Mountpoint: string; CreatedAt: string; Labels: Record<string, string>; Anonymous?: boolean}[]>('volumes.json');
    const got = cliJson<{Name: string; Driver: string; Mountpoint: string; CreatedAt: string; Labels: Record<string, string>}[]>(['volumes', '--root', root]);
    expect(got.map((g) => [g.Name, g.Driver, g.Mountpoint, g.CreatedAt, g.Labels])).toEqual(
      want.map((w) => [w.Name, w.Driver, here(w.Mountpoint), w.CreatedAt, w.Labels]),
    );
  });

  it('df equals podman system df -v: shared and unique sizes, container sizes, volume sizes', () => {
    const text = lines(answer('podman', 'df.txt'));
    const section = (title: string) => {
      const start = text.findIndex((l) => l.startsWith(title)) + 2;
      const end = text.findIndex((l, i) => i > start && /space usage:$/.test(l));
      return text.slice(start, end < 0 ? undefined : end).map(cells);
    };
    const got = cliJson<{
      Images: {ID: string; Size: number; SharedSize: number; UniqueSize: number}[];
      Containers: {ID: string; SizeRw: number; LocalVolumes: number}[];
      Volumes: {Name: string; Links: number; Size: number}[];
    }>(['df', '--root', root]);
    for (const [, , id, , size, shared, unique] of section('Images space usage:')) {
      const g = got.Images.find((i) => hex(i.ID).startsWith(id!))!;
      expect([goUnitsSize(g.Size), goUnitsSize(g.SharedSize), goUnitsSize(g.UniqueSize)], id).toEqual([size, shared, unique]);
    }
    const ps = json<{Id: string; Size: {rwSize: number}}[]>('ps.json');
    for (const c of ps) expect(got.Containers.find((g) => g.ID === c.Id)?.SizeRw).toBe(c.Size.rwSize);
    for (const row of section('Containers space usage:')) {
      const g = got.Containers.find((c) => c.ID.startsWith(row[0]!))!;
      expect(String(g.LocalVolumes), row[0]).toBe(row.at(-5));
    }
    for (const [name, links, size] of section('Local Volumes space usage:')) {
      const g = got.Volumes.find((v) => v.Name === name)!;
      expect([String(g.Links), goUnitsSize(g.Size)], name).toEqual([links, size]);
    }
  });
});

describe.skipIf(why)(`a damaged podman root: problems name the item${why ? ` (skipped: ${why})` : ''}`, () => {
  let dir: string | undefined;
  let root = '';
  beforeAll(() => {
    dir = extractFixture('podman');
    root = join(dir, 'root');
  });
  afterAll(() => cleanupFixtures());

  it('a truncated bolt_state.db is named; containers still come from containers.json', () => {
    const db = join(root, 'libpod', 'bolt_state.db');
    writeFileSync(db, readFileSync(db).subarray(0, 5000));
    const r = cli(['df', '--root', root, '--json']);
    expect(r.code).toBe(3); // printed in part: the warning names what is missing
    expect(r.stderr).toContain(`${db}:`);
    expect((JSON.parse(r.stdout) as {Containers: unknown[]}).Containers).toHaveLength(3);
  });

  it('a missing image config is named and the image still listed; a corrupt layers.json is named', () => {
    const images = JSON.parse(readFileSync(join(root, 'overlay-images', 'images.json'), 'utf8')) as {id: string; names?: string[]}[];
    const two = images.find((i) => i.names?.includes('localhost/two:1'))!;
    const config = readdirSync(join(root, 'overlay-images', two.id)).find((f) => f.startsWith('=c2hh'))!;
    rmSync(join(root, 'overlay-images', two.id, config));
    let r = cli(['images', '--root', root]);
    expect(r.code).toBe(3); // listed, but not whole
    expect(r.stdout).toContain('localhost/two');
    expect(r.stderr).toContain(join(root, 'overlay-images', two.id, config));
    writeFileSync(join(root, 'overlay-layers', 'layers.json'), '[{"id": "nope"}, ');
    r = cli(['images', '--root', root]);
    expect(r.stderr).toContain(`${join(root, 'overlay-layers', 'layers.json')}: invalid JSON`);
  });
});

describe.skipIf(why)(`a podman 5 root (libpod state in SQLite) vs podman's answers${why ? ` (skipped: ${why})` : ''}`, () => {
  let root = '';
  beforeAll(() => {
    // The same root with its libpod state as podman 5 keeps it: libpod/db.sql (fixtures/podman/sqlite.sh).
    root = join(extractFixture('podman'), 'root');
    rmSync(join(root, 'libpod', 'bolt_state.db'));
    copyFileSync(join(FIXTURES, 'podman', 'db.sql'), join(root, 'libpod', 'db.sql'));
  });
  afterAll(cleanupFixtures);

  const here = (path: string) => path.replace(`${answer('podman', 'workdir.txt').trim()}/root/`, `${root}/`);

  it('mounts, volumes and container states come from db.sql and equal podman inspect / volume inspect / ps', () => {
    for (const c of ['p1', 'p2', 'p3']) {
      const want = json<{Mounts: Record<string, unknown>[]}[]>(`inspect-${c}.json`)[0]!.Mounts.map((m) => ({...m, Source: here(String(m.Source))}));
      expect(cliJson<Record<string, unknown>[]>(['mounts', c, '--root', root])).toEqual(want);
    }
    const volumes = json<{Name: string; Mountpoint: string; CreatedAt: string; Labels: Record<string, string>}[]>('volumes.json');
    const got = cliJson<{Name: string; Mountpoint: string; CreatedAt: string; Labels: Record<string, string>}[]>(['volumes', '--root', root]);
    expect(got.map((g) => [g.Name, g.Mountpoint, g.CreatedAt, g.Labels])).toEqual(volumes.map((w) => [w.Name, here(w.Mountpoint), w.CreatedAt, w.Labels]));
    const ps = json<{Id: string; State: string; ExitCode: number}[]>('ps.json');
    const df = cliJson<{Containers: {ID: string; State: string}[]}>(['df', '--root', root]);
    for (const p of ps) expect(df.Containers.find((c) => c.ID === p.Id)?.State, p.Id).toBe(p.State);
    expect(cli(['df', '--root', root]).stderr).toBe('');
  });
});

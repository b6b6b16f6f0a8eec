// A real Docker root written by dockerd's btrfs driver (fixtures/btrfs/make.sh): every layer a
// btrfs snapshot, read like vfs. Compared with Docker's own answers recorded next to it.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {join} from 'node:path';
import {cli, cliJson} from '../helpers/cli.js';
import {answer, cleanupFixtures, extractFixture, fixtureSkip, lines} from '../helpers/fixture-root.js';

const why = fixtureSkip('btrfs');
const jsonl = <T>(file: string) => lines(answer('btrfs', file)).map((l) => JSON.parse(l) as T);

describe.skipIf(why)(`a btrfs Docker root vs Docker's answers${why ? ` (skipped: ${why})` : ''}`, () => {
  let dir: string | undefined;
  let root = '';
  const here = (path: string) => path.replace(`${answer('btrfs', 'data-root.txt').trim()}/`, `${root}/`);
  beforeAll(() => {
    dir = extractFixture('btrfs');
    root = join(dir, 'docker');
  });
  afterAll(() => cleanupFixtures());

  it('is read as the btrfs driver, not as an empty overlay2 store', () => {
    expect(answer('btrfs', 'driver.txt').trim()).toBe('btrfs');
    const r = cli(['images', '--root', root]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).length).toBeGreaterThan(1);
  });

  it('images -a: ids, tags and sizes equal docker images -a', () => {
    const want = jsonl<{ID: string; Repository: string; Tag: string; Size: string}>('images.jsonl');
    const got = cliJson<{ID: string; Repository: string; Tag: string; SizeHuman: string}[]>(['images', '--root', root]);
    expect(got.map((g) => [g.ID, g.Repository, g.Tag, g.SizeHuman]).sort()).toEqual(want.map((w) => [w.ID, w.Repository, w.Tag, w.Size]).sort());
  });

  for (const image of ['scenb', 'localbase']) {
    it(`history ${image}:1 equals docker history`, () => {
      const want = jsonl<{ID: string; CreatedBy: string; Size: string; Comment: string; CreatedAt: string}>(`history-${image}.jsonl`);
      const got = cliJson<{ID: string; CreatedBy: string; SizeHuman: string; Comment: string; CreatedAt: string}[]>(['history', `${image}:1`, '--root', root]);
      expect(got.map((g) => [g.ID, g.CreatedBy, g.SizeHuman, g.Comment, g.CreatedAt])).toEqual(
        want.map((w) => [w.ID, w.CreatedBy, w.Size, w.Comment, w.CreatedAt]),
      );
    });
  }

  for (const c of ['b1', 'b2']) {
    it(`diff ${c} equals docker diff (full snapshots compared as trees)`, () => {
      const r = cli(['diff', c, '--root', root]);
      expect(r.code, r.stderr).toBe(0);
      expect(lines(r.stdout).sort()).toEqual(lines(answer('btrfs', `diff-${c}.txt`)).sort());
    });

    it(`mounts ${c} equals docker inspect .Mounts`, () => {
      const want = (JSON.parse(answer('btrfs', `mounts-${c}.json`)) as {Source: string; Destination: string}[]).map((m) => ({...m, Source: here(m.Source)}));
      const got = cliJson<{Destination: string}[]>(['mounts', c, '--root', root]);
      const byDest = (a: {Destination: string}, b: {Destination: string}) => a.Destination.localeCompare(b.Destination);
      expect(got.sort(byDest)).toEqual(want.sort(byDest));
    });
  }

  it('per-layer changes of a snapshot layer are derived from the trees', () => {
    // layer 2 of scenario-b removes /srv/app/gone and recreates /srv/app/swap as a directory
    const r = cli(['diff', 'scenb:1@2', '--root', root]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toEqual(expect.arrayContaining(['D /srv/app/gone', 'C /srv/app/swap', 'A /srv/app/lib/c.txt', 'D /srv/app/lib/b.txt']));
  });

  it('volumes equal docker volume inspect', () => {
    const want = JSON.parse(answer('btrfs', 'volumes.json')) as {Name: string; Driver: string; Mountpoint: string; Labels: Record<string, string> | null}[];
    const got = cliJson<{Name: string; Driver: string; Mountpoint: string; Labels: Record<string, string> | null}[]>(['volumes', '--root', root]);
    const key = (v: {Name: string; Driver: string; Mountpoint: string; Labels: Record<string, string> | null}) =>
      JSON.stringify([v.Name, v.Driver, v.Mountpoint, v.Labels]);
    expect(got.map(key).sort()).toEqual(want.map((w) => key({...w, Mountpoint: here(w.Mountpoint)})).sort());
  });

  it('df equals docker system df -v: image shares, container sizes, volume sizes', () => {
    const want = JSON.parse(answer('btrfs', 'df.json')) as {
      Images: {ID: string; Size: string; SharedSize: string; UniqueSize: string; Containers: string}[];
      Containers: {ID: string; Size: string; LocalVolumes: string}[];
      Volumes: {Name: string; Links: string; Size: string}[];
    };
    const got = cliJson<{
      Images: {ID: string; Size: number; SharedSize: number; UniqueSize: number; Containers: number}[];
      Containers: {ID: string; SizeRw: number; LocalVolumes: number}[];
      Volumes: {Name: string; Links: number; Size: number}[];
    }>(['df', '--root', root]);
    const table = cli(['df', '--root', root]).stdout;
    for (const w of want.Images) {
      const g = got.Images.find((i) => i.ID === w.ID)!;
      expect(String(g.Containers)).toBe(w.Containers);
      expect(table).toMatch(new RegExp(`${w.Size.replace(/\./g, '\\.')} +${w.SharedSize.replace(/\./g, '\\.')}`)); // docker's tabwriter pads to 7 + 3
      expect(table).toContain(w.UniqueSize);
    }
    for (const w of want.Containers) {
      const g = got.Containers.find((c) => c.ID.startsWith(w.ID))!;
      expect(String(g.LocalVolumes)).toBe(w.LocalVolumes);
    }
    const ps = jsonl<{ID: string; Size: string}>('ps.jsonl');
    for (const p of ps) expect(table).toContain(p.Size.split(' ')[0]);
    for (const w of want.Volumes) {
      const g = got.Volumes.find((v) => v.Name === w.Name)!;
      expect(String(g.Links)).toBe(w.Links);
    }
  });
});

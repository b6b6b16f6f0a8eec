// A held-out Docker 20.10 root on the btrfs driver (fixtures/heldout2-btrfs/make.sh: whiteouts over
// several layers, opaque directories, chmod-only and hard-link changes, a multi-stage build, a
// moved tag, a commit, anonymous and named volumes, a bind), compared with Docker's own answers.
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cli, cliJson} from '../helpers/cli.js';
import {answer, cells, cleanupFixtures, extractFixture, fixtureSkip, lines} from '../helpers/fixture-root.js';

const NAME = 'heldout2-btrfs';
const why = fixtureSkip(NAME);
const jsonl = <T>(file: string) => lines(answer(NAME, file)).map((l) => JSON.parse(l) as T);

describe.skipIf(why)(`a held-out btrfs Docker root vs Docker's answers${why ? ` (skipped: ${why})` : ''}`, () => {
  let root = '';
  const here = (path: string) => path.replace(`${answer(NAME, 'data-root.txt').trim()}/`, `${root}/`);
  beforeAll(() => {
    root = join(extractFixture(NAME), 'docker');
  });
  afterAll(() => cleanupFixtures());

  it('images -a: ids, tags and sizes equal docker images -a (the moved tag leaves <none>)', () => {
    const want = jsonl<{ID: string; Repository: string; Tag: string; Size: string}>('images.jsonl');
    const got = cliJson<{ID: string; Repository: string; Tag: string; SizeHuman: string}[]>(['images', '--root', root]);
    expect(got.map((g) => [g.ID, g.Repository, g.Tag, g.SizeHuman]).sort()).toEqual(want.map((w) => [w.ID, w.Repository, w.Tag, w.Size]).sort());
  });

  for (const image of ['wh', 'multi', 'moved', 'committed']) {
    it(`history ${image}:1 equals docker history`, () => {
      const want = jsonl<{ID: string; CreatedBy: string; Size: string; Comment: string; CreatedAt: string}>(`history-${image}.jsonl`);
      const got = cliJson<{ID: string; CreatedBy: string; SizeHuman: string; Comment: string; CreatedAt: string}[]>(['history', `${image}:1`, '--root', root]);
      expect(got.map((g) => [g.ID, g.CreatedBy, g.SizeHuman, g.Comment, g.CreatedAt])).toEqual(
        want.map((w) => [w.ID, w.CreatedBy, w.Size, w.Comment, w.CreatedAt]),
      );
    });
  }

  for (const c of ['r1', 'r2', 'r3']) {
    it(`diff ${c} equals docker diff (dockerd's naive diff walks a Go map: compared as a set)`, () => {
      const r = cli(['diff', c, '--root', root]);
      expect(r.code, r.stderr).toBe(0);
      expect(lines(r.stdout).sort()).toEqual(lines(answer(NAME, `diff-${c}.txt`)).sort());
    });

    it(`mounts ${c} equals docker inspect .Mounts`, () => {
      const want = (JSON.parse(answer(NAME, `mounts-${c}.json`)) as {Source: string; Destination: string}[]).map((m) => ({...m, Source: here(m.Source)}));
      const byDest = (a: {Destination: string}, b: {Destination: string}) => a.Destination.localeCompare(b.Destination);
      expect(cliJson<{Destination: string}[]>(['mounts', c, '--root', root]).sort(byDest)).toEqual(want.sort(byDest));
    });

    it(`ls ${c} equals docker export (type, owner, file sizes)`, () => {
      const want = lines(answer(NAME, `export-${c}.txt`)).map((l) => {
        const [perm, owner, size, path] = l.split(' ') as [string, string, string, string];
        return `${perm[0]} ${owner.replace('/', ':')} ${perm[0] === '-' ? size : '-'} /${path.replace(/\/$/, '')}`;
      });
      const got = cliJson<{Path: string; Type: string; Uid: number; Gid: number; Size: number}[]>(['ls', c, '--root', root]);
      const t = (type: string) => ({file: '-', dir: 'd', symlink: 'l'})[type] ?? type;
      // docker export writes a hard link's second name with size 0 (a tar link entry).
      const links = new Set(want.filter((w) => w.startsWith('- ') && w.split(' ')[2] === '0').map((w) => w.split(' ')[3]));
      expect(
        got
          .filter((e) => e.Path !== '/')
          .map((e) => `${t(e.Type)} ${e.Uid}:${e.Gid} ${e.Type === 'file' ? (links.has(e.Path) ? 0 : e.Size) : '-'} ${e.Path}`)
          .sort(),
      ).toEqual(want.sort());
    });
  }

  it('volumes equal docker volume inspect', () => {
    type V = {Name: string; Driver: string; Mountpoint: string; Labels: Record<string, string> | null};
    const want = JSON.parse(answer(NAME, 'volumes.json')) as V[];
    const key = (v: V) => JSON.stringify([v.Name, v.Driver, v.Mountpoint, v.Labels]);
    expect(cliJson<V[]>(['volumes', '--root', root]).map(key).sort()).toEqual(want.map((w) => key({...w, Mountpoint: here(w.Mountpoint)})).sort());
  });

  it('df equals docker system df -v: sizes, shares, container counts; containers newest first as dockerd lists them', () => {
    const want = JSON.parse(answer(NAME, 'df.json')) as {
      Images: {ID: string; Size: string; SharedSize: string; UniqueSize: string; Containers: string}[];
      Containers: {ID: string; Size: string; LocalVolumes: string}[];
      Volumes: {Name: string; Links: string; Size: string}[];
    };
    const got = cliJson<{
      Images: {ID: string; Containers: number}[];
      Containers: {ID: string; SizeRw: number; LocalVolumes: number}[];
      Volumes: {Name: string; Links: number}[];
    }>(['df', '--root', root]);
    const text = lines(cli(['df', '--root', root]).stdout);
    const rows = (title: string) => {
      const start = text.indexOf(title) + 2;
      return text
        .slice(
          start,
          text.findIndex((l, i) => i > start && l.endsWith('space usage:')),
        )
        .map(cells);
    };
    const imageRows = rows('Images space usage:');
    for (const w of want.Images) {
      expect(String(got.Images.find((i) => i.ID === w.ID)!.Containers), w.ID).toBe(w.Containers);
      expect(imageRows.find((r) => w.ID.startsWith(`sha256:${r[2]}`))?.slice(4, 7), w.ID).toEqual([w.Size, w.SharedSize, w.UniqueSize]);
    }
    expect(got.Containers.map((c) => c.ID.slice(0, 12))).toEqual(want.Containers.map((w) => w.ID.slice(0, 12)));
    for (const [i, w] of want.Containers.entries()) {
      expect(String(got.Containers[i]!.LocalVolumes)).toBe(w.LocalVolumes);
      expect(rows('Containers space usage:')[i]![4], w.ID).toBe(w.Size); // ID IMAGE COMMAND LOCAL-VOLUMES SIZE …
    }
    for (const w of want.Volumes) expect(String(got.Volumes.find((v) => v.Name === w.Name)!.Links), w.Name).toBe(w.Links);
  });
});

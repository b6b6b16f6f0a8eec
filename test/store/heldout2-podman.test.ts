// A held-out podman 4.3 root (fixtures/heldout2-podman/make.sh: multi-stage build, hard links,
// a non-UTF-8 name, a directory deleted and recreated, chmod-only changes, a moved tag, a commit,
// a renamed and a removed container), read by layerscope and compared with podman's own answers;
// the same scenario on the vfs driver (fixtures/heldout2-podman-vfs).
import {decodeBytes, escape} from '../../source/text/escape.js';
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openSource} from '../../source/store/open.js';
import {layerRows} from '../../source/ui/rows.js';
import {CLI, cli, cliJson} from '../helpers/cli.js';
import {answer, cells, cleanupFixtures, extractFixture, FIXTURES, fixtureSkip, lines} from '../helpers/fixture-root.js';
import {goUnitsSize} from '../helpers/go-units.js';
import {findTree, lsTree} from '../helpers/find-tree.js';

const hex = (id: string) => id.replace(/^sha256:/, '');

for (const NAME of ['heldout2-podman', 'heldout2-podman-vfs']) {
  const why = fixtureSkip(NAME);
  const json = <T>(file: string) => JSON.parse(answer(NAME, file)) as T;
  const vfs = NAME.endsWith('-vfs');

  describe.skipIf(why)(`a held-out podman root (${NAME}) vs podman's answers${why ? ` (skipped: ${why})` : ''}`, () => {
    let root = '';
    const here = (path: string) => path.replace(`${answer(NAME, 'workdir.txt').trim()}/root/`, `${root}/`);
    beforeAll(() => {
      root = join(extractFixture(NAME), 'root');
    });
    afterAll(() => cleanupFixtures());

    it('images -a: ids, names, sizes and parents equal podman images -a', () => {
      const want = json<{Id: string; ParentId: string; Names?: string[]; Size: number}[]>('images.json');
      const got = cliJson<{Repository: string; Tag: string; ID: string; Size: number; ParentId?: string}[]>(['images', '--root', root]);
      expect(new Set(got.map((g) => hex(g.ID)))).toEqual(new Set(want.map((w) => w.Id)));
      for (const w of want) {
        const rows = got.filter((g) => hex(g.ID) === w.Id);
        expect(rows.map((r) => (r.Repository === '<none>' ? undefined : `${r.Repository}:${r.Tag}`)).filter(Boolean)).toEqual(w.Names ?? []);
        expect(rows[0]!.Size, w.Id).toBe(w.Size);
        expect(hex(rows[0]!.ParentId ?? ''), `parent of ${w.Id}`).toBe(w.ParentId);
      }
    });

    for (const image of ['multi:1', 'many:1', 'many:2', 'committed:1', 'localbase:1']) {
      it(`history ${image} equals podman history`, () => {
        const want = json<{id: string; CreatedBy: string; size: number; comment: string}[]>(`history-${image.replace(':', '-')}.json`);
        const got = cliJson<{ID: string; CreatedBy: string; Size: number; Comment: string}[]>(['history', image, '--root', root]);
        expect(got.map((g) => [hex(g.ID), g.CreatedBy, g.Size, g.Comment])).toEqual(want.map((w) => [w.id, w.CreatedBy, w.size, w.comment]));
      });
    }

    for (const c of ['c1', 'c2', 'c3', 'c4']) {
      it(`diff ${c} equals podman diff${vfs ? ' (vfs: podman walks a Go map, its order changes per run)' : ", in podman's order"}`, () => {
        const r = cli(['diff', c, '--root', root]);
        expect(r.code, r.stderr).toBe(0);
        const order = (l: string[]) => (vfs ? l.sort() : l);
        // podman prints a name's raw bytes; layerscope escapes them (issue 12: nothing raw reaches the terminal)
        const want = decodeBytes(readFileSync(join(FIXTURES, NAME, 'answers', `diff-${c}.txt`)))
          .split('\n')
          .filter(Boolean)
          .map((l) => l.slice(0, 2) + escape(l.slice(2)));
        expect(order(lines(r.stdout))).toEqual(order(want));
      });
      it(`mounts ${c} equals podman inspect .Mounts`, () => {
        const want = json<{Mounts: Record<string, unknown>[]}[]>(`inspect-${c}.json`)[0]!.Mounts.map((m) => ({...m, Source: here(String(m.Source))}));
        expect(cliJson<Record<string, unknown>[]>(['mounts', c, '--root', root])).toEqual(want);
      });
    }

    for (const [ref, file] of [
      ['many:2', 'ls-many-2.txt'],
      ['multi:1', 'ls-multi-1.txt'],
      ['c1', 'ls-c1.txt'],
      ['c3', 'ls-c3.txt'],
    ] as const) {
      it(`ls ${ref} equals the tree of the kernel's overlay mount`, () => {
        // Names that are not UTF-8 compared by their bytes (--json keeps them as lone surrogates).
        expect(lsTree(cliJson(['ls', ref, '--root', root]))).toEqual(findTree(join(FIXTURES, NAME, 'answers', file)));
      });
    }

    it("the explorer's layers pane shows a container's writable layer at podman's SizeRw (podman ps --size)", async () => {
      const store = await openSource(root);
      for (const c of json<{Id: string; Size: {rwSize: number}}[]>('ps.json')) {
        const container = store.containers.find((x) => x.id === c.Id)!;
        const rows = layerRows(store, store.images.get(container.imageId), container);
        expect([c.Id, rows.at(-1)!.size]).toEqual([c.Id, c.Size.rwSize]);
      }
    });

    if (!vfs) {
      it('diff c1 shows a name that is not UTF-8 escaped (\\xff), where podman diff prints the raw byte', () => {
        const r = spawnSync(process.execPath, [CLI, 'diff', 'c1', '--root', root]);
        expect(r.stdout.toString('latin1')).toContain('/new/\\xff');
        expect(r.stdout.includes(0xff)).toBe(false);
      });
    }

    it("ls --json keeps a name's bytes that are not UTF-8 (\\377 as \\udcff)", () => {
      const got = cliJson<{Path: string; Size: number}[]>(['ls', 'c1', '/new', '--root', root]).filter((e) => /[\udc80-\udcff]/.test(e.Path));
      expect(got.map((e) => [e.Path, e.Size])).toEqual([['/new/\udcff', 1]]);
    });

    it('volumes equal podman volume inspect', () => {
      const want = json<{Name: string; Driver: string; Mountpoint: string; CreatedAt: string; Labels: Record<string, string>}[]>('volumes.json');
      const got = cliJson<{Name: string; Driver: string; Mountpoint: string; CreatedAt: string; Labels: Record<string, string>}[]>(['volumes', '--root', root]);
      expect(got.map((g) => [g.Name, g.Driver, g.Mountpoint, g.CreatedAt, g.Labels])).toEqual(
        want.map((w) => [w.Name, w.Driver, here(w.Mountpoint), w.CreatedAt, w.Labels]),
      );
    });

    it('df equals podman system df -v, in its order (a non-UTF-8 name in a container layer counts in its size)', () => {
      const text = lines(answer(NAME, 'df.txt'));
      const section = (title: string) => {
        const start = text.findIndex((l) => l.startsWith(title)) + 2;
        const end = text.findIndex((l, i) => i > start && /space usage:$/.test(l));
        return text.slice(start, end < 0 ? undefined : end).map(cells);
      };
      const r = cli(['df', '--root', root, '--json']);
      expect(r.stderr).toBe('');
      const got = JSON.parse(r.stdout) as {
        Images: {ID: string; Size: number; SharedSize: number; UniqueSize: number}[];
        Containers: {ID: string; SizeRw: number; LocalVolumes: number}[];
        Volumes: {Name: string; Links: number; Size: number}[];
      };
      // podman 4 lists images in storage order and containers by id.
      expect(got.Images.map((i) => hex(i.ID).slice(0, 12))).toEqual(section('Images space usage:').map((r) => r[2]));
      expect(got.Containers.map((c) => c.ID.slice(0, 12))).toEqual(section('Containers space usage:').map((r) => r[0]));
      for (const [, , id, , size, shared, unique] of section('Images space usage:')) {
        const g = got.Images.find((i) => hex(i.ID).startsWith(id!))!;
        expect([goUnitsSize(g.Size), goUnitsSize(g.SharedSize), goUnitsSize(g.UniqueSize)], id).toEqual([size, shared, unique]);
      }
      for (const c of json<{Id: string; Size: {rwSize: number}}[]>('ps.json'))
        expect(got.Containers.find((g) => g.ID === c.Id)?.SizeRw, c.Id).toBe(c.Size.rwSize);
      for (const row of section('Containers space usage:')) {
        expect(String(got.Containers.find((c) => c.ID.startsWith(row[0]!))!.LocalVolumes), row[0]).toBe(row.at(-5));
      }
      for (const [name, links, size] of section('Local Volumes space usage:')) {
        const g = got.Volumes.find((v) => v.Name === name)!;
        expect([String(g.Links), goUnitsSize(g.Size)], name).toEqual([links, size]);
      }
    });
  });
}

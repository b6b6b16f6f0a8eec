// Held-out Docker roots (Docker 20.10 with overlay2 and vfs; Docker 26 with the containerd image
// store) built by a scenario unlike real-store-a and containerd-docker (multi-stage build, hard links across layers, symlinked directories, a deep tree,
// many whiteouts, chmod/chown-only layers, odd names, a capability xattr, docker commit, a moved
// tag, running/exited/created containers, named/anonymous/bind volumes and a tmpfs), compared
// with what the daemon itself said (fixtures/heldout-*/answers, captured by make.sh).
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cli, cliJson} from '../helpers/cli.js';
import {answer, cells, cleanupFixtures, extractFixture, fixtureSkip, jsonLines, lines} from '../helpers/fixture-root.js';
import {dockerHistory, ourHistory} from '../helpers/docker-history.js';
import {volumeRows, type VolumeRow} from '../helpers/docker-volumes.js';

const CONTAINERS = ['run1', 'ex1', 'cr1', 'oldc', 'comm', 'vf'];
/** A name holding a byte that is not UTF-8 (Python's surrogateescape in the export answers). */
const notUtf8 = (p: string) => /[\udc80-\udcff]/.test(p);

/** Each fixture and the options naming its roots once extracted into `dir`. */
const ROOTS: [string, (dir: string) => string[]][] = [
  ['heldout-overlay2', (dir) => ['--root', dir]],
  ['heldout-vfs', (dir) => ['--root', dir]],
  ['heldout-containerd-docker', (dir) => ['--root', join(dir, 'docker-root'), '--containerd-root', join(dir, 'containerd-root')]],
];

for (const [NAME, options] of ROOTS) {
  const skip = fixtureSkip(NAME);
  describe.skipIf(!!skip)(`${NAME}: a held-out Docker root vs the daemon's answers${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let args: string[];
    let root: string;
    let captured: string;
    const run = (cmd: string[]) => cli([...cmd, ...args]);
    const json = <T>(cmd: string[]) => cliJson<T>([...cmd, ...args]);
    beforeAll(() => {
      args = options(extractFixture(NAME));
      root = args[1]!;
      captured = answer(NAME, 'captured-root.txt').trim();
    });
    afterAll(cleanupFixtures);

    it('images equal docker images -a (ids, tags, sizes; intermediate and dangling images untagged)', () => {
      const want = lines(answer(NAME, 'images-a.txt'))
        .slice(1)
        .map(cells)
        .map((r) => `${r[0]}|${r[1]}|${r[2]}|${r.at(-1)}`);
      const got = json<{Repository: string; Tag: string; ID: string; SizeHuman: string}[]>(['images']).map(
        (g) => `${g.Repository}|${g.Tag}|${g.ID}|${g.SizeHuman}`,
      );
      expect(new Set(got)).toEqual(new Set(want));
      expect(got.length).toBe(want.length);
    });

    it('history of every image equals docker history (multi-stage, empty layers, commit, the moved tag)', () => {
      const ids = [
        ...new Set(
          lines(answer(NAME, 'images-a.txt'))
            .slice(1)
            .map((l) => cells(l)[2]!),
        ),
      ];
      expect(ids.length).toBeGreaterThan(10);
      for (const id of ids) {
        expect(ourHistory(json(['history', id])), id).toEqual(dockerHistory(NAME, id));
      }
    });

    for (const c of CONTAINERS) {
      it(`diff ${c} equals docker diff ${c}`, () => {
        const r = run(['diff', c]);
        expect(r.code).toBe(0);
        expect(new Set(lines(r.stdout))).toEqual(new Set(lines(answer(NAME, `diff-${c}.txt`))));
        expect(lines(r.stdout).length).toBe(lines(answer(NAME, `diff-${c}.txt`)).length);
      });

      it(`ls ${c} equals docker export ${c}: paths, types, modes, owners, sizes, link targets`, () => {
        type Want = {path: string; type: string; mode: number; uid: number; gid: number; size: number; link: string};
        // Names that are not UTF-8 are in both as their bytes (lone surrogates in JSON, text/escape.ts).
        const want = jsonLines<Want>(answer(NAME, `export-${c}.jsonl`)).filter((w) => w.path !== '/');
        const got = json<{Path: string; Type: string; Mode: number; Uid: number; Gid: number; Size: number; LinkTarget?: string}[]>(['ls', c, '/']);
        const types: Record<string, string> = {'0': 'file', '1': 'file', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo'};
        const theirs = want.map((w) =>
          [w.path, types[w.type], w.mode & 0o7777, w.uid, w.gid, w.type === '0' ? w.size : '-', w.type === '2' ? w.link : ''].join('|'),
        );
        const ours = got.map((g) =>
          [
            g.Path,
            g.Type,
            g.Mode & 0o7777,
            g.Uid,
            g.Gid,
            g.Type === 'file' && !hardLinkInExport(want, g.Path) ? g.Size : '-',
            g.Type === 'symlink' ? g.LinkTarget : '',
          ].join('|'),
        );
        expect(new Set(ours)).toEqual(new Set(theirs));
        expect(got.length).toBe(want.length);
      });

      it(`mounts ${c} equal docker inspect .Mounts (named, anonymous and bind volumes)`, () => {
        const byDest = (a: {Destination: string}, b: {Destination: string}) => a.Destination.localeCompare(b.Destination);
        const want = (JSON.parse(answer(NAME, `mounts-${c}.json`)) as {Destination: string; Source: string}[]).sort(byDest);
        const got = json<{Destination: string; Source: string}[]>(['mounts', c])
          .map((m) => ({...m, Source: m.Source.replace(root, join(captured))}))
          .sort(byDest);
        expect(got).toEqual(want);
      });
    }

    it('ls lists a name that is not UTF-8 by its bytes', () => {
      const want = jsonLines<{path: string}>(answer(NAME, 'export-run1.jsonl'))
        .filter((w) => notUtf8(w.path))
        .map((w) => w.path);
      const got = json<{Path: string}[]>(['ls', 'run1', '/']).map((g) => g.Path);
      for (const p of want) expect(got).toContain(p);
    });

    it('volumes equal docker volume inspect (labels, anonymous volume; CreatedAt is the ctime of the extracted copy)', () => {
      expect(volumeRows(json<VolumeRow[]>(['volumes']), root, captured)).toEqual(
        volumeRows(JSON.parse(answer(NAME, 'volumes.json')) as VolumeRow[], root, captured),
      );
    });

    it('df equals docker system df -v: sizes, shared/unique sizes, container counts, and the columns aligned as the docker CLI aligns them', () => {
      const text = answer(NAME, 'system-df-v.txt');
      const out = run(['df']);
      expect(out.code).toBe(0);
      const section = (all: string, title: string) => lines(all.slice(all.indexOf(title)).split('\n\n')[1]!);
      const key = (rows: string[][], cols: number[]) => new Set(rows.map((r) => cols.map((i) => r[i]).join('|')));
      const img = (all: string) => section(all, 'Images space usage').slice(1).map(cells);
      expect(key(img(out.stdout), [0, 1, 2, 4, 5, 6, 7])).toEqual(key(img(text), [0, 1, 2, 4, 5, 6, 7]));
      // The docker CLI's tabwriter (minwidth 10, padding 3): headers sit where docker puts them
      // (up to CREATED, whose width follows the ages, which differ from the capture's).
      const upToCreated = (all: string) => section(all, 'Images space usage')[0]!.replace(/CREATED.*/, '');
      expect(upToCreated(out.stdout)).toBe(upToCreated(text));
      expect(section(out.stdout, 'Local Volumes space usage')[0]).toBe(section(text, 'Local Volumes space usage')[0]);
      const vol = (all: string) => new Set(section(all, 'Local Volumes space usage'));
      expect(vol(out.stdout)).toEqual(vol(text));
      // Containers: ID, IMAGE (a container whose tag moved shows its image's id), COMMAND, LOCAL VOLUMES, SIZE and NAMES.
      const dockerCtr = section(text, 'Containers space usage')
        .slice(1)
        .map(cells)
        .map((r) => [r[0], r[1], r[2], r[3], r[4], r.at(-1)]);
      const ourCtr = section(out.stdout, 'Containers space usage')
        .slice(1)
        .map(cells)
        .map((r) => [r[0], r[1], r[2], r[3], r[4], r.at(-1)]);
      expect(new Set(ourCtr.map((r) => r.join('|')))).toEqual(new Set(dockerCtr.map((r) => r.join('|'))));
    });

    it('a capability set on an image file with no other change is what docker diff says (C; unchanged on the containerd store)', () => {
      // Docker's graph drivers compare security.capability; its containerd snapshotter diff does not.
      const theirs = lines(answer(NAME, 'diff-run1.txt')).includes('C /srv/big');
      expect(theirs).toBe(!NAME.includes('containerd'));
      expect(lines(run(['diff', 'run1']).stdout).includes('C /srv/big')).toBe(theirs);
    });
  });
}

/** A regular file that docker export streams as a hard link (size 0 in the tar) to an earlier entry. */
function hardLinkInExport(want: {path: string; type: string}[], path: string): boolean {
  return want.some((w) => w.path === path && w.type === '1');
}

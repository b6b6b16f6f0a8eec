// Docker's own answers about two small roots a real dockerd wrote (overlay2 and vfs), captured by
// fixtures/safety/make.sh: history (truncated and --no-trunc), system df -v, volume inspect,
// ps's IMAGE column after the tag moved, each layer tar of `docker save`, and the saved archive.
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openSource} from '../../source/store/open.js';
import {containerLine} from '../../source/ui/rows.js';
import {cli} from '../helpers/cli.js';

const needsRoot = process.getuid?.() === 0 ? undefined : 'extracting this fixture (it holds the block-device node volumes/backingFsBlockDev) needs root';

const FIXTURE = resolve(import.meta.dirname, '../../fixtures/safety');
const answer = (driver: string, name: string) => readFileSync(join(FIXTURE, 'answers', driver, name), 'utf8');

/** Rows of a docker-style table, cut at the header's column starts, without the named columns. */
function columns(text: string, headers: string[], drop: string[] = []): string[][] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const head = lines[0]!;
  const starts = headers.map((h) => head.indexOf(h));
  expect(
    starts.every((s) => s >= 0),
    `headers ${headers.join(',')} in ${head}`,
  ).toBe(true);
  return lines.slice(1).map((l) => headers.flatMap((h, i) => (drop.includes(h) ? [] : [l.slice(starts[i], starts[i + 1] ?? l.length).trim()])));
}

/** A section of `docker system df -v` output, from its title to the next blank-line-separated title. */
function section(text: string, title: string): string {
  const start = text.indexOf(title);
  expect(start, title).toBeGreaterThanOrEqual(0);
  const rest = text.slice(start + title.length).replace(/^\n+/, '');
  const end = rest.search(/\n\n[A-Z][a-z]/);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Entries of a layer tar as `tar -tv` lists them: name, type, data size, symlink target (hard links as the file they are). */
function entries(listing: string): string[] {
  // fields: mode owner size [date time] name...; make.sh blanked docker's dates
  const lines = listing
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(/\s+/))
    .map((f) => (/^\d{4}-\d\d-\d\d$/.test(f[3]!) ? [...f.slice(0, 3), ...f.slice(5)] : f));
  const sizes = new Map<string, string>();
  const norm = (n: string) => n.replace(/^\.\//, '').replace(/\/$/, '');
  for (const f of lines) if (f[0]![0] === '-') sizes.set(norm(f.slice(3).join(' ')), f[2]!);
  return lines
    .map((f) => {
      const rest = f.slice(3).join(' ');
      const type = f[0]![0]!;
      if (type === 'h') {
        const [name, target] = rest.split(' link to ');
        return `${norm(name!)} - ${sizes.get(norm(target!))}`;
      }
      if (type === 'l') return `${norm(rest.split(' -> ')[0]!)} l ${rest.split(' -> ')[1]}`;
      return `${norm(rest)} ${type} ${type === '-' ? f[2] : ''}`;
    })
    .filter((e) => !e.startsWith(' ') && e !== '. d ')
    .sort();
}

for (const driver of ['overlay2', 'vfs'] as const) {
  describe.skipIf(!!needsRoot)(`a ${driver} root dockerd wrote, against dockerd's answers${needsRoot ? ` (skipped: ${needsRoot})` : ''}`, () => {
    let base: string;
    let root: string;
    beforeAll(() => {
      base = mkdtempSync(join(tmpdir(), `ls-answers-${driver}-`));
      root = join(base, 'root');
      execFileSync('mkdir', ['-p', root]);
      execFileSync('tar', ['-C', root, '-xzf', join(FIXTURE, 'roots', `${driver}.tar.gz`)]);
    });
    afterAll(() => rmSync(base, {recursive: true, force: true}));

    it('history: 12-character ids and created_by cut like docker history; --no-trunc in full', () => {
      const headers = ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'];
      const ours = cli(['history', 'safety:1', '--root', root]);
      expect(ours.code, ours.stderr).toBe(0);
      expect(columns(ours.stdout, headers, ['CREATED'])).toEqual(columns(answer(driver, 'history.txt'), headers, ['CREATED']));
      const full = cli(['history', 'safety:1', '--no-trunc', '--root', root]);
      expect(columns(full.stdout, headers, ['CREATED'])).toEqual(columns(answer(driver, 'history-no-trunc.txt'), headers, ['CREATED']));
    });

    it('df: a row per image, containers with COMMAND and CREATED and the image id when the tag moved on, the build-cache line', () => {
      const r = cli(['df', '--root', root]);
      expect(r.code, r.stderr).toBe(0);
      const docker = answer(driver, 'system-df-v.txt');
      const img = ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'];
      expect(columns(section(r.stdout, 'Images space usage:'), img, ['CREATED'])).toEqual(columns(section(docker, 'Images space usage:'), img, ['CREATED']));
      const ctr = ['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES'];
      expect(columns(section(r.stdout, 'Containers space usage:'), ctr, ['CREATED'])).toEqual(
        columns(section(docker, 'Containers space usage:'), ctr, ['CREATED']),
      );
      const vol = ['VOLUME NAME', 'LINKS', 'SIZE'];
      expect(columns(section(r.stdout, 'Local Volumes space usage:'), vol).sort()).toEqual(columns(section(docker, 'Local Volumes space usage:'), vol).sort());
      expect(r.stdout.trimEnd().endsWith(docker.slice(docker.indexOf('Build cache usage:')).trimEnd())).toBe(true);
      const ps = answer(driver, 'ps-image.txt').trim().split('\n');
      const ours = columns(section(r.stdout, 'Containers space usage:'), ctr)
        .map((row) => `${row[7]} ${row[1]}`)
        .sort();
      expect(ours).toEqual(ps);
    });

    it("the explorer's container line names the image as docker ps does (the old image's id once its tag moved on)", async () => {
      const store = await openSource(root);
      for (const line of answer(driver, 'ps-image.txt').trim().split('\n')) {
        const [name, image] = line.split(' ');
        const c = store.containers.find((x) => x.name === name)!;
        expect(containerLine(store, c)).toMatch(new RegExp(`^${name} \\(.*, ${image}\\)$`));
      }
    });

    it('volumes: Labels and Options (null, or the options) as docker volume inspect says', () => {
      const docker = JSON.parse(answer(driver, 'volume-inspect.json')) as {Name: string; Labels: unknown; Options: unknown; Driver: string}[];
      const ours = JSON.parse(cli(['volumes', '--json', '--root', root]).stdout) as {
        Name: string;
        Labels: unknown;
        Options: unknown;
        Driver: string;
        Mountpoint: string;
      }[];
      for (const v of docker) {
        const o = ours.find((x) => x.Name === v.Name);
        expect(o, v.Name).toBeDefined();
        expect({Labels: o!.Labels, Options: o!.Options, Driver: o!.Driver}).toEqual({Labels: v.Labels, Options: v.Options, Driver: v.Driver});
        expect(o!.Mountpoint).toBe(join(root, 'volumes', v.Name, '_data'));
      }
    });

    it("export-layer writes each layer's change set as Docker's layer tar holds it (a vfs layer is not its full copy)", () => {
      const layers = JSON.parse(answer(driver, 'rootfs.txt').split('\n')[0]!.split(' ')[1]!) as string[];
      layers.forEach((diffId, n) => {
        const out = join(base, `layer${n}.tar`);
        const r = cli(['export-layer', `safety:1@${n}`, '--out', out, '--root', root]);
        expect(r.code, r.stderr).toBe(0);
        const ours = entries(execFileSync('tar', ['-tvf', out], {encoding: 'utf8'}));
        expect(ours, `layer ${n}`).toEqual(entries(answer(driver, `layer-${diffId.slice(7)}.txt`)));
      });
    });

    it('the image diffed against its own docker save shows no changes; ls and ci agree', () => {
      const archive = join(FIXTURE, 'safety.tar');
      const diff = cli(['diff', `${root}:safety:1`, archive]);
      expect(diff.code, diff.stderr).toBe(0);
      if (driver === 'overlay2') expect(diff.stdout).toBe(''); // safety.tar was saved by the overlay2 daemon
      const fromRoot = cli(['ls', 'safety:1', '--json', '--root', root]);
      const fromArchive = cli(['ls', archive, '--json']);
      const strip = (t: string) =>
        (JSON.parse(t) as Record<string, unknown>[]).map(({Path, Type, Size, LinkTarget, Mode}) => ({
          Path,
          Type,
          Size: Type === 'dir' ? 0 : Size,
          LinkTarget,
          Mode,
        })); // a directory's st_size is the filesystem's
      expect(strip(fromRoot.stdout)).toEqual(strip(fromArchive.stdout));
      const eff = (args: string[]) => {
        const j = JSON.parse(cli(['ci', ...args, '--json']).stdout) as Record<string, unknown>;
        return [j.Efficiency, j.SizeBytes, j.WastedBytes, j.UserSizeBytes];
      };
      expect(eff(['safety:1', '--root', root])).toEqual(eff([archive]));
    });
  });
}

it('the fixture has what the tests need (make.sh wrote it)', () => {
  expect(readdirSync(join(FIXTURE, 'answers')).sort()).toEqual(['overlay2', 'vfs']);
});

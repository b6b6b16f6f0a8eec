// Docker roots of drivers that cannot run here (aufs, zfs, devicemapper), crafted by
// fixtures/drivers/make.sh from a root a real dockerd wrote (same catalog, same files, laid out as
// each driver keeps them), compared with that dockerd's answers. And roots we cannot read.
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cli, cliJson} from '../helpers/cli.js';
import {answer, cells, cleanupFixtures, extractFixture, fixtureSkip, lines} from '../helpers/fixture-root.js';
import {goUnitsSize} from '../helpers/go-units.js';

const why = fixtureSkip('drivers');
const jsonl = <T>(file: string) => lines(answer('drivers', file)).map((l) => JSON.parse(l) as T);

/** `find` over the layer dockerd wrote for scenb:1 (a full tree), as `ls --json` rows. */
function wantTree(): string[] {
  return lines(answer('drivers', 'ls-scenb.txt'))
    .filter((l) => !l.endsWith(' .'))
    .map((l) => {
      const [type, mode, owner, size, ...path] = l.split(' ');
      const kind = type === 'f' ? 'file' : type === 'd' ? 'dir' : type === 'l' ? 'symlink' : type;
      return `${kind} ${mode} ${owner} ${type === 'd' ? '-' : size} ${path.join(' ').slice(1)}`;
    })
    .sort();
}

function gotTree(root: string, ref: string): string[] {
  const got = cliJson<{Path: string; Type: string; Mode: number; Uid: number; Gid: number; Size: number}[]>(['ls', ref, '--root', root]);
  return got.map((e) => `${e.Type} ${e.Mode.toString(8)} ${e.Uid}:${e.Gid} ${e.Type === 'dir' ? '-' : e.Size} ${e.Path}`).sort();
}

interface DockerDf {
  Images: {Repository: string; Tag: string; ID: string; Size: string; SharedSize: string; UniqueSize: string; Containers: string}[];
  Containers: {ID: string; Image: string; Names: string; LocalVolumes: string; Mounts: string; Size: string}[];
  Volumes: {Name: string; Driver: string; Labels: string; Mountpoint: string; Links: string; Size: string}[];
}
/** `docker system df -v --format json` of the dockerd the roots' catalog comes from. */
const dockerDf = () => JSON.parse(answer('drivers', 'df.json')) as DockerDf;

/** The rows of `df`'s three tables (images, containers, local volumes), split into cells. */
function dfSections(stdout: string): {images: string[][]; containers: string[][]; volumes: string[][]} {
  const rows = (title: string) => {
    const part = stdout.split(`${title} space usage:`)[1]!.split(/\n\n(?=\S)/)[1]!;
    return lines(part).slice(1).map(cells);
  };
  return {images: rows('Images'), containers: rows('Containers'), volumes: rows('Local Volumes')};
}

describe.skipIf(why)(`crafted aufs, zfs and devicemapper roots vs dockerd's answers${why ? ` (skipped: ${why})` : ''}`, () => {
  let dir: string | undefined;
  const root = (name: string) => join(dir!, name);
  /** A path dockerd gave, under the root as extracted here. */
  const here = (name: string, path: string) => path.replace(`${answer('drivers', 'data-root.txt').trim()}/`, `${root(name)}/`);
  beforeAll(() => {
    dir = extractFixture('drivers');
  });
  afterAll(() => cleanupFixtures());

  for (const name of ['aufs-root', 'zfs-root', 'dm-root']) {
    it(`${name}: images and history equal docker's, with a notice that the driver is read from its layout`, () => {
      const images = cliJson<{ID: string; Repository: string; Tag: string; SizeHuman: string}[]>(['images', '--root', root(name)]);
      expect(images.map((g) => [g.ID, g.Repository, g.Tag, g.SizeHuman]).sort()).toEqual(
        jsonl<{ID: string; Repository: string; Tag: string; Size: string}>('images.jsonl')
          .map((w) => [w.ID, w.Repository, w.Tag, w.Size])
          .sort(),
      );
      const history = cliJson<{ID: string; CreatedBy: string; SizeHuman: string}[]>(['history', 'scenb:1', '--root', root(name)]);
      expect(history.map((g) => [g.ID, g.CreatedBy, g.SizeHuman])).toEqual(
        jsonl<{ID: string; CreatedBy: string; Size: string}>('history-scenb.jsonl').map((w) => [w.ID, w.CreatedBy, w.Size]),
      );
      expect(cli(['images', '--root', root(name)]).stderr).toMatch(/note: (aufs|zfs|devicemapper) driver read from its documented on-disk layout/);
    });
  }

  for (const name of ['aufs-root', 'zfs-root']) {
    // zfs: only b1's datasets are mounted in the fixture (b2's are tested as unmounted below).
    for (const c of name === 'zfs-root' ? ['b1'] : ['b1', 'b2']) {
      it(`${name}: diff ${c} equals docker diff`, () => {
        const r = cli(['diff', c, '--root', root(name)]);
        // 3: printed, with warnings about the unmounted datasets of b2's layers read on the way
        expect(name === 'zfs-root' ? [0, 3] : [0], r.stderr).toContain(r.code);
        if (name === 'aufs-root') {
          // Docker's aufs driver walks the layer's own directory (moby archive.Changes): its answer,
          // order included, comes from moby's code run over these layers (kept as captured).
          expect(lines(r.stdout)).toEqual(lines(answer('drivers', `aufs-diff-${c}.txt`)));
        } else expect(lines(r.stdout).sort()).toEqual(lines(answer('drivers', `diff-${c}.txt`)).sort());
      });
    }
    it(`${name}: ls scenb:1 equals the tree dockerd wrote for it`, () => {
      expect(gotTree(root(name), 'scenb:1')).toEqual(wantTree());
    });
  }

  // make.sh mounts only b1's zfs datasets and no thin device: the sizes of the other containers'
  // writable layers cannot be read there, where dockerd (which mounts them) gives them.
  const unmountedRw: Record<string, string[]> = {'aufs-root': [], 'zfs-root': ['b2'], 'dm-root': ['b1', 'b2']};

  for (const name of ['aufs-root', 'zfs-root', 'dm-root']) {
    it(`${name}: df equals docker system df -v (image sizes and shares, containers' volumes and sizes — N/A where unmounted —, volume links and sizes)`, () => {
      const want = dockerDf();
      const r = cli(['df', '--root', root(name)]);
      expect(r.code, r.stderr).toBe(unmountedRw[name]!.length ? 3 : 0);
      const got = dfSections(r.stdout);
      expect(got.images.map((c) => [c[0], c[1], c[2], c[4], c[5], c[6], c[7]])).toEqual(
        want.Images.map((w) => [w.Repository, w.Tag, w.ID.slice(7, 19), w.Size, w.SharedSize, w.UniqueSize, w.Containers]),
      );
      expect(got.containers.map((c) => [c[0], c[1], c[3], c[4], c[7]])).toEqual(
        want.Containers.map((w) => [w.ID.slice(0, 12), w.Image, w.LocalVolumes, unmountedRw[name]!.includes(w.Names) ? 'N/A' : w.Size, w.Names]),
      );
      expect(got.volumes.sort()).toEqual(want.Volumes.map((w) => [w.Name, w.Links, w.Size]).sort());
    });

    it(`${name}: volumes equal docker system df -v's (driver, labels, mountpoint, links, size)`, () => {
      const key = (v: {Name: string; Driver: string; Labels: string; Mountpoint: string; Links: string; Size: string}) =>
        [v.Name, v.Driver, v.Labels, v.Mountpoint, v.Links, v.Size].join('|');
      const got = cliJson<
        {Name: string; Driver: string; Labels: Record<string, string> | null; Mountpoint: string; UsageData: {RefCount: number; Size: number}}[]
      >(['volumes', '--root', root(name)]);
      expect(
        got
          .map((v) =>
            key({
              ...v,
              Labels: Object.entries(v.Labels ?? {})
                .map(([k, val]) => `${k}=${val}`)
                .join(','),
              Links: String(v.UsageData.RefCount),
              Size: goUnitsSize(v.UsageData.Size),
            }),
          )
          .sort(),
      ).toEqual(
        dockerDf()
          .Volumes.map((w) => key({...w, Mountpoint: here(name, w.Mountpoint)}))
          .sort(),
      );
    });

    it(`${name}: mounts of b1 and b2 are the volumes docker system df -v names for them, at their mountpoints`, () => {
      const want = dockerDf();
      for (const c of want.Containers) {
        const got = cliJson<{Type: string; Name: string; Source: string}[]>(['mounts', c.Names, '--root', root(name)]);
        expect(got.map((m) => m.Name || m.Source).sort()).toEqual(c.Mounts.split(',').sort());
        expect(got.filter((m) => m.Type === 'volume')).toHaveLength(Number(c.LocalVolumes));
        const mountpoint = new Map(want.Volumes.map((v) => [v.Name, here(name, v.Mountpoint)]));
        for (const m of got) expect(m.Source).toBe(mountpoint.get(m.Name));
      }
    });
  }

  it('aufs: .wh. whiteouts delete, and the branch-root entries (.wh..wh.aufs, .wh..wh.plnk, .wh..wh.orph) are not files of the image', () => {
    const r = cli(['diff', 'scenb:1@2', '--root', root('aufs-root')]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toEqual(expect.arrayContaining(['D /srv/app/gone', 'D /srv/app/lib/b.txt', 'A /srv/app/lib/c.txt']));
    expect(gotTree(root('aufs-root'), 'b1').filter((l) => l.includes('.wh.'))).toEqual([]);
  });

  it('zfs: a layer whose dataset is not mounted is named, with a non-zero exit; the catalog is still shown', () => {
    const r = cli(['ls', 'localbase:1', '--root', root('zfs-root')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/zfs dataset of layer [0-9a-f]{64} is not mounted at zfs\/graph\//);
    expect(cli(['diff', 'b2', '--root', root('zfs-root')]).code).toBe(1);
    expect(cli(['images', '--root', root('zfs-root')]).code).toBe(0);
  });

  it('devicemapper: contents need thin-device activation — ls and diff say so and exit non-zero', () => {
    for (const args of [
      ['ls', 'scenb:1'],
      ['diff', 'b1'],
    ]) {
      const r = cli([...args, '--root', root('dm-root')]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/device-mapper thin device .*activated \(dmsetup\)/);
    }
  });
});

describe('roots layerscope cannot read are errors naming what was found', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'layerscope-unknown-'));
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it('an image/<driver> of an unknown driver exits non-zero naming it', () => {
    mkdirSync(join(dir, 'docker', 'image', 'windowsfilter'), {recursive: true});
    const r = cli(['images', '--root', join(dir, 'docker')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/image\/windowsfilter.*(not one layerscope reads|cannot read)/);
  });

  it('a containers-storage root of another driver exits non-zero naming it', () => {
    mkdirSync(join(dir, 'cs', 'btrfs-layers'), {recursive: true});
    const r = cli(['images', '--root', join(dir, 'cs')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('containers-storage root with the btrfs driver');
  });
});

// A second scenario made by a real dockerd during the test (fixtures/scenario-b): every
// kind of layer change, three containers in three states, labelled named volumes,
// anonymous volumes, a bind mount and a tmpfs. layerscope reads the daemon's live root,
// read-only, and must give Docker's own answers.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cli, cliJson} from '../helpers/cli.js';
import {startDaemon, type Daemon} from '../helpers/dockerd.js';
import {snapshot} from '../helpers/snapshot.js';
import {lines} from '../helpers/fixture-root.js';

const SCENARIO = resolve(import.meta.dirname, '../../fixtures/scenario-b');
const tag = `lsscen${process.pid}`;
const image = `${tag}:1`;
const names = {running: `${tag}-b1`, exited: `${tag}-b2`, created: `${tag}-b3`};
const volume = `${tag}-vol`;

let daemon: Daemon | string = 'not started';
const docker = (...args: string[]) => (daemon as Daemon).docker(...args);
let hostDir = '';

beforeAll(async () => {
  daemon = await startDaemon({baseImage: true});
  if (typeof daemon === 'string') return;
  hostDir = mkdtempSync(join(tmpdir(), 'layerscope-host-'));
  writeFileSync(join(hostDir, 'h.txt'), 'host\n');
  await docker('build', '-q', '-t', image, SCENARIO);
  await docker(
    'volume',
    'create',
    '--label',
    'team=qa',
    '--label',
    'tier=2',
    '--opt',
    'type=tmpfs',
    '--opt',
    'device=tmpfs',
    '--opt',
    'o=size=1m',
    `${volume}-opts`,
  );
  await docker('volume', 'create', '--label', 'team=qa', volume);
  await docker(
    'run',
    '-d',
    '--name',
    names.running,
    '--network',
    'none',
    '-v',
    `${volume}:/mnt/v`,
    '--mount',
    `type=bind,source=${hostDir},target=/h,readonly`,
    '--tmpfs',
    '/run/t',
    '--user',
    '0',
    image,
  );
  await docker(
    'exec',
    names.running,
    'sh',
    '-c',
    'echo more >> /srv/app/a.txt; chmod 600 /srv/app/lib/c.txt; chown 5:5 /srv/app/notes.txt; touch /srv/app/big; rm -rf /srv/app/lib/deep; ' +
      'mkdir -p /srv/app/new/x/y && echo n > /srv/app/new/x/y/z; mv /srv/app/notes.txt /srv/app/notes.moved; ln /srv/app/swapdir /srv/app/swap.link; ' +
      'rm /srv/app/swapdir; rm -rf /srv/app/libs && echo f > /srv/app/libs; echo v > /mnt/v/vol.txt; echo t > /run/t/x; mkdir -p /etc/extra && echo e > /etc/extra/e; ' +
      'rm /etc/passwd; echo data > /srv/app/data/d; ln -s /nowhere /srv/app/dangling',
  );
  await docker('run', '-d', '--name', names.exited, '--network', 'none', image);
  await docker(
    'exec',
    '-u',
    '0',
    names.exited,
    'sh',
    '-c',
    'rm -rf /srv/app/lib; mkdir /srv/app/lib; echo q > /srv/app/lib/q; chmod 700 /srv/app; cat /srv/app/big > /dev/null',
  );
  await docker('stop', '-t', '1', names.exited);
  await docker('create', '--name', names.created, '--network', 'none', '-v', `${volume}:/mnt/v:ro`, '-v', `${volume}-opts:/mnt/o`, image);
}, 600_000);

afterAll(async () => {
  if (typeof daemon !== 'string') await daemon.stop();
  if (hostDir) rmSync(hostDir, {recursive: true, force: true});
}, 120_000);

const ready = () => (typeof daemon === 'string' ? daemon : undefined);

describe('a root written by a real dockerd during the test', () => {
  const root = () => (daemon as Daemon).dataRoot;

  for (const [state, name] of Object.entries(names)) {
    it(`diff of the ${state} container equals docker diff`, async (ctx) => {
      if (ready()) return ctx.skip(ready());
      const want = lines(await docker('diff', name));
      const r = cli(['diff', name, '--root', root()]);
      expect(r.code, r.stderr).toBe(0);
      expect(new Set(lines(r.stdout))).toEqual(new Set(want));
      expect(lines(r.stdout).length).toBe(want.length);
    });
  }

  it('history equals docker history (ids, created_by, sizes)', async (ctx) => {
    if (ready()) return ctx.skip(ready());
    const want = lines(await docker('history', '--no-trunc', '--format', '{{json .}}', image)).map(
      (l) => JSON.parse(l) as {ID: string; CreatedBy: string; Size: string; Comment: string},
    );
    const got = cliJson<{ID: string; CreatedBy: string; SizeHuman: string; Comment: string}[]>(['history', image, '--root', root()]);
    expect(got.map((g) => [g.ID, g.CreatedBy, g.SizeHuman, g.Comment])).toEqual(want.map((w) => [w.ID, w.CreatedBy, w.Size, w.Comment]));
    const bytes = lines(await docker('history', '--no-trunc', '--human=false', '--format', '{{.Size}}', image)).map(Number);
    expect(cliJson<{Size: number}[]>(['history', image, '--root', root()]).map((g) => g.Size)).toEqual(bytes);
  });

  it('df equals docker system df -v for our image, containers and volumes', async (ctx) => {
    if (ready()) return ctx.skip(ready());
    type DfImage = {Id: string; Size: number; SharedSize: number; Containers: number};
    type DfContainer = {Id: string; SizeRw?: number};
    type DfVolume = {Name: string; UsageData: {Size: number; RefCount: number}};
    const want = JSON.parse(await (daemon as Daemon).api('/system/df')) as {Images: DfImage[]; Containers: DfContainer[]; Volumes: DfVolume[]};
    const got = cliJson<{
      Images: {ID: string; Size: number; SharedSize: number; Containers: number}[];
      Containers: {ID: string; SizeRw: number}[];
      Volumes: {Name: string; Size: number; Links: number}[];
    }>(['df', '--root', root()]);
    expect(new Set(got.Images.map((i) => `${i.ID} ${i.Size} ${i.SharedSize} ${i.Containers}`))).toEqual(
      new Set(want.Images.map((i) => `${i.Id} ${i.Size} ${i.SharedSize} ${i.Containers}`)),
    );
    expect(new Set(got.Containers.map((c) => `${c.ID} ${c.SizeRw}`))).toEqual(new Set(want.Containers.map((c) => `${c.Id} ${c.SizeRw ?? 0}`)));
    expect(new Set(got.Volumes.map((v) => `${v.Name} ${v.Size} ${v.Links}`))).toEqual(
      new Set(want.Volumes.map((v) => `${v.Name} ${v.UsageData.Size} ${v.UsageData.RefCount}`)),
    );
  });

  it('volumes equal docker volume inspect, labels and options included', async (ctx) => {
    if (ready()) return ctx.skip(ready());
    type V = {Name: string; Driver: string; Labels: unknown; Options: unknown; Scope: string; Mountpoint: string; CreatedAt: string};
    const names = lines(await docker('volume', 'ls', '-q'));
    const want = JSON.parse(await docker('volume', 'inspect', ...names)) as V[];
    const got = cliJson<V[]>(['volumes', '--root', root()]);
    const norm = (v: V) => [v.Name, v.Driver, JSON.stringify(v.Labels), JSON.stringify(v.Options), v.Scope, v.Mountpoint, v.CreatedAt].join(' ');
    expect(new Set(got.map(norm))).toEqual(new Set(want.map(norm)));
  });

  for (const [state, name] of Object.entries(names)) {
    it(`mounts of the ${state} container equal docker inspect .Mounts`, async (ctx) => {
      if (ready()) return ctx.skip(ready());
      const want = (JSON.parse(await docker('inspect', name)) as {Mounts: {Destination: string}[]}[])[0]!.Mounts;
      const got = cliJson<{Destination: string}[]>(['mounts', name, '--root', root()]);
      const byDest = (a: {Destination: string}, b: {Destination: string}) => a.Destination.localeCompare(b.Destination);
      expect([...got].sort(byDest)).toEqual([...want].sort(byDest));
    });
  }

  it('reading the live root changes nothing in the image layers', async (ctx) => {
    if (ready()) return ctx.skip(ready());
    const layers = join(root(), 'image');
    const before = snapshot(layers);
    for (const args of [['images'], ['df'], ['history', image], ['ls', image], ['diff', names.running], ['volumes']]) cli([...args, '--root', root()]);
    expect(snapshot(layers)).toEqual(before);
  });
});

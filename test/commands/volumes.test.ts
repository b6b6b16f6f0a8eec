// Volumes of every driver, compared with what a real dockerd 20.10 answered about the root it wrote
// (fixtures/volumes: legacy plugins over a unix socket, a managed plugin, local volumes with tmpfs,
// nfs and bind options, anonymous volumes, containers using them with -v, --mount, :ro,
// volume-driver= and --volume-driver; see make.sh). And nothing outside the root is touched: the
// paths plugins and volume options name lie under a canary directory planted here.
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, type BigIntStats} from 'node:fs';
import {humanSize} from '../../source/tree/human.js';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openRoot} from '../../source/store/docker-root.js';
import {ctimeRfc3339} from '../../source/store/volumes.js';
import {findContainer} from '../../source/store/refs.js';
import {cli, cliJson, CLI} from '../helpers/cli.js';

const needsRoot = process.getuid?.() === 0 ? undefined : 'extracting this fixture (it holds the block-device node volumes/backingFsBlockDev) needs root';

const FIXTURE = resolve(import.meta.dirname, '../../fixtures/volumes');
const ANSWERS = join(FIXTURE, 'answers');
/** The data root make.sh captured; Docker's answers name paths under it. */
const CAPTURED_ROOT = '/tmp/volumes-d/root';
/** Every path a plugin or a volume option names (make.sh's $CANARY). */
const CANARY = '/tmp/layerscope-volumes-canary';

interface InspectedVolume {
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: string;
  Status?: unknown;
}

interface OurVolume extends Omit<InspectedVolume, 'CreatedAt' | 'Mountpoint' | 'Scope'> {
  CreatedAt: string | null;
  Mountpoint: string | null;
  Scope: string | null;
  UsageData: {RefCount: number; Size: number};
  Data: {Kind: string; Description: string; Source?: string; Plugin?: string; ManagedPluginID?: string | null};
  UsedBy: {Container: string; Destination: string; ReadOnly: boolean; How: string | null; Flag: string | null; VolumeDriver: string | null}[];
  Unknown?: {Fields: string[]; Why: string};
}

interface InspectedContainer {
  Name: string;
  Mounts: Record<string, unknown>[];
}

const answer = <T>(file: string): T => JSON.parse(readFileSync(join(ANSWERS, file), 'utf8')) as T;
const lines = <T>(file: string): T[] =>
  readFileSync(join(ANSWERS, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

let root: string;
/** Docker's answer with the captured root's paths moved to where the fixture is extracted. */
const moved = <T>(value: T): T => JSON.parse(JSON.stringify(value).replaceAll(CAPTURED_ROOT, root)) as T;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'layerscope-volumes-'));
  if (needsRoot) return;
  const r = spawnSync('tar', ['-xzf', join(FIXTURE, 'root.tar.gz'), '-C', root]);
  if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
});

afterAll(() => rmSync(root, {recursive: true, force: true}));

describe.skipIf(!!needsRoot)(
  `layerscope volumes on a root with plugin and option volumes (fixtures/volumes)${needsRoot ? ` (skipped: ${needsRoot})` : ''}`,
  () => {
    it('lists every volume docker lists, whatever its driver, with its driver, labels and options ({} vs null)', () => {
      const ours = cliJson<OurVolume[]>(['volumes', '--root', root]);
      const docker = answer<InspectedVolume[]>('volume-inspect.json');
      expect(ours.map((v) => v.Name).sort()).toEqual(docker.map((v) => v.Name).sort());
      for (const d of docker) {
        const v = ours.find((o) => o.Name === d.Name)!;
        expect({Name: v.Name, Driver: v.Driver, Labels: v.Labels, Options: v.Options}).toEqual({
          Name: d.Name,
          Driver: d.Driver,
          Labels: d.Labels,
          Options: d.Options,
        });
      }
      // The API-created volumes kept empty maps; the CLI-created ones have none.
      expect(ours.find((v) => v.Name === 'emptymaps')).toMatchObject({Labels: {}, Options: {}});
      expect(ours.find((v) => v.Name === 'plugempty')).toMatchObject({Labels: {}, Options: {}});
      expect(ours.find((v) => v.Name === 'plain')).toMatchObject({Labels: null, Options: null});
    });

    it("equals docker volume inspect for local volumes; a plugin's own fields are unknown and say why", () => {
      const ours = cliJson<OurVolume[]>(['volumes', '--root', root]);
      for (const d of moved(answer<InspectedVolume[]>('volume-inspect.json'))) {
        const v = ours.find((o) => o.Name === d.Name)!;
        if (d.Driver === 'local') {
          expect({Mountpoint: v.Mountpoint, Scope: v.Scope}).toEqual({Mountpoint: d.Mountpoint, Scope: d.Scope});
          // CreatedAt is the ctime of _data, which extracting the fixture resets: compare the rule, not the instant.
          expect(v.CreatedAt).toBe(
            new Date(Math.floor(statSync(join(root, 'volumes', d.Name, '_data')).ctimeMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
          );
          expect(v.Unknown).toBeUndefined();
        } else {
          expect(d.Status).toBeDefined(); // docker asked the plugin
          expect({CreatedAt: v.CreatedAt, Mountpoint: v.Mountpoint, Scope: v.Scope, Status: v.Status}).toEqual({
            CreatedAt: null,
            Mountpoint: null,
            Scope: null,
            Status: null,
          });
          expect(v.Unknown?.Fields.sort()).toEqual(['CreatedAt', 'Mountpoint', 'Scope', 'Status']);
          expect(v.Unknown?.Why).toContain(`plugin ${d.Driver} answers them at run time`);
        }
      }
    });

    it('says where the data is: _data, what would be mounted, or the plugin that keeps it', () => {
      const ours = new Map(cliJson<OurVolume[]>(['volumes', '--root', root]).map((v) => [v.Name, v]));
      const data = (name: string) => ours.get(name)!.Data;
      expect(data('plain')).toMatchObject({Kind: 'local'});
      expect(data('tmpvol')).toMatchObject({Kind: 'mount', Source: 'tmpfs'});
      expect(data('mtmp')).toMatchObject({Kind: 'mount', Source: 'tmpfs'});
      expect(data('nfsvol')).toMatchObject({Kind: 'mount', Source: `nfs 127.0.0.1:${CANARY}/nfs-export`});
      expect(data('bindvol')).toMatchObject({Kind: 'mount', Source: `bind ${CANARY}/bind-device`});
      for (const name of ['tmpvol', 'nfsvol', 'bindvol']) expect(data(name).Description).toContain('nothing stored in this root');
      const plugins = lines<{ID: string; Name: string}>('plugin-ls.jsonl');
      const managed = plugins.find((p) => p.Name === 'layerscope-volumes-managed:1')!;
      expect(data('managedvol')).toMatchObject({Kind: 'plugin', Plugin: managed.Name, ManagedPluginID: managed.ID});
      expect(data('managedvol').Description).toContain(
        `under its propagated mount ${join(root, 'plugins', managed.ID, 'propagated-mount')}, which the plugin mounts and fills; not read`,
      );
      for (const name of ['plugvol', 'plugbare', 'plugmount', 'plugvd', 'specvol']) {
        expect(data(name)).toMatchObject({Kind: 'plugin', ManagedPluginID: null});
        expect(data(name).Description).toMatch(/^managed by plugin layerscope-volumes-(plug|spec), not in this root/);
      }
      // Sized only where the root holds the data.
      expect(ours.get('plain')!.UsageData.Size).toBeGreaterThan(0);
      for (const name of ['tmpvol', 'nfsvol', 'bindvol', 'plugvol', 'managedvol']) expect(ours.get(name)!.UsageData.Size).toBe(-1);
    });

    it('lists the containers using each volume as docker inspect shows their mounts, and how they asked', () => {
      const ours = new Map(cliJson<OurVolume[]>(['volumes', '--root', root]).map((v) => [v.Name, v]));
      const containers = answer<InspectedContainer[]>('container-inspect.json');
      for (const v of ours.values()) {
        const expected = containers.flatMap((c) =>
          c.Mounts.filter((m) => m.Type === 'volume' && m.Name === v.Name).map((m) => ({
            Container: c.Name.slice(1),
            Destination: m.Destination,
            ReadOnly: !m.RW,
          })),
        );
        expect(
          v.UsedBy.map(({Container, Destination, ReadOnly}) => ({Container, Destination, ReadOnly})).sort((a, b) => a.Container.localeCompare(b.Container)),
        ).toEqual(expected.sort((a, b) => a.Container.localeCompare(b.Container)));
      }
      // How, from the commands make.sh ran.
      const use = (volume: string, container: string) => ours.get(volume)!.UsedBy.find((u) => u.Container === container)!;
      expect(use('labeled', 'c-v')).toMatchObject({How: '-v', Flag: '-v labeled:/labeled:ro', ReadOnly: true});
      expect(use('nfsvol', 'c-mount')).toMatchObject({How: '--mount', Flag: '--mount type=volume,src=nfsvol,dst=/nfs,readonly', ReadOnly: true});
      expect(use('mtmp', 'c-mount').Flag).toBe('--mount type=volume,src=mtmp,dst=/mtmp,volume-opt=device=tmpfs,volume-opt=type=tmpfs');
      expect(use('plugmount', 'c-plugin')).toMatchObject({How: '--mount', VolumeDriver: 'volume-driver=layerscope-volumes-plug'});
      expect(use('plugmount', 'c-plugin').Flag).toBe(
        '--mount type=volume,src=plugmount,dst=/pm,volume-driver=layerscope-volumes-plug,volume-opt=color=blue,volume-label=via=mount',
      );
      expect(use('plugvd', 'c-vd')).toMatchObject({How: '-v', VolumeDriver: '--volume-driver layerscope-volumes-plug'});
      const anonPlugin = [...ours.values()].find((v) => v.Driver === 'layerscope-volumes-plug' && v.UsedBy[0]?.Destination === '/anon')!;
      expect(anonPlugin.UsedBy[0]).toMatchObject({How: 'anonymous -v', Flag: '-v /anon --volume-driver layerscope-volumes-plug'});
      const anonLocal = [...ours.values()].find((v) => v.Driver === 'local' && v.UsedBy[0]?.Destination === '/data')!;
      expect(anonLocal.UsedBy[0]).toMatchObject({Container: 'c-anon', How: 'anonymous -v', Flag: '-v /data'});
      const byDest = (driver: string, dest: string) => [...ours.values()].find((v) => v.Driver === driver && v.UsedBy[0]?.Destination === dest)!.UsedBy[0];
      expect(byDest('local', '/anonm')).toMatchObject({Container: 'c-mount', How: '--mount', Flag: '--mount type=volume,dst=/anonm,volume-nocopy'});
      expect(byDest('local', '/vol')).toMatchObject({Container: 'c-image', How: 'image VOLUME', Flag: 'image VOLUME /vol'});
      expect(byDest('layerscope-volumes-plug', '/vol')).toMatchObject({
        Container: 'c-image-plug',
        How: 'image VOLUME',
        VolumeDriver: '--volume-driver layerscope-volumes-plug',
      });
    });

    it('layerscope mounts equals docker inspect .Mounts for every container', () => {
      // Every container through the store (what `mounts --json` prints), one through the CLI as well.
      const store = openRoot(root);
      for (const c of moved(answer<InspectedContainer[]>('container-inspect.json'))) {
        const ours = JSON.parse(JSON.stringify(findContainer(store, c.Name.slice(1))!.mounts)) as Record<string, unknown>[];
        if (c.Name === '/c-mount') expect(cliJson<Record<string, unknown>[]>(['mounts', 'c-mount', '--root', root])).toEqual(ours);
        const key = (m: Record<string, unknown>) => String(m.Destination);
        expect(ours.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(c.Mounts.sort((a, b) => key(a).localeCompare(key(b))));
      }
      const binds = cli(['mounts', 'c-anon', '--root', root]).stdout;
      expect(binds).toContain(`-v ${CANARY}/host-bind:/hb:ro`);
      expect(binds).toContain('host path · not read');
      const tmpfs = cli(['mounts', 'c-v', '--root', root]).stdout;
      expect(tmpfs).toMatch(/tmpfs .*\/tm .*--mount type=tmpfs,dst=\/tm,tmpfs-size=1048576/);
      expect(tmpfs).toMatch(/tmpfs .*\/run\/t .*size=64k.*--tmpfs \/run\/t:size=64k/);
      const table = cli(['mounts', 'c-plugin', '--root', root]);
      expect(table.code).toBe(0);
      expect(table.stdout).toContain('plugin layerscope-volumes-plug · not in root');
      expect(table.stdout).toContain('-v plugvol:/p:ro');
    });

    it('layerscope df counts the volumes docker system df -v counts (local, no options; {} counts)', () => {
      const docker = answer<{Volumes: {Name: string; Links: string; Size: string}[]; Containers: {Names: string; LocalVolumes: string}[]}>('system-df-v.json');
      const ours = cliJson<{Volumes: {Name: string; Links: number; Size: number}[]; Containers: {Names: string[]; LocalVolumes: number}[]}>([
        'df',
        '--root',
        root,
      ]);
      expect(ours.Volumes.map((v) => v.Name).sort()).toEqual(docker.Volumes.map((v) => v.Name).sort());
      for (const d of docker.Volumes) expect(String(ours.Volumes.find((v) => v.Name === d.Name)!.Links)).toBe(d.Links);
      for (const d of docker.Containers) expect(String(ours.Containers.find((c) => c.Names[0] === d.Names)!.LocalVolumes)).toBe(d.LocalVolumes);
      const text = cli(['df', '--root', root]).stdout;
      const sizes = readFileSync(join(ANSWERS, 'system-df-v.txt'), 'utf8').split('Local Volumes space usage:')[1]!.split('Build cache')[0]!;
      expect(
        text
          .split('Local Volumes space usage:')[1]!
          .split('Build cache')[0]!
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.split(/\s+/))
          .sort(),
      ).toEqual(
        sizes
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.split(/\s+/))
          .sort(),
      );
    });

    it('volumes NAME shows those volumes; an unknown name exits 1 naming it', () => {
      expect(cliJson<OurVolume[]>(['volumes', 'plugvol', 'plain', '--root', root]).map((v) => v.Name)).toEqual(['plugvol', 'plain']);
      const r = cli(['volumes', 'plain', 'nosuch', '--root', root]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('nosuch: no such volume');
    });

    it('lists managed plugins like docker plugin ls, with what they provide and their volumes', () => {
      const ours = cliJson<
        {
          ID: string | null;
          Name: string;
          Description: string | null;
          Enabled: boolean | null;
          Managed: boolean;
          Types: string[];
          Capabilities: string[] | null;
          Volumes: string[];
        }[]
      >(['plugins', '--root', root]);
      const docker = lines<{ID: string; Name: string; Description: string; Enabled: boolean}>('plugin-ls.jsonl');
      const inspect = answer<{Id: string; Config: {Interface: {Types: string[]}; Linux: {Capabilities: string[]}}}[]>('plugin-inspect.json');
      expect(ours.filter((p) => p.Managed).map(({ID, Name, Description, Enabled}) => ({ID, Name, Description, Enabled}))).toEqual(
        docker.map(({ID, Name, Description, Enabled}) => ({ID, Name, Description, Enabled})).sort((a, b) => a.Name.localeCompare(b.Name)),
      );
      for (const p of ours.filter((o) => o.Managed)) {
        const i = inspect.find((x) => x.Id === p.ID)!;
        expect({Types: p.Types, Capabilities: p.Capabilities}).toEqual({Types: i.Config.Interface.Types, Capabilities: i.Config.Linux.Capabilities});
      }
      expect(ours.find((p) => p.Name === 'layerscope-volumes-managed:1')!.Volumes).toEqual(['managedvol']);
      expect(ours.filter((p) => !p.Managed).map((p) => p.Name)).toEqual(['layerscope-volumes-plug', 'layerscope-volumes-spec']);
    });
  },
);

describe('CreatedAt of a local volume', () => {
  it("is _data's ctime truncated to its second, as Go formats it, even in the last half millisecond of one (Node's ctime Date rounds)", () => {
    // Go's time.Unix(s, ns).Format(time.RFC3339) drops the nanoseconds. The first of these came up
    // once in a fresh-clone run (…:32Z): the fixture's _data was extracted in such a last half millisecond.
    const at = (ctimeNs: bigint) => ctimeRfc3339({ctimeNs} as BigIntStats);
    expect(at(1_796_186_911_999_600_000n)).toBe('2026-12-02T04:48:31Z');
    expect(at(1_796_186_911_999_999_999n)).toBe('2026-12-02T04:48:31Z');
    expect(at(1_796_186_912_000_000_000n)).toBe('2026-12-02T04:48:32Z');
  });
});

describe.skipIf(!!needsRoot)(`nothing outside the root is read (fixtures/volumes)${needsRoot ? ` (skipped: ${needsRoot})` : ''}`, () => {
  const commands = (): string[][] => [
    ['volumes'],
    ['volumes', 'plugvol', 'nfsvol', 'bindvol', 'tmpvol', 'managedvol'],
    ['plugins'],
    ['df'],
    // The containers whose mounts name the canary: nfs and bind devices, a bind mount, plugin volumes.
    ...['c-mount', 'c-anon', 'c-plugin'].map((c) => ['mounts', c]),
  ];

  it('leaves the canary paths named by bind devices, nfs options, bind mounts and plugins untouched', (ctx) => {
    if (existsSync(CANARY)) return ctx.skip(`${CANARY} exists (make.sh running?): not planting the canary`);
    const planted = ['bind-device', 'nfs-export', 'host-bind', 'plug/volumes/plugvol', 'plug/volumes/plugbare', 'spec/volumes/specvol'];
    const old = new Date(Date.now() - 7 * 86400_000);
    try {
      for (const dir of planted) {
        mkdirSync(join(CANARY, dir), {recursive: true});
        writeFileSync(join(CANARY, dir, 'canary'), 'must not be read\n');
      }
      // Reading a file or listing a directory moves its atime past an old one, even with relatime.
      const all = planted.flatMap((d) => [join(CANARY, d), join(CANARY, d, 'canary')]);
      for (const p of all) utimesSync(p, old, old);
      const before = all.map((p) => statSync(p).atimeMs);
      for (const args of commands()) expect(cli([...args, '--root', root]).code).toBe(0);
      expect(all.map((p) => statSync(p).atimeMs)).toEqual(before);
    } finally {
      rmSync(CANARY, {recursive: true, force: true});
    }
  });

  it("never opens a path outside the root, nor an option volume's _data or a plugin's propagated mount (strace)", (ctx) => {
    if (spawnSync('strace', ['-V']).status !== 0) return ctx.skip('strace is not installed');
    const log = join(root, '..', `strace-${process.pid}.log`);
    try {
      for (const args of commands()) {
        const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=%file', '-o', log, process.execPath, CLI, ...args, '--root', root, '--json'], {
          encoding: 'utf8',
        });
        if (r.status !== 0 && /ptrace|Operation not permitted/.test(r.stderr)) return ctx.skip(`strace cannot trace here: ${r.stderr.split('\n')[0]}`);
        expect(r.status, r.stderr).toBe(0);
        const paths = [...readFileSync(log, 'utf8').matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
        expect(paths).toContain(join(root, 'volumes', 'metadata.db')); // the trace saw the reads
        expect(
          paths.filter((p) => p.startsWith(CANARY) || p.startsWith(CAPTURED_ROOT)),
          args.join(' '),
        ).toEqual([]);
        // Inside the root: an option volume's _data is a mount point at run time, a plugin's propagated mount is the plugin's.
        const opened = readFileSync(log, 'utf8')
          .split('\n')
          .filter((l) => /\b(open|openat|getdents64)\(/.test(l));
        for (const name of ['tmpvol', 'nfsvol', 'bindvol', 'mtmp'])
          expect(
            opened.filter((l) => l.includes(`/volumes/${name}/_data`)),
            name,
          ).toEqual([]);
        expect(
          opened.filter((l) => l.includes('/propagated-mount') || l.includes('/rootfs')),
          args.join(' '),
        ).toEqual([]);
      }
    } finally {
      rmSync(log, {force: true});
    }
  });
});

describe.skipIf(!!needsRoot)(
  `a root without volumes/metadata.db (fixtures/volumes, copied as make.sh does)${needsRoot ? ` (skipped: ${needsRoot})` : ''}`,
  () => {
    it('shows what dockerd then shows: no labels or options, df counts every local volume; option volumes still not stored', () => {
      const copy = mkdtempSync(join(tmpdir(), 'layerscope-volumes-nodb-'));
      try {
        spawnSync('tar', ['-xzf', join(FIXTURE, 'root.tar.gz'), '-C', copy]);
        rmSync(join(copy, 'volumes', 'metadata.db'));
        for (const c of readdirSync(join(copy, 'containers'))) {
          if (readFileSync(join(copy, 'containers', c, 'config.v2.json'), 'utf8').includes('"Driver":"layerscope-volumes'))
            rmSync(join(copy, 'containers', c), {recursive: true});
        }
        const docker = answer<InspectedVolume[]>('no-metadata-db/volume-inspect.json');
        const ours = cliJson<OurVolume[]>(['volumes', '--root', copy]);
        expect(ours.map(({Name, Driver, Labels, Options}) => ({Name, Driver, Labels, Options}))).toEqual(
          docker.map(({Name, Driver, Labels, Options}) => ({Name, Driver, Labels, Options})).sort((a, b) => a.Name.localeCompare(b.Name)),
        );
        // The local driver's own opts.json still mounts over _data.
        expect(ours.find((v) => v.Name === 'nfsvol')!.Data).toMatchObject({Kind: 'mount', Source: `nfs 127.0.0.1:${CANARY}/nfs-export`});
        const df = answer<{Volumes: {Name: string; Links: string; Size: string}[]}>('no-metadata-db/system-df-v.json');
        const r = cli(['df', '--root', copy, '--json']);
        const got = (JSON.parse(r.stdout) as {Volumes: {Name: string; Links: number; Size: number}[]}).Volumes;
        expect(got.map((v) => `${v.Name} ${v.Links}`).sort()).toEqual(df.Volumes.map((v) => `${v.Name} ${v.Links}`).sort());
        // Sized where the root holds the data; the others are named, not walked.
        for (const v of got) {
          if (['tmpvol', 'mtmp', 'nfsvol', 'bindvol'].includes(v.Name)) expect(v.Size).toBe(-1);
          else expect(humanSize(v.Size)).toBe(df.Volumes.find((d) => d.Name === v.Name)!.Size);
        }
        expect(r.stderr).toContain('volume nfsvol: docker system df counts it (no options in metadata.db) but nfs 127.0.0.1:');
      } finally {
        rmSync(copy, {recursive: true, force: true});
      }
    });
  },
);

describe.skipIf(!!needsRoot)(`damaged plugin and volume records (fixtures/volumes, copied)${needsRoot ? ` (skipped: ${needsRoot})` : ''}`, () => {
  it('names a corrupt plugin config, a FIFO in its place and a swarm node; the rest still shows', () => {
    const copy = mkdtempSync(join(tmpdir(), 'layerscope-volumes-damaged-'));
    try {
      spawnSync('tar', ['-xzf', join(FIXTURE, 'root.tar.gz'), '-C', copy]);
      const ids = lines<{ID: string; Name: string}>('plugin-ls.jsonl');
      const managed = ids.find((p) => p.Name === 'layerscope-volumes-managed:1')!.ID;
      const disabled = ids.find((p) => p.Name !== 'layerscope-volumes-managed:1')!.ID;
      writeFileSync(join(copy, 'plugins', managed, 'config.json'), '{"plugin": {"Name": ');
      rmSync(join(copy, 'plugins', disabled, 'config.json'));
      expect(spawnSync('mkfifo', [join(copy, 'plugins', disabled, 'config.json')]).status).toBe(0);
      mkdirSync(join(copy, 'swarm', 'raft'), {recursive: true});
      const r = cli(['volumes', 'managedvol', '--root', copy, '--json']);
      expect(r.code).toBe(3); // printed, with warnings naming what could not be read
      expect(r.stderr).toContain(`${join(copy, 'plugins', managed, 'config.json')}: invalid JSON`);
      expect(r.stderr).toContain(`${join(copy, 'plugins', disabled, 'config.json')}: not a regular file`);
      expect(r.stderr).toContain('cluster (CSI) volumes');
      // Without its managed plugin's record the volume is still listed, as a plugin's.
      expect(JSON.parse(r.stdout)[0]).toMatchObject({
        Name: 'managedvol',
        Driver: 'layerscope-volumes-managed:1',
        Options: {tier: 'gold'},
        Data: {Kind: 'plugin', ManagedPluginID: null},
      });
    } finally {
      rmSync(copy, {recursive: true, force: true});
    }
  });
});

// Podman's volumes of a volume plugin and with options (fixtures/volumes-podman, captured by its
// make.sh from podman 4.3 with ../volumes/volume-plugin.mjs named in containers.conf). Podman
// keeps its volumes in libpod's bolt_state.db; the plugin itself is configured outside the root
// (containers.conf [engine.volume_plugins]), so a root records only the driver's name.
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cli, cliJson} from '../helpers/cli.js';
import {podmanAsked, typedFlags, type PodmanInspectContainer} from '../helpers/podman-asked.js';

const needsRoot = process.getuid?.() === 0 ? undefined : 'extracting this fixture (it holds the block-device node volumes/backingFsBlockDev) needs root';

const FIXTURE = resolve(import.meta.dirname, '../../fixtures/volumes-podman');
/** The graph root make.sh captured; podman's answers name paths under it. */
const CAPTURED = '/tmp/volumes-p/root';

interface PodmanVolume {
  Name: string;
  Driver: string;
  Labels: Record<string, string>;
  Options: Record<string, string>;
  Mountpoint: string;
  Scope: string;
  Anonymous?: boolean;
}

interface OurVolume extends PodmanVolume {
  Status?: unknown;
  UsageData: {Size: number};
  Data: {Kind: string; Description: string; Source?: string};
  UsedBy: {Container: string; Destination: string; ReadOnly: boolean; How: string | null; Flag: string | null}[];
  Unknown?: {Fields: string[]};
}

const answer = <T>(file: string): T => JSON.parse(readFileSync(join(FIXTURE, 'answers', file), 'utf8')) as T;

describe.skipIf(!!needsRoot)(`podman volumes of a plugin and with options (fixtures/volumes-podman)${needsRoot ? ` (skipped: ${needsRoot})` : ''}`, () => {
  let dir: string;
  let root: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'layerscope-volumes-podman-'));
    spawnSync('tar', ['-xzf', join(FIXTURE, 'root.tar.gz'), '-C', dir]);
    root = join(dir, 'root');
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it('every volume podman lists, with its driver, labels, options and mountpoint; plugin volumes with the plugin, option volumes not stored', () => {
    const podman = JSON.parse(JSON.stringify(answer<PodmanVolume[]>('volume-inspect.json')).replaceAll(CAPTURED, root)) as PodmanVolume[];
    const ours = cliJson<OurVolume[]>(['volumes', '--root', root]);
    expect(ours.map((v) => v.Name).sort()).toEqual(podman.map((v) => v.Name).sort());
    for (const p of podman) {
      const v = ours.find((x) => x.Name === p.Name)!;
      expect({Driver: v.Driver, Labels: v.Labels, Options: v.Options, Mountpoint: v.Mountpoint, Scope: v.Scope}).toEqual({
        Driver: p.Driver,
        Labels: p.Labels,
        Options: p.Options,
        Mountpoint: p.Mountpoint,
        Scope: p.Scope,
      });
      if (p.Driver !== 'local') {
        expect(v.Data.Kind).toBe('plugin');
        expect(v.Data.Description).toContain(`managed by plugin ${p.Driver}, not in this root (a podman volume plugin`);
        // podman asks the plugin for Status only; it records the rest itself.
        expect(v.Unknown?.Fields).toEqual(['Status']);
      } else expect(v.Data.Kind).toBe(p.Options.type ? 'mount' : 'local');
    }
    expect(ours.find((v) => v.Name === 'nfsvol')!.Data.Source).toBe('nfs 127.0.0.1:/tmp/layerscope-volumes-canary/nfs-export');
  });

  it('mounts equal podman inspect .Mounts, a plugin volume with its driver and no source until mounted', () => {
    for (const c of answer<{Name: string; Mounts: {Destination: string}[]}[]>('container-inspect.json')) {
      const want = JSON.parse(JSON.stringify(c.Mounts).replaceAll(CAPTURED, root)) as {Destination: string}[];
      const got = cliJson<{Destination: string}[]>(['mounts', c.Name, '--root', root]);
      const byDest = (a: {Destination: string}, b: {Destination: string}) => a.Destination.localeCompare(b.Destination);
      expect(got.sort(byDest)).toEqual(want.sort(byDest));
    }
  });

  it('df lists the local volumes podman system df -v lists; those whose _data is a mount at run time are named, not walked', () => {
    const text = readFileSync(join(FIXTURE, 'answers/system-df-v.txt'), 'utf8').split('Local Volumes space usage:')[1]!;
    const podman = text
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/));
    const r = cli(['df', '--root', root, '--json']);
    const ours = (JSON.parse(r.stdout) as {Volumes: {Name: string; Links: number; Size: number}[]}).Volumes;
    expect(ours.map((v) => `${v.Name} ${v.Links}`).sort()).toEqual(podman.map(([name, links]) => `${name} ${links}`).sort());
    for (const name of ['tmpvol', 'nfsvol', 'bindvol']) expect(ours.find((v) => v.Name === name)!.Size).toBe(-1);
    expect(r.stderr).toContain('volume bindvol: bind /tmp/layerscope-volumes-canary/bind-device mounted over _data at run time');
  });

  it("plugins: podman's volume plugins as podman info lists them (besides local), each with the volumes podman gives its driver; none managed", () => {
    // podman has no managed plugins; `podman info` lists the local driver and containers.conf's volume plugins.
    const plugins = answer<{volume: string[]}>('info-plugins.json').volume.filter((name) => name !== 'local');
    const volumes = answer<PodmanVolume[]>('volume-inspect.json');
    const ours = cliJson<{Name: string; Managed: boolean; Volumes: string[]}[]>(['plugins', '--root', root]);
    expect(ours.map((p) => ({Name: p.Name, Managed: p.Managed, Volumes: p.Volumes}))).toEqual(
      plugins.map((name) => ({
        Name: name,
        Managed: false,
        Volumes: volumes
          .filter((v) => v.Driver === name)
          .map((v) => v.Name)
          .sort(),
      })),
    );
    const text = cli(['plugins', '--root', root]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('podman finds them at run time through containers.conf [engine.volume_plugins]');
    expect(text.stdout).not.toMatch(/dockerd|ENABLED/); // no managed-plugin table, no dockerd search path
    for (const p of ours) expect(text.stdout).toMatch(new RegExp(`^${p.Name} +${p.Volumes.join(',')}$`, 'm'));
  });

  it('every use of a volume says how podman was asked for it: the flag as its CreateCommand has it, an image VOLUME, or for a container made through the API the mount as podman inspect shows it', () => {
    const containers = answer<PodmanInspectContainer[]>('container-inspect.json');
    const volumes = answer<PodmanVolume[]>('volume-inspect.json');
    const imgvol = Object.keys(answer<Record<string, object>>('imgvol-volumes.json'));
    const want = containers.flatMap((c) =>
      c.Mounts.filter((m) => m.Type === 'volume').map((m) => ({
        Volume: m.Name!,
        Container: c.Name,
        Destination: m.Destination,
        ReadOnly: !m.RW,
        ...podmanAsked(c, m, c.ImageName.endsWith('/imgvol:1') ? imgvol : [], volumes.find((v) => v.Name === m.Name)?.Anonymous === true),
      })),
    );
    // The fixture has every way: -v, --volume=, -itv, --mount(=), read-only, anonymous, an image VOLUME, the API.
    expect(new Set(want.map((w) => w.How))).toEqual(new Set(['-v', '--mount', 'anonymous -v', 'image VOLUME', 'no command line']));
    expect(want.some((w) => w.ReadOnly && w.How === '--mount') && want.some((w) => w.ReadOnly && w.How === 'no command line')).toBe(true);
    const ours = cliJson<OurVolume[]>(['volumes', '--root', root]);
    const got = ours.flatMap((v) =>
      v.UsedBy.map((u) => ({Volume: v.Name, Container: u.Container, Destination: u.Destination, ReadOnly: u.ReadOnly, How: u.How, Flag: u.Flag})),
    );
    const key = (u: {Volume: string; Container: string; Destination: string}) => `${u.Volume} ${u.Container} ${u.Destination}`;
    expect(got.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(want.sort((a, b) => key(a).localeCompare(key(b))));

    // The table's USED BY: name:/dest[:ro] (how); `volumes NAME`: each user with its flag.
    const table = cli(['volumes', '--root', root]).stdout.split('\n');
    const details = cli(['volumes', ...new Set(want.map((w) => w.Volume)), '--root', root]).stdout.split(/\n(?=Name:)/);
    for (const w of want) {
      expect(table.find((l) => l.includes(w.Volume))).toContain(`${w.Container}:${w.Destination}${w.ReadOnly ? ':ro' : ''} (${w.How})`);
      const detail = details.find((d) => d.startsWith(`Name:`) && d.split('\n')[0]!.endsWith(` ${w.Volume}`)) ?? `(no detail of ${w.Volume})`;
      expect(detail.split('\n')).toContain(`  ${w.Container}  ${w.Destination}  ${w.ReadOnly ? 'RO' : 'RW'}  ${w.Flag}`);
    }
  });

  it("mounts: each bind and tmpfs with the flag podman's command line gave it; the API container's bind as podman inspect shows it", () => {
    const containers = answer<PodmanInspectContainer[]>('container-inspect.json');
    let checked = 0;
    for (const c of containers) {
      const rows = cli(['mounts', c.Name, '--root', root]).stdout.split('\n');
      const row = (dest: string) => rows.find((r) => r.split(/\s{2,}/).includes(dest)) ?? `(no row for ${dest})`;
      for (const m of c.Mounts.filter((x) => x.Type === 'bind')) {
        expect(row(m.Destination)).toMatch(new RegExp(`${podmanAsked(c, m, [], false).Flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
        checked++;
      }
      // tmpfs mounts are not in podman inspect .Mounts: the command line's --tmpfs and --mount type=tmpfs.
      for (const [name, shown, value] of typedFlags(c) ?? []) {
        const dest = name === '--tmpfs' ? value.split(':')[0] : /(^|,)type=tmpfs(,|$)/.test(value) ? /(?:^|,)dst=([^,]+)/.exec(value)?.[1] : undefined;
        if (!dest) continue;
        expect(row(dest)).toMatch(new RegExp(`^tmpfs .*${shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4); // two binds (-v, the API's), --tmpfs, --mount type=tmpfs
  });
});

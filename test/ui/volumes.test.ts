// The explorer on fixtures/volumes (a root dockerd 20.10 wrote, with plugin and option volumes)
// and fixtures/volumes-podman (podman 4.3's): the volume pane and the mounts table say what
// docker / podman volume inspect say of each volume and where its data is.
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {openRoot} from '../../source/store/docker-root.js';
import {openSource} from '../../source/store/open.js';
import type {DockerStore, LayerStore} from '../../source/store/store.js';
import {cleanupFixtures, extractFixture, fixtureSkip, FIXTURES} from '../helpers/fixture-root.js';
import {podmanAsked, type PodmanInspectContainer} from '../helpers/podman-asked.js';
import {detailRows, KEYS, renderApp, type Ui} from './helpers.js';

const needsRoot = process.getuid?.() === 0 ? undefined : 'extracting this fixture (it holds the block-device node volumes/backingFsBlockDev) needs root';

const FIXTURE = resolve(import.meta.dirname, '../../fixtures/volumes');
const PODMAN_FIXTURE = resolve(import.meta.dirname, '../../fixtures/volumes-podman');

/** Open the volumes list of `store` and move to `name`: the bottom pane shows it, whole and unwrapped (40x200). */
async function showVolume(store: LayerStore, name: string): Promise<{ui: Ui; rows: string[]}> {
  const ui = await renderApp(store);
  ui.resize(40, 200);
  await ui.press(KEYS.right, KEYS.right);
  await ui.press(...Array<string>(store.volumes.findIndex((v) => v.name === name)).fill(KEYS.down));
  return {ui, rows: detailRows(await ui.waitFor((f) => f.includes(`Volume ${name.slice(0, 12)}`) && f.includes('Used by'), `the pane of volume ${name}`))};
}

/** The volume pane's fields (a wrapped value joined) and its users' rows, split in words. */
function volumePane(rows: string[]): {fields: Record<string, string>; users: string[][]} {
  const fields: Record<string, string> = {};
  const users: string[][] = [];
  let last = '';
  for (const row of rows) {
    const field = /^(\w[\w ]*?)(?: {2,}(.*))?$/.exec(row);
    if (field && !row.startsWith(' ')) fields[(last = field[1]!)] = field[2] ?? '';
    else if (last === 'Used by' && row.startsWith('  ')) users.push(row.trim().split(/\s{2,}/));
    else if (row.trim()) fields[last] = `${fields[last]} ${row.trim()}`;
  }
  return {fields, users};
}

/** A map as the pane shows it: `-` for none (null), `{}` for an empty one, else `k=v, …` by key. */
const mapText = (map: Record<string, string> | null) =>
  map === null
    ? '-'
    : Object.keys(map).length
      ? Object.entries(map)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')
      : '{}';

interface DockerVolume {
  Name: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
  Mountpoint: string;
  Scope: string;
  CreatedAt?: string;
  Anonymous?: boolean;
}

describe.skipIf(!!needsRoot)(`explorer: volumes of every driver (fixtures/volumes)${needsRoot ? ` (skipped: ${needsRoot})` : ''}`, () => {
  let root: string;
  let store: DockerStore;
  let ui: Ui | undefined;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'layerscope-volumes-ui-'));
    const r = spawnSync('tar', ['-xzf', join(FIXTURE, 'root.tar.gz'), '-C', root]);
    if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
    store = openRoot(root);
  });
  afterEach(() => {
    ui?.unmount();
    ui = undefined;
  });
  afterAll(() => rmSync(root, {recursive: true, force: true}));

  const show = async (name: string): Promise<string[]> => {
    const shown = await showVolume(store, name);
    ui = shown.ui;
    return shown.rows;
  };

  it("a legacy plugin's volume: driver, labels, options from metadata.db; the plugin's own fields unknown; its data not in the root", async () => {
    const docker = (JSON.parse(readFileSync(join(FIXTURE, 'answers/volume-inspect.json'), 'utf8')) as {Name: string; Driver: string}[]).find(
      (v) => v.Name === 'plugvol',
    )!;
    const text = (await show('plugvol')).join('\n');
    expect(text).toMatch(new RegExp(`Driver\\s+${docker.Driver}`));
    expect(text).toMatch(/Labels\s+owner=qa/);
    expect(text).toMatch(/Options\s+fs=ext4, size=1G/);
    expect(text).toMatch(/Mountpoint\s+unknown \(the plugin answers at run time\)/);
    expect(text).toContain(`managed by plugin ${docker.Driver}, not in this root`);
    expect(text).toMatch(/c-plugin\s+\/p\s+RO\s+-v plugvol:\/p:ro/);
  });

  it("a managed plugin's volume: docker volume inspect's driver, labels, options; the plugin (docker plugin inspect) and its propagated mount; its user", async () => {
    const docker = (JSON.parse(readFileSync(join(FIXTURE, 'answers/volume-inspect.json'), 'utf8')) as DockerVolume[]).find((v) => v.Name === 'managedvol')!;
    const plugin = (
      JSON.parse(readFileSync(join(FIXTURE, 'answers/plugin-inspect.json'), 'utf8')) as {
        Id: string;
        Name: string;
        Enabled: boolean;
        Config: {PropagatedMount: string};
      }[]
    ).find((p) => p.Name === docker.Driver)!;
    const user = (
      JSON.parse(readFileSync(join(FIXTURE, 'answers/container-inspect.json'), 'utf8')) as {
        Name: string;
        HostConfig: {Mounts: {Source: string; Target: string}[] | null};
        Mounts: {Name?: string; Destination: string; RW: boolean}[];
      }[]
    ).find((c) => c.Mounts.some((m) => m.Name === docker.Name))!;
    const mount = user.Mounts.find((m) => m.Name === docker.Name)!;
    const {fields, users} = volumePane(await show('managedvol'));
    const which = `managed plugin ${plugin.Id.slice(0, 12)}, ${plugin.Enabled ? 'enabled' : 'disabled'}`;
    expect(fields.Driver).toBe(`${docker.Driver} (${which})`);
    expect([fields.Labels, fields.Options]).toEqual([mapText(docker.Labels), mapText(docker.Options)]);
    // The plugin mounts its data under its propagated mount (plugins/<id>/propagated-mount) at run time; never read.
    expect(plugin.Config.PropagatedMount).not.toBe('');
    expect(fields.Data).toBe(
      `managed by plugin ${docker.Driver} (${which}): at run time under its propagated mount ${join(root, 'plugins', plugin.Id, 'propagated-mount')}, which the plugin mounts and fills; not read`,
    );
    // Mountpoint (docker: ${docker.Mountpoint}), Scope, CreatedAt: the plugin's answers at run time
    for (const f of ['Mountpoint', 'Scope', 'CreatedAt']) expect(fields[f], f).toBe('unknown (the plugin answers at run time)');
    const hostMount = user.HostConfig.Mounts!.find((m) => m.Target === mount.Destination)!;
    expect(users).toEqual([
      [user.Name.slice(1), mount.Destination, mount.RW ? 'RW' : 'RO', `--mount type=volume,src=${hostMount.Source},dst=${hostMount.Target}`],
    ]);
  });

  it('a local volume with nfs options: what would be mounted, and that nothing is stored', async () => {
    const text = (await show('nfsvol')).join(' ').replace(/\s+/g, ' ');
    expect(text).toContain('nfs 127.0.0.1:/tmp/layerscope-volumes-canary/nfs-export mounted over _data at run time');
    expect(text).toContain('nothing stored in this root');
    expect(text).toContain('--mount type=volume,src=nfsvol,dst=/nfs,readonly');
  });

  it('a plain local volume: its _data with its size', async () => {
    await show('plain');
    // The size is read in the background (never during a render).
    const text = detailRows(await ui!.waitFor((f) => f.includes('8.9kB'), "plain's size")).join('\n');
    expect(text).toMatch(new RegExp(`Data\\s+${join(root, 'volumes/plain/_data')} · 8\\.9kB`));
    expect(text).toMatch(/Labels\s+-/);
    expect(text).toMatch(/ran\s+\/plain\s+RW\s+-v plain:\/plain/);
  });

  it("pane 3 browses a plain volume's _data, and says why an option or plugin volume has no files here", async () => {
    await show('plain');
    await ui!.press('3');
    const rows = detailRows(await ui!.waitFor((f) => f.includes('Files · volume plain · _data') && f.includes('numbers'), "plain's files"));
    expect(rows.find((r) => r.includes('numbers'))).toMatch(/-rw-r--r--\s+0:0\s+8\.89kB\s+numbers/);
    await ui!.press('1', KEYS.up, '3');
    const text = detailRows(await ui!.waitFor((f) => f.includes('Files · volume nfsvol'), "nfsvol's files")).join(' ');
    expect(text).toContain('no files in this root: nfs 127.0.0.1:');
  });

  it("a container's mounts table: plugin volumes by their plugin, option volumes not stored, how each was asked for", async () => {
    // The test terminal is 100 columns: Source and Driver give way, Source keeping its end.
    ui = await renderApp(store, 'c-plugin');
    await ui.press('5');
    const rows = detailRows(await ui.waitFor((f) => f.includes('plugmount'), 'the mounts table'));
    expect(rows.find((r) => r.includes('plugvol'))).toMatch(
      /volume\s*│\s*plugvol\s*│\s*(plugin|…n) · not in root\s*│\s*\/p\s*│\s*RO\s*│\s*layerscope-volu[^│]*│\s*-\s*│\s*-v\s*│/,
    );
    expect(rows.find((r) => r.includes('plugmount'))).toMatch(/│\s*--mount\s*│/);
    ui.unmount();
    ui = await renderApp(store, 'c-mount');
    await ui.press('5');
    // Five mounts do not fit the 24-line test terminal: those that fit, then how many more.
    const opts = detailRows(await ui.waitFor((f) => f.includes('mtmp'), 'the mounts table'));
    expect(opts.find((r) => r.includes('mtmp'))).toMatch(/tmpfs · not stored\s*│\s*\/mtmp\s*│\s*RW\s*│\s*local\s*│\s*-\s*│\s*--mount/);
    expect(opts.find((r) => r.includes('more'))).toMatch(/… \d more \(layerscope mounts lists all\)/);
  });
});

describe.skipIf(!!needsRoot)(`explorer: podman's volumes (fixtures/volumes-podman)${needsRoot ? ` (skipped: ${needsRoot})` : ''}`, () => {
  /** The graph root make.sh captured; podman's answers name paths under it. */
  const CAPTURED = '/tmp/volumes-p/root';
  let dir: string;
  let root: string;
  let store: LayerStore;
  let ui: Ui | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'layerscope-volumes-podman-ui-'));
    const r = spawnSync('tar', ['-xzf', join(PODMAN_FIXTURE, 'root.tar.gz'), '-C', dir]);
    if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
    root = join(dir, 'root');
    store = await openSource(root);
  });
  afterEach(() => {
    ui?.unmount();
    ui = undefined;
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it("every volume's pane: podman volume inspect's driver, labels, options, scope, created, mountpoint; its users as podman inspect mounts them, with the flag their command line gave", async () => {
    const answer = <T>(file: string) => JSON.parse(readFileSync(join(PODMAN_FIXTURE, 'answers', file), 'utf8').replaceAll(CAPTURED, root)) as T;
    const volumes = answer<DockerVolume[]>('volume-inspect.json');
    const containers = answer<PodmanInspectContainer[]>('container-inspect.json');
    const imgvol = Object.keys(answer<Record<string, object>>('imgvol-volumes.json'));
    expect(store.volumes.map((v) => v.name).sort()).toEqual(volumes.map((v) => v.Name).sort());
    for (const v of volumes) {
      const shown = await showVolume(store, v.Name);
      ui = shown.ui;
      const {fields, users} = volumePane(shown.rows);
      expect(
        {
          Driver: fields.Driver,
          Labels: fields.Labels,
          Options: fields.Options,
          Scope: fields.Scope,
          CreatedAt: fields.CreatedAt,
          Mountpoint: fields.Mountpoint,
        },
        v.Name,
      ).toEqual({Driver: v.Driver, Labels: mapText(v.Labels), Options: mapText(v.Options), Scope: v.Scope, CreatedAt: v.CreatedAt, Mountpoint: v.Mountpoint});
      // Where the data is: the plugin's, mounted over _data at run time, or _data here
      if (v.Driver !== 'local') expect(fields.Data, v.Name).toContain(`managed by plugin ${v.Driver}, not in this root (a podman volume plugin`);
      else if (v.Options?.type) expect(fields.Data, v.Name).toMatch(/mounted over _data at run time.*; nothing stored in this root$/);
      else expect(fields.Data, v.Name).toMatch(new RegExp(`^${v.Mountpoint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( · \\S+)?$`));
      const want = containers.flatMap((c) =>
        c.Mounts.filter((m) => m.Type === 'volume' && m.Name === v.Name).map((m) => [
          c.Name,
          m.Destination,
          m.RW ? 'RW' : 'RO',
          podmanAsked(c, m, c.ImageName.endsWith('/imgvol:1') ? imgvol : [], v.Anonymous === true).Flag,
        ]),
      );
      expect(users.sort(), v.Name).toEqual(want.sort());
      ui.unmount();
      ui = undefined;
    }
  });
});

const clusterSkip = fixtureSkip('cluster-volumes');
describe.skipIf(!!clusterSkip)(
  `explorer: a swarm manager's CSI cluster volumes (fixtures/cluster-volumes, Docker 26)${clusterSkip ? ` (skipped: ${clusterSkip})` : ''}`,
  () => {
    let store: LayerStore;
    let ui: Ui | undefined;
    beforeAll(async () => {
      const dir = extractFixture('cluster-volumes');
      store = await openSource(join(dir, 'docker-root'), {containerdRoot: join(dir, 'containerd-root')});
    });
    afterEach(() => {
      ui?.unmount();
      ui = undefined;
    });
    afterAll(cleanupFixtures);

    it("every cluster volume's pane: docker volume inspect's driver, labels, options, scope, group, access, availability; its data with its CSI plugin", async () => {
      const docker = JSON.parse(readFileSync(join(FIXTURES, 'cluster-volumes/answers/volume-inspect.json'), 'utf8')) as (DockerVolume & {
        ClusterVolume: {ID: string; Spec: {Group?: string; Availability: string; AccessMode: {Scope: string; Sharing: string; BlockVolume?: object}}};
      })[];
      expect(store.volumes.map((v) => v.name).sort()).toEqual(docker.map((v) => v.Name).sort());
      for (const v of docker) {
        const shown = await showVolume(store, v.Name);
        ui = shown.ui;
        const {fields} = volumePane(shown.rows);
        const spec = v.ClusterVolume.Spec;
        expect(
          [fields.Driver, fields.Labels, fields.Options, fields.Scope, fields.CreatedAt, fields['Cluster ID'], fields.Group, fields.Availability],
          v.Name,
        ).toEqual([v.Driver, mapText(v.Labels), mapText(v.Options), v.Scope, v.CreatedAt, v.ClusterVolume.ID, spec.Group ?? '-', spec.Availability]);
        const a = spec.AccessMode;
        expect(fields.Access, v.Name).toBe(`${a.BlockVolume ? 'block' : 'mount'}, scope ${a.Scope}, sharing ${a.Sharing}`);
        expect(fields.Data, v.Name).toBe(`cluster volume: data lives with CSI plugin ${v.Driver}, not in this root`);
        ui.unmount();
        ui = undefined;
      }
    });
  },
);

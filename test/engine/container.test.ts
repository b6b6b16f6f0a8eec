// `layerscope create` and `layerscope fs`: Docker's container files, volumes and mount points, read
// back by the store reader; refusals to write into foreign or live roots; failing fs ops change nothing.
import {execFileSync, spawn, type SpawnOptions} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {basename, join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DockerStore} from '../../source/store/store.js';
import {findContainer} from '../../source/store/refs.js';
import {createContainer, containerLayers} from '../../source/engine/container.js';
import {EngineRoot} from '../../source/engine/engine-root.js';
import {liveDockerDataRoots} from '../../source/engine/live-dockerd.js';
import {demoImages} from '../../source/engine/demo.js';
import {cli} from '../helpers/cli.js';
import {daemonUnavailable, startDaemon} from '../helpers/dockerd.js';
import {isRoot} from '../helpers/fixture-root.js';
import {REAL_A} from '../helpers/real-store.js';
import {snapshot} from '../helpers/snapshot.js';
import {noXattr, titled} from '../helpers/addons.js';

let tmp: string;
let root: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'layerscope-create-'));
  root = join(tmp, 'root');
  if (noXattr) return; // the engine writes no layer without it; the tests that use the root skip
  await demoImages(root, ['myapp', 'cowlab']);
  writeFileSync(join(tmp, 'host.txt'), 'host\n');
}, 120_000);
afterAll(() => rmSync(tmp, {recursive: true, force: true}));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Docker's config JSON, read deep in assertions
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;

describe.skipIf(noXattr)(titled('create', noXattr), () => {
  it("writes Docker's container files, init layer and layer record", async () => {
    const c = await createContainer({
      root,
      image: 'myapp:1',
      name: 'web',
      volumes: ['appdata:/data', `${tmp}:/host:ro`],
      mounts: [`type=bind,source=${tmp},target=/src,readonly`, 'type=tmpfs,target=/run/t'],
    });
    const config = json(join(root, 'containers', c.id, 'config.v2.json'));
    expect(config).toMatchObject({ID: c.id, Name: '/web', Driver: 'overlay2', Path: 'sh', Args: ['-c', expect.stringContaining('FLASK_APP')]});
    expect(config.State).toMatchObject({Running: false, StartedAt: '0001-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z'});
    expect(config.Config).toMatchObject({Hostname: c.id.slice(0, 12), Image: 'myapp:1', AttachStdout: true, Cmd: null, Labels: {}});
    // The records a real dockerd wrote for the same flags (probed with docker create on Docker 20.10).
    expect(config.MountPoints['/data']).toEqual({
      Source: join(root, 'volumes/appdata/_data'),
      Destination: '/data',
      RW: true,
      Name: 'appdata',
      Driver: 'local',
      Type: 'volume',
      Relabel: 'z',
      Spec: {Type: 'volume', Source: 'appdata', Target: '/data'},
      SkipMountpointCreation: false,
    });
    expect(config.MountPoints['/host']).toEqual({
      Source: tmp,
      Destination: '/host',
      RW: false,
      Name: '',
      Driver: '',
      Type: 'bind',
      Relabel: 'ro',
      Propagation: 'rprivate',
      Spec: {Type: 'bind', Source: tmp, Target: '/host', ReadOnly: true},
      SkipMountpointCreation: false,
    });
    expect(config.MountPoints['/src']).toEqual({
      Source: tmp,
      Destination: '/src',
      RW: false,
      Name: '',
      Driver: '',
      Type: 'bind',
      Propagation: 'rprivate',
      Spec: {Type: 'bind', Source: tmp, Target: '/src', ReadOnly: true},
      SkipMountpointCreation: true,
    });
    expect(config.MountPoints['/run/t']).toEqual({
      Source: '',
      Destination: '/run/t',
      RW: true,
      Name: '',
      Driver: '',
      Type: 'tmpfs',
      Spec: {Type: 'tmpfs', Target: '/run/t'},
      SkipMountpointCreation: false,
    });
    const host = json(join(root, 'containers', c.id, 'hostconfig.json'));
    expect(host.Binds).toEqual(['appdata:/data', `${tmp}:/host:ro`]);
    expect(host.Mounts).toEqual([
      {Type: 'bind', Source: tmp, Target: '/src', ReadOnly: true},
      {Type: 'tmpfs', Target: '/run/t'},
    ]);

    const record = join(root, 'image/overlay2/layerdb/mounts', c.id);
    const mountId = readFileSync(join(record, 'mount-id'), 'utf8');
    expect(readFileSync(join(record, 'init-id'), 'utf8')).toBe(`${mountId}-init`);
    expect(existsSync(join(record, 'parent'))).toBe(true);
    const init = join(root, 'overlay2', `${mountId}-init`, 'diff');
    const list = (dir: string, rel = ''): string[] =>
      readdirSync(join(dir, rel), {withFileTypes: true}).flatMap((e) => [`${rel}/${e.name}`, ...(e.isDirectory() ? list(dir, `${rel}/${e.name}`) : [])]);
    expect(list(init).sort()).toEqual([
      '/.dockerenv',
      '/dev',
      '/dev/console',
      '/dev/pts',
      '/dev/shm',
      '/etc',
      '/etc/hostname',
      '/etc/hosts',
      '/etc/mtab',
      '/etc/resolv.conf',
      '/proc',
      '/sys',
    ]);
    expect(readlinkSync(join(init, 'etc/mtab'))).toBe('/proc/mounts');
  });

  it('the reader sees it: state created, mounts, and the mount points in the writable layer', () => {
    const store = new DockerStore(root);
    const c = findContainer(store, 'web')!;
    expect(c.state).toBe('created');
    expect(c.mounts.map((m) => m.Destination)).toEqual(['/data', '/host', '/run/t', '/src']);
    expect(
      store
        .containerChanges(c)
        .map((ch) => `${ch.kind} ${ch.path}`)
        .sort(),
    ).toEqual(['A /data', 'A /host', 'A /run', 'A /run/t', 'A /src']);
    expect(store.problemList).toEqual([]);
  });

  it('anonymous volumes for the image VOLUME and -v /path; a new volume starts with the image content there', async () => {
    const c = await createContainer({root, image: 'cowlab:1', name: 'job', volumes: ['/cache', 'conf:/etc/apache2']});
    const config = json(join(root, 'containers', c.id, 'config.v2.json'));
    expect(Object.keys(config.Config.Volumes).sort()).toEqual(['/cache', '/var/cache/app']);
    expect(config.MountPoints['/cache']).toMatchObject({Source: '', Type: 'volume', Driver: 'local', Spec: {}});
    expect(c.volumes.filter((v) => /^[0-9a-f]{64}$/.test(v))).toHaveLength(2);
    expect(readdirSync(join(root, 'volumes/conf/_data')).sort()).toEqual(['apache2.conf', 'ports.conf']);
    expect(config.Config.WorkingDir).toBe('/opt/source-code');
  });

  it('refuses bad names, taken names and unknown images, leaving no layers behind', async () => {
    const before = readdirSync(join(root, 'overlay2')).length;
    await expect(createContainer({root, image: 'myapp:1', name: 'web'})).rejects.toThrow(/already in use/);
    await expect(createContainer({root, image: 'myapp:1', name: '-x'})).rejects.toThrow(/invalid container name/);
    await expect(createContainer({root, image: 'nope:1'})).rejects.toThrow(/no such image/);
    await expect(createContainer({root, image: 'myapp:1', volumes: ['/a:ro']})).rejects.toThrow(/invalid volume specification/);
    await expect(createContainer({root, image: 'myapp:1', volumes: ['/x', 'v:/x']})).rejects.toThrow(/duplicate mount point/);
    expect(readdirSync(join(root, 'overlay2')).length).toBe(before);
  });
});

describe('roots the engine must not write into', () => {
  it('refuses a directory it did not create', async () => {
    const foreign = mkdtempSync(join(tmpdir(), 'layerscope-foreign-'));
    writeFileSync(join(foreign, 'x'), '');
    await expect(createContainer({root: foreign, image: 'x'})).rejects.toThrow(/not created by layerscope/);
    expect(readdirSync(foreign)).toEqual(['x']);
    rmSync(foreign, {recursive: true});
  });

  it.skipIf(noXattr)(
    titled('refuses an engine root that a running dockerd uses, found by its --data-root in /proc/<pid>/cmdline (no pidfile)', noXattr),
    async () => {
      // A process named dockerd (argv[0]) whose arguments name the root, as a real daemon's do.
      const bin = join(tmp, 'fake-bin');
      mkdirSync(bin, {recursive: true});
      symlinkSync('/bin/sh', join(bin, 'dockerd'));
      const fake = spawn(join(bin, 'dockerd'), ['-c', 'sleep 30', 'dockerd', '--data-root', root], {stdio: 'ignore'});
      try {
        await new Promise((r) => setTimeout(r, 100));
        expect(liveDockerDataRoots().map((d) => d.path)).toContain(root);
        await expect(EngineRoot.open(root)).rejects.toThrow(/running dockerd/);
        expect(cli(['fs', 'web', 'mkdir', '/refused', '--root', root]).stderr).toMatch(/running dockerd/);
      } finally {
        fake.kill();
        rmSync(bin, {recursive: true, force: true});
      }
      await new Promise((r) => setTimeout(r, 100));
      await expect(EngineRoot.open(root)).resolves.toBeDefined();
    },
  );

  /**
   * A process named dockerd (argv[0]) started by `argv` (which ends by exec'ing FAKE_DOCKERD), as a real
   * daemon's would look in /proc; it lives until its stdin closes.
   */
  async function fakeDockerd(argv: string[], opts: SpawnOptions = {}): Promise<{dataRoots: () => string[]; stop: () => Promise<void>}> {
    const child = spawn(argv[0]!, argv.slice(1), {...opts, stdio: ['pipe', 'ignore', 'inherit']});
    const exited = new Promise((r) => child.once('exit', r));
    const named = (): boolean => {
      try {
        return basename(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0')[0]!) === 'dockerd';
      } catch {
        return false;
      }
    };
    for (const end = Date.now() + 5000; !named() && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
    expect(named()).toBe(true);
    return {
      dataRoots: () =>
        liveDockerDataRoots()
          .filter((d) => d.pid === child.pid)
          .map((d) => d.path),
      stop: async () => {
        child.stdin!.end();
        await exited;
      },
    };
  }
  // /bin/sh under the name dockerd, in a directory every user may enter; `-c 'read x' dockerd ARGS` waits on stdin.
  const fakeBin = mkdtempSync(join(tmpdir(), 'layerscope-fake-dockerd-'));
  chmodSync(fakeBin, 0o755);
  afterAll(() => rmSync(fakeBin, {recursive: true, force: true}));
  const FAKE_DOCKERD = join(fakeBin, 'dockerd');
  symlinkSync('/bin/sh', FAKE_DOCKERD);
  const ROOTLESSKIT = {ROOTLESSKIT_STATE_DIR: '/run/user/1000/dockerd-rootless'};

  it("a rootless dockerd (under RootlessKit) keeps its data and config in its user's XDG directories, from its environment", async () => {
    const home = join(tmp, 'rootless-home');
    const xdg = join(tmp, 'rootless-xdg');
    const daemon = (env: NodeJS.ProcessEnv) => fakeDockerd([FAKE_DOCKERD, '-c', 'read x', 'dockerd'], {env});

    let d = await daemon({...ROOTLESSKIT, HOME: home, XDG_DATA_HOME: xdg});
    try {
      expect(d.dataRoots()).toEqual([join(xdg, 'docker')]);
      const inside = join(xdg, 'docker', 'engine');
      await expect(EngineRoot.open(inside, {create: true})).rejects.toThrow(/running dockerd/);
      expect(existsSync(inside)).toBe(false);
    } finally {
      await d.stop();
    }

    d = await daemon({...ROOTLESSKIT, HOME: home});
    try {
      expect(d.dataRoots()).toEqual([join(home, '.local/share/docker')]);
    } finally {
      await d.stop();
    }

    const configured = join(tmp, 'rootless-configured');
    mkdirSync(join(home, '.config/docker'), {recursive: true});
    writeFileSync(join(home, '.config/docker/daemon.json'), JSON.stringify({'data-root': configured}));
    d = await daemon({...ROOTLESSKIT, HOME: home});
    try {
      expect(d.dataRoots()).toEqual([configured]);
      await expect(EngineRoot.open(configured, {create: true})).rejects.toThrow(/running dockerd/);
      expect(existsSync(configured)).toBe(false);
    } finally {
      await d.stop();
    }

    // Not under RootlessKit, dockerd reads /etc/docker, whatever its environment holds.
    d = await daemon({HOME: home, XDG_DATA_HOME: xdg});
    try {
      expect(d.dataRoots()).toHaveLength(1);
      for (const theirs of [configured, home, xdg]) expect(d.dataRoots()[0]!.startsWith(theirs)).toBe(false);
    } finally {
      await d.stop();
    }
  });

  const nobody = isRoot ? execFileSync('getent', ['passwd', '65534'], {encoding: 'utf8'}).trim().split(':') : [];
  it.skipIf(!isRoot)(
    `a rootless dockerd whose environment names no home: its uid's home from the passwd file${isRoot ? '' : ' (skipped: starting a process as another user needs root)'}`,
    async () => {
      const d = await fakeDockerd([FAKE_DOCKERD, '-c', 'read x', 'dockerd'], {env: ROOTLESSKIT, uid: 65534, gid: 65534});
      try {
        expect(d.dataRoots()).toEqual([join(nobody[5]!, '.local/share/docker')]);
      } finally {
        await d.stop();
      }
    },
  );

  it.skipIf(!isRoot)(
    `a dockerd in another mount namespace: its config file and data root are read through /proc/<pid>/root${isRoot ? '' : ' (skipped: a mount namespace needs root)'}`,
    async () => {
      // In the daemon's mount namespace only: <alias> is a bind mount of <real>, and its config file
      // (on a tmpfs no other namespace sees) names <alias>/data as its data root.
      const real = join(tmp, 'ns-real');
      const alias = join(tmp, 'ns-alias');
      const conf = join(tmp, 'ns-conf');
      for (const dir of [join(real, 'data'), alias, conf]) mkdirSync(dir, {recursive: true});
      const setup = [
        `mount -t tmpfs tmpfs ${conf}`,
        `echo '{"data-root": "${alias}/data"}' > ${conf}/daemon.json`,
        `mount --bind ${real} ${alias}`,
        `exec "$0" -c 'read x' dockerd --config-file ${conf}/daemon.json`,
      ].join(' && ');
      const d = await fakeDockerd(['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', setup, FAKE_DOCKERD]);
      try {
        expect(readdirSync(conf)).toEqual([]); // the config file is not in our namespace
        expect(d.dataRoots()).toEqual([`${alias}/data`]);
        // Its data root is our <real>/data: refused there, inside it, and around it.
        for (const dir of [join(real, 'data'), join(real, 'data', 'engine'), real]) {
          await expect(EngineRoot.open(dir, {create: true})).rejects.toThrow(/running dockerd/);
        }
        expect(readdirSync(real)).toEqual(['data']);
        expect(readdirSync(join(real, 'data'))).toEqual([]);
        // Our <alias>/data is another directory: not the daemon's.
        await expect(EngineRoot.open(join(alias, 'data'), {create: true})).resolves.toBeDefined();
      } finally {
        await d.stop();
      }
    },
  );

  const noDaemon = daemonUnavailable();
  it.skipIf(noDaemon)(
    `names the data root of a running dockerd${noDaemon ? ` (skipped: ${noDaemon})` : ''}`,
    async (ctx) => {
      const daemon = await startDaemon();
      if (typeof daemon === 'string') return ctx.skip(daemon);
      try {
        expect(liveDockerDataRoots().map((d) => d.path)).toContain(daemon.dataRoot);
      } finally {
        await daemon.stop();
      }
    },
    120_000,
  );
});

describe.skipIf(noXattr)(titled('fs', noXattr), () => {
  it('changes a container through the copy-on-write view; diff shows it', () => {
    expect(cli(['fs', 'web', 'append', '/etc/apache2/apache2.conf', '--root', root], {input: 'ServerName web\n'}).code).toBe(0);
    expect(cli(['fs', 'web', 'mkdir', '-p', '/var/lib/x/y', '--root', root]).code).toBe(0);
    expect(cli(['fs', 'web', 'ln', '-s', '/etc/hosts', '/var/lib/x/y/link', '--root', root]).code).toBe(0);
    const diff = cli(['diff', 'web', '--root', root]).stdout;
    for (const line of ['C /etc/apache2/apache2.conf', 'A /var/lib/x/y/link']) expect(diff).toContain(line);
    const {upper} = containerLayers(root, 'web');
    expect(readFileSync(join(upper, 'etc/apache2/apache2.conf'), 'utf8')).toBe('ServerName localhost\nServerName web\n');
  });

  it.skipIf(!isRoot)(`chown through the view; diff shows it${isRoot ? '' : ' (skipped: giving a file to another user needs root, CAP_CHOWN)'}`, () => {
    expect(cli(['fs', 'web', 'chown', '5:6', '/opt/source-code/app.py', '--root', root]).code).toBe(0);
    expect(cli(['diff', 'web', '--root', root]).stdout).toContain('C /opt/source-code/app.py');
  });

  it.skipIf(!isRoot)(
    `deletes with whiteouts and replaces directories with opaque ones${isRoot ? '' : ' (skipped: whiteouts are character devices, opaque marks trusted.* xattrs: root)'}`,
    () => {
      expect(cli(['fs', 'web', 'rm', '-r', '/usr/lib/python3/site-packages/flask', '--root', root]).code).toBe(0);
      expect(cli(['fs', 'web', 'mkdir', '/usr/lib/python3/site-packages/flask', '--root', root]).code).toBe(0);
      expect(cli(['fs', 'web', 'rm', '/etc/apache2/ports.conf', '--root', root]).code).toBe(0);
      const diff = cli(['diff', 'web', '--root', root]).stdout;
      for (const line of ['D /usr/lib/python3/site-packages/flask/app.py', 'C /usr/lib/python3/site-packages/flask', 'D /etc/apache2/ports.conf'])
        expect(diff).toContain(line);
      const {upper} = containerLayers(root, 'web');
      expect(execFileSync('stat', ['-c', '%F %t,%T', join(upper, 'etc/apache2/ports.conf')], {encoding: 'utf8'}).trim()).toBe('character special file 0,0');
    },
  );

  const failing: Array<[string[], string]> = [
    [['rm', '/nope'], 'ENOENT: /nope'],
    [['mkdir', '/etc'], 'EEXIST: /etc'],
    [['rmdir', '/etc'], 'ENOTEMPTY: /etc'],
    [['write', '/etc'], 'EISDIR: /etc'],
    [['write', '/etc/passwd/x'], 'ENOTDIR: /etc/passwd/x'],
    [['mv', '/nope', '/x'], 'ENOENT: /nope'],
    [['rm', '/opt/source-code'], 'EISDIR: /opt/source-code'],
  ];
  for (const [argv, message] of failing) {
    it(`fs ${argv.join(' ')}: "${message}", exit 1, nothing changed`, () => {
      const {upper} = containerLayers(root, 'web');
      const before = snapshot(upper);
      const r = cli(['fs', 'web', ...argv, '--root', root], {input: 'data'});
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`layerscope: fs: ${message}\n`);
      expect(snapshot(upper)).toEqual(before);
    });
  }

  it('refuses an unknown container and a root it did not create', () => {
    expect(cli(['fs', 'nobody-here', 'write', '/x', '--root', root]).stderr).toContain('no such container: nobody-here');
    const r = cli(['fs', 'web1', 'write', '/x', '--root', join(REAL_A, 'build-context')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not created by layerscope');
  });
});

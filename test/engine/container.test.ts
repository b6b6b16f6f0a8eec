// `layerscope create` and `layerscope fs`: Docker's container files, volumes and mount points, read
// back by the store reader; refusals to write into foreign or live roots; failing fs ops change nothing.
import {execFileSync, spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DockerStore} from '../../source/store/store.js';
import {findContainer} from '../../source/store/refs.js';
import {createContainer, containerLayers} from '../../source/engine/container.js';
import {assertWritableRoot, runningDockerDataRoot} from '../../source/engine/container-root.js';
import {demoImages} from '../../source/engine/demo.js';
import {cli} from '../helpers/cli.js';
import {REAL_A} from '../helpers/real-store.js';
import {snapshot} from '../helpers/snapshot.js';

let tmp: string;
let root: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'layerscope-create-'));
  root = join(tmp, 'root');
  await demoImages(root, ['myapp', 'cowlab']);
  writeFileSync(join(tmp, 'host.txt'), 'host\n');
}, 120_000);
afterAll(() => rmSync(tmp, {recursive: true, force: true}));

const json = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;

describe('create', () => {
  it("writes Docker's container files, init layer and layer record", async () => {
    const c = await createContainer({root, image: 'myapp:1', name: 'web', volumes: ['appdata:/data', `${tmp}:/host:ro`], mounts: [`type=bind,source=${tmp},target=/src,readonly`, 'type=tmpfs,target=/run/t']});
    const config = json(join(root, 'containers', c.id, 'config.v2.json'));
    expect(config).toMatchObject({ID: c.id, Name: '/web', Driver: 'overlay2', Path: 'sh', Args: ['-c', expect.stringContaining('FLASK_APP')]});
    expect(config.State).toMatchObject({Running: false, StartedAt: '0001-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z'});
    expect(config.Config).toMatchObject({Hostname: c.id.slice(0, 12), Image: 'myapp:1', AttachStdout: true, Cmd: null, Labels: {}});
    // The records a real dockerd wrote for the same flags (probed with docker create on Docker 20.10).
    expect(config.MountPoints['/data']).toEqual({Source: join(root, 'volumes/appdata/_data'), Destination: '/data', RW: true, Name: 'appdata', Driver: 'local', Type: 'volume', Relabel: 'z', Spec: {Type: 'volume', Source: 'appdata', Target: '/data'}, SkipMountpointCreation: false});
    expect(config.MountPoints['/host']).toEqual({Source: tmp, Destination: '/host', RW: false, Name: '', Driver: '', Type: 'bind', Relabel: 'ro', Propagation: 'rprivate', Spec: {Type: 'bind', Source: tmp, Target: '/host', ReadOnly: true}, SkipMountpointCreation: false});
    expect(config.MountPoints['/src']).toEqual({Source: tmp, Destination: '/src', RW: false, Name: '', Driver: '', Type: 'bind', Propagation: 'rprivate', Spec: {Type: 'bind', Source: tmp, Target: '/src', ReadOnly: true}, SkipMountpointCreation: true});
    expect(config.MountPoints['/run/t']).toEqual({Source: '', Destination: '/run/t', RW: true, Name: '', Driver: '', Type: 'tmpfs', Spec: {Type: 'tmpfs', Target: '/run/t'}, SkipMountpointCreation: false});
    const host = json(join(root, 'containers', c.id, 'hostconfig.json'));
    expect(host.Binds).toEqual(['appdata:/data', `${tmp}:/host:ro`]);
    expect(host.Mounts).toEqual([{Type: 'bind', Source: tmp, Target: '/src', ReadOnly: true}, {Type: 'tmpfs', Target: '/run/t'}]);

    const record = join(root, 'image/overlay2/layerdb/mounts', c.id);
    const mountId = readFileSync(join(record, 'mount-id'), 'utf8');
    expect(readFileSync(join(record, 'init-id'), 'utf8')).toBe(`${mountId}-init`);
    expect(existsSync(join(record, 'parent'))).toBe(true);
    const init = join(root, 'overlay2', `${mountId}-init`, 'diff');
    const list = (dir: string, rel = ''): string[] => readdirSync(join(dir, rel), {withFileTypes: true}).flatMap((e) => [`${rel}/${e.name}`, ...(e.isDirectory() ? list(dir, `${rel}/${e.name}`) : [])]);
    expect(list(init).sort()).toEqual(['/.dockerenv', '/dev', '/dev/console', '/dev/pts', '/dev/shm', '/etc', '/etc/hostname', '/etc/hosts', '/etc/mtab', '/etc/resolv.conf', '/proc', '/sys']);
    expect(readlinkSync(join(init, 'etc/mtab'))).toBe('/proc/mounts');
  });

  it('the reader sees it: state created, mounts, and the mount points in the writable layer', () => {
    const store = new DockerStore(root);
    const c = findContainer(store, 'web')!;
    expect(c.state).toBe('created');
    expect(c.mounts.map((m) => m.Destination)).toEqual(['/data', '/host', '/run/t', '/src']);
    expect(store.containerChanges(c).map((ch) => `${ch.kind} ${ch.path}`).sort()).toEqual(['A /data', 'A /host', 'A /run', 'A /run/t', 'A /src']);
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

  it("refuses an engine root that a running dockerd uses (its --data-root from /proc/<pid>/cmdline)", async () => {
    const fake = spawn('sh', ['-c', 'sleep 30', 'dockerd', '--data-root', root], {stdio: 'ignore'});
    const pidFile = join(tmp, 'docker.pid');
    writeFileSync(pidFile, String(fake.pid));
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect(runningDockerDataRoot(pidFile)).toBe(root);
      await expect(assertWritableRoot(root, pidFile)).rejects.toThrow(/running dockerd/);
      await expect(assertWritableRoot(root, join(tmp, 'no-such.pid'))).resolves.toBeUndefined();
    } finally {
      fake.kill();
    }
  });

  it.skipIf(!existsSync('/var/run/docker.pid'))('names the data root of the dockerd running here', () => {
    const cmdline = readFileSync(`/proc/${readFileSync('/var/run/docker.pid', 'utf8').trim()}/cmdline`, 'utf8').split('\0');
    const i = cmdline.indexOf('--data-root');
    expect(runningDockerDataRoot()).toBe(i >= 0 ? cmdline[i + 1] : '/var/lib/docker');
  });
});

describe('fs', () => {
  it('changes a container through the copy-on-write view; diff shows it', () => {
    expect(cli(['fs', 'web', 'append', '/etc/apache2/apache2.conf', '--root', root], {input: 'ServerName web\n'}).code).toBe(0);
    expect(cli(['fs', 'web', 'mkdir', '-p', '/var/lib/x/y', '--root', root]).code).toBe(0);
    expect(cli(['fs', 'web', 'ln', '-s', '/etc/hosts', '/var/lib/x/y/link', '--root', root]).code).toBe(0);
    expect(cli(['fs', 'web', 'chown', '5:6', '/opt/source-code/app.py', '--root', root]).code).toBe(0);
    const diff = cli(['diff', 'web', '--root', root]).stdout;
    for (const line of ['C /etc/apache2/apache2.conf', 'A /var/lib/x/y/link', 'C /opt/source-code/app.py']) expect(diff).toContain(line);
    const {upper} = containerLayers(root, 'web');
    expect(readFileSync(join(upper, 'etc/apache2/apache2.conf'), 'utf8')).toBe('ServerName localhost\nServerName web\n');
  });

  it.skipIf(process.getuid?.() !== 0)('deletes with whiteouts and replaces directories with opaque ones (root)', () => {
    expect(cli(['fs', 'web', 'rm', '-r', '/usr/lib/python3/site-packages/flask', '--root', root]).code).toBe(0);
    expect(cli(['fs', 'web', 'mkdir', '/usr/lib/python3/site-packages/flask', '--root', root]).code).toBe(0);
    expect(cli(['fs', 'web', 'rm', '/etc/apache2/ports.conf', '--root', root]).code).toBe(0);
    const diff = cli(['diff', 'web', '--root', root]).stdout;
    for (const line of ['D /usr/lib/python3/site-packages/flask/app.py', 'C /usr/lib/python3/site-packages/flask', 'D /etc/apache2/ports.conf']) expect(diff).toContain(line);
    const {upper} = containerLayers(root, 'web');
    expect(execFileSync('stat', ['-c', '%F %t,%T', join(upper, 'etc/apache2/ports.conf')], {encoding: 'utf8'}).trim()).toBe('character special file 0,0');
  });

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

// `layerscope demo`: built without a daemon and without root (run as nobody through setpriv), then
// read back by the store reader: images with the shared cache layers, containers with copy-ups, a
// deletion and an opaque directory, a named and an anonymous volume, a bind mount and a tmpfs.
import {execFileSync, spawnSync} from 'node:child_process';
import {chmodSync, existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DockerStore} from '../../source/store/store.js';
import {findContainer, findImage} from '../../source/store/refs.js';
import {getAttributeSync} from '../../source/store/xattr-native.js';
import {containerLayers} from '../../source/engine/container.js';
import {defaultDemoDir, ensureDemo} from '../../source/engine/demo.js';
import {noXattr, titled} from '../helpers/addons.js';
import {CLI, cli} from '../helpers/cli.js';

const isRoot = process.getuid?.() === 0;
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;
const lines = (text: string) => text.split('\n').filter(Boolean);

/** The demo command as an unprivileged user: nobody when we are root, else ourselves. */
function demoAsUser(dir: string) {
  const argv = [process.execPath, CLI, 'demo', dir];
  const [cmd, ...args] = isRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...argv] : argv;
  return spawnSync(cmd!, args, {encoding: 'utf8', timeout: 120_000, env: {...process.env, HOME: dir}});
}

const withoutRoot = isRoot && !hasSetpriv ? 'no setpriv to drop root' : noXattr;
describe.skipIf(withoutRoot)(titled('demo without root', withoutRoot), () => {
  let tmp: string;
  let dir: string;
  let output: string;
  let root: string;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'layerscope-demo-'));
    chmodSync(tmp, 0o777);
    dir = join(tmp, 'demo');
    const r = demoAsUser(dir);
    if (r.status !== 0) throw new Error(`demo failed: ${r.stderr}`);
    output = r.stdout;
    root = join(dir, 'root');
  }, 180_000);
  afterAll(() => rmSync(tmp, {recursive: true, force: true}));

  it('says how it wrote deletions without root and where the root is', () => {
    expect(output).toContain('not running as root');
    expect(output).toContain('.wh..wh..opq');
    expect(output).toContain(`demo root: ${root}`);
  });

  it('images: the two applications share base and install layers (the second build used the cache)', () => {
    const store = new DockerStore(root);
    const tags = [...store.images.values()].flatMap((i) => i.tags).sort();
    expect(tags).toEqual(['cowlab:1', 'localbase:1', 'myapp2:1', 'myapp:1']);
    const a = findImage(store, 'myapp:1')!.layers;
    const b = findImage(store, 'myapp2:1')!.layers;
    expect(a).toHaveLength(4);
    expect(b.slice(0, 3)).toEqual(a.slice(0, 3));
    expect(b[3]).not.toEqual(a[3]);
    expect(output.match(/Using cache/g)).toHaveLength(2);
    expect(findImage(store, 'cowlab:1')!.layers.slice(0, 4)).toEqual(a);
  });

  it('containers: copy-ups, a deletion and an opaque directory, in the form the reader reads', () => {
    const web1 = lines(cli(['diff', 'web1', '--root', root]).stdout);
    expect(web1).toEqual(
      expect.arrayContaining([
        'C /etc/apache2/apache2.conf',
        'D /etc/apache2/ports.conf',
        'C /opt/source-code/app.py',
        'A /var/log/app.log',
        'C /usr/lib/python3/site-packages/flask',
        'A /usr/lib/python3/site-packages/flask/new.py',
        'D /usr/lib/python3/site-packages/flask/app.py',
        'A /data',
        'A /src',
      ]),
    );
    const job2 = lines(cli(['diff', 'job2', '--root', root]).stdout);
    expect(job2).toEqual(
      expect.arrayContaining(['D /var/log/big.hardlink', 'D /etc/apache2', 'A /etc/apache2.bak/ports.conf', 'A /var/cache/app', 'A /run/tmp']),
    );
    const store = new DockerStore(root);
    expect(store.containers.map((c) => `${c.name}:${c.state}`).sort()).toEqual(['idle3:created', 'job2:created', 'web1:created']);
    expect(store.problemList).toEqual([]);
  });

  it('volumes and mounts: appdata (used by web1 and idle3), an anonymous volume, a bind mount, a tmpfs', () => {
    const volumes = JSON.parse(cli(['volumes', '--root', root, '--json']).stdout) as Array<{Name: string}>;
    expect(volumes.map((v) => v.Name)).toContain('appdata');
    expect(volumes.filter((v) => /^[0-9a-f]{64}$/.test(v.Name))).toHaveLength(1);
    const store = new DockerStore(root);
    expect(findContainer(store, 'web1')!.mounts.map((m) => `${m.Type} ${m.Destination} ${m.RW ? 'rw' : 'ro'}`)).toEqual(['volume /data rw', 'bind /src ro']);
    expect(findContainer(store, 'idle3')!.mounts.map((m) => `${m.Type} ${m.Destination} ${m.RW ? 'rw' : 'ro'}`)).toEqual(['volume /data ro']);
    expect(findContainer(store, 'job2')!.mounts.map((m) => `${m.Type} ${m.Destination}`)).toEqual(['tmpfs /run/tmp', 'volume /var/cache/app']);
  });

  it('a second run reuses the complete demo', () => {
    const r = demoAsUser(dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('reusing the demo');
    expect(r.stdout).not.toContain('Step 1/');
  });
});

describe('demo directory rules', () => {
  it('defaults to $XDG_CACHE_HOME/layerscope/demo, else ~/.cache/layerscope/demo', () => {
    const saved = process.env.XDG_CACHE_HOME;
    try {
      process.env.XDG_CACHE_HOME = '/x/cache';
      expect(defaultDemoDir()).toBe('/x/cache/layerscope/demo');
      delete process.env.XDG_CACHE_HOME;
      expect(defaultDemoDir()).toMatch(/\/\.cache\/layerscope\/demo$/);
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    }
  });

  it('refuses a non-empty directory that holds no demo', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'layerscope-demo-foreign-'));
    execFileSync('touch', [join(tmp, 'mine')]);
    await expect(ensureDemo(tmp)).rejects.toThrow(/holds no layerscope demo/);
    expect(existsSync(join(tmp, 'mine'))).toBe(true);
    rmSync(tmp, {recursive: true});
  });

  it.skipIf(!isRoot || noXattr)(titled('as root: kernel-form whiteouts (character devices) and opaque xattrs', isRoot ? noXattr : undefined), async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'layerscope-demo-root-'));
    try {
      const root = await ensureDemo(join(tmp, 'demo'));
      const found = execFileSync('find', [join(root, 'overlay2'), '-name', '.wh.*'], {encoding: 'utf8'});
      expect(found).toBe('');
      const {upper} = containerLayers(root, 'web1');
      expect(getAttributeSync(join(upper, 'usr/lib/python3/site-packages/flask'), 'trusted.overlay.opaque').toString()).toBe('y');
      expect(execFileSync('stat', ['-c', '%F', join(upper, 'etc/apache2/ports.conf')], {encoding: 'utf8'}).trim()).toBe('character special file');
      expect(lines(cli(['diff', 'web1', '--root', root]).stdout)).toEqual(
        expect.arrayContaining(['D /etc/apache2/ports.conf', 'D /usr/lib/python3/site-packages/flask/app.py']),
      );
    } finally {
      rmSync(tmp, {recursive: true, force: true});
    }
  });
});

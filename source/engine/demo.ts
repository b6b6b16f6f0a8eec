// `layerscope demo [DIR]`: a complete example store built by the engine, no daemon needed and, where
// possible, no root: the two-application layer-cache example (myapp, myapp2), a copy-on-write lab
// image (cowlab), containers with copy-ups, deletions and an opaque directory, a named volume, an
// anonymous volume, a bind mount and a tmpfs. DIR/root is the data root; DIR/demo.json marks it complete.
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {homedir, tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from './build.js';
import {createContainer} from './container.js';
import {DemoChanges} from './demo-changes.js';
import {demoRootfsTar, hasBusybox} from './demo-rootfs.js';
import {importRootfs, type Output} from './import.js';
import {EngineRoot} from './engine-root.js';

export const DEMO_CONTEXT = fileURLToPath(new URL('../../fixtures/demo/', import.meta.url));
const STATE_FILE = 'demo.json';

export function defaultDemoDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'layerscope', 'demo');
}

interface DemoState {
  complete: boolean;
  root: string;
  /** how deletions and opaque directories were written */
  whiteouts: 'overlay' | 'oci';
}

function readState(dir: string): DemoState | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as DemoState;
  } catch {
    return undefined;
  }
}

/** The demo root in DIR, built unless a complete demo is already there. */
export async function ensureDemo(dir: string = defaultDemoDir(), out?: Output): Promise<string> {
  dir = resolve(dir);
  const root = join(dir, 'root');
  const state = readState(dir);
  if (state?.complete) {
    out?.write(`reusing the demo in ${dir}\n`);
    return root;
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    // Only a demo we left half-built is ours to remove.
    if (!state) throw new Error(`${dir} is not empty and holds no layerscope demo; choose another directory`);
    rmSync(dir, {recursive: true, force: true});
  }
  const oci = process.getuid?.() !== 0;
  mkdirSync(dir, {recursive: true});
  writeFileSync(join(dir, STATE_FILE), JSON.stringify({complete: false, root, whiteouts: oci ? 'oci' : 'overlay'} satisfies DemoState));
  await buildDemo(dir, root, oci, out);
  writeFileSync(join(dir, STATE_FILE), `${JSON.stringify({complete: true, root, whiteouts: oci ? 'oci' : 'overlay'} satisfies DemoState, null, 2)}\n`);
  return root;
}

const DEMO_IMAGES = ['myapp', 'myapp2', 'cowlab'];

/** The demo's images in an engine root: localbase:1 imported, then `IMAGE:1` built from each fixtures/demo/Dockerfile.IMAGE. */
export async function demoImages(root: string, images: readonly string[] = DEMO_IMAGES, out?: Output): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'layerscope-demo-rootfs-'));
  const rootfs = join(tmp, 'rootfs.tar');
  try {
    writeFileSync(rootfs, demoRootfsTar());
    out?.write(`importing the base image localbase:1 (${hasBusybox() ? 'busybox' : 'a few plain files: no /bin/busybox here'})\n`);
    await importRootfs({root, archive: rootfs, ref: 'localbase:1', out});
  } finally {
    rmSync(tmp, {recursive: true, force: true});
  }
  for (const image of images) {
    out?.write(`building ${image}:1 from ${join(DEMO_CONTEXT, `Dockerfile.${image}`)}\n`);
    await build({root, context: DEMO_CONTEXT, file: `Dockerfile.${image}`, tags: [`${image}:1`], out});
  }
}

async function buildDemo(dir: string, root: string, oci: boolean, out?: Output): Promise<void> {
  const say = (text: string): void => void out?.write(text);
  await EngineRoot.open(root, {create: true});
  if (oci) {
    say(
      'note: not running as root, so deletions are written as OCI .wh.<name> files and opaque directories as\n' +
        "      .wh..wh..opq files (the kernel's character-device whiteouts and trusted.* xattrs need root),\n" +
        `      and files belong to uid ${process.getuid?.()} instead of root\n`,
    );
  }
  await demoImages(root, DEMO_IMAGES, out);

  const hostdata = join(dir, 'hostdata');
  mkdirSync(hostdata);
  writeFileSync(join(hostdata, 'host.txt'), 'from host\n');

  say('creating web1 (named volume appdata at /data, read-only bind mount at /src)\n');
  const web1 = await createContainer({
    root,
    image: 'myapp:1',
    name: 'web1',
    volumes: ['appdata:/data'],
    mounts: [`type=bind,source=${hostdata},target=/src,readonly`],
  });
  const w = new DemoChanges(root, web1.id, oci);
  w.append('/etc/apache2/apache2.conf', 'ServerName web1\n'); // copy-up
  w.remove('/etc/apache2/ports.conf'); // deletion
  w.write('/var/log/app.log', 'log1\n');
  w.replaceDir('/usr/lib/python3/site-packages/flask'); // opaque directory
  w.write('/usr/lib/python3/site-packages/flask/new.py', 'new\n');
  w.op('chmod', '700', '/opt/source-code/app.py'); // copy-up of metadata only
  w.write('/tmp/scratch', '');
  mkdirSync(join(root, 'volumes', 'appdata', '_data', 'db'));
  writeFileSync(join(root, 'volumes', 'appdata', '_data', 'db', 't1'), 'row\n');

  say('creating job2 (anonymous volume from VOLUME /var/cache/app, tmpfs at /run/tmp)\n');
  const job2 = await createContainer({root, image: 'cowlab:1', name: 'job2', mounts: ['type=tmpfs,target=/run/tmp']});
  writeFileSync(join(root, 'volumes', job2.volumes[0]!, '_data', 'c.bin'), 'cached\n');
  const j = new DemoChanges(root, job2.id, oci);
  j.append('/opt/source-code/app.py', 'edited\n');
  j.remove('/var/log/big.hardlink');
  j.moveDir('/etc/apache2', '/etc/apache2.bak');

  say('creating idle3 (appdata mounted read-only)\n');
  await createContainer({root, image: 'myapp2:1', name: 'idle3', volumes: ['appdata:/data:ro']});
  say(`demo ready: ${root}\n`);
}

// `layerscope commit`: the writable layer becomes an image layer with the same changes (whiteouts and
// opaque directories in their layer form), a history row like docker commit's, and the container as it was.
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DockerStore} from '../../source/store/store.js';
import {findContainer, findImage} from '../../source/store/refs.js';
import {commit} from '../../source/engine/commit.js';
import {containerFsOp} from '../../source/engine/container-fs.js';
import {containerLayers, createContainer} from '../../source/engine/container.js';
import {demoImages} from '../../source/engine/demo.js';
import {cli, cliJson} from '../helpers/cli.js';
import {snapshot} from '../helpers/snapshot.js';
import {noXattr, titled} from '../helpers/addons.js';

const isRoot = process.getuid?.() === 0;
let tmp: string;
let root: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'layerscope-commit-'));
  root = join(tmp, 'root');
  await demoImages(root, ['myapp']);
  await createContainer({root, image: 'myapp:1', name: 'web', cmd: ['sleep', '60']});
  const op = (argv: string[], data?: string) => containerFsOp(root, 'web', argv, data === undefined ? undefined : Buffer.from(data));
  await op(['append', '/etc/apache2/apache2.conf'], 'ServerName web\n');
  await op(['write', '/var/log/app.log'], 'log\n');
  await op(['chmod', '700', '/opt/source-code/app.py']);
  if (isRoot) {
    await op(['rm', '/etc/apache2/ports.conf']);
    await op(['rm', '-r', '/usr/lib/python3/site-packages/flask']);
    await op(['mkdir', '/usr/lib/python3/site-packages/flask']);
    await op(['write', '/usr/lib/python3/site-packages/flask/new.py'], 'new\n');
  }
}, 120_000);
afterAll(() => rmSync(tmp, {recursive: true, force: true}));

describe.skipIf(noXattr)(titled('commit', noXattr), () => {
  let changes: string[];

  it('makes a new image whose top layer holds exactly the container changes; the container is untouched', async () => {
    const {upper} = containerLayers(root, 'web');
    const before = snapshot(upper);
    const {id} = await commit({root, container: 'web', ref: 'web-snap:1', comment: 'snapshot'});
    expect(snapshot(upper)).toEqual(before);

    const store = new DockerStore(root);
    const image = findImage(store, 'web-snap:1')!;
    expect(image.id).toBe(id);
    const container = findContainer(store, 'web')!;
    changes = store.containerChanges(container).map((c) => `${c.kind} ${c.path}`);
    expect(store.layerChanges(image.layers.at(-1)!).map((c) => `${c.kind} ${c.path}`)).toEqual(changes);
    expect(changes).toContain('C /etc/apache2/apache2.conf');
    if (isRoot)
      expect(changes).toEqual(
        expect.arrayContaining(['D /etc/apache2/ports.conf', 'D /usr/lib/python3/site-packages/flask/app.py', 'A /usr/lib/python3/site-packages/flask/new.py']),
      );
    expect(image.layers).toHaveLength(findImage(store, 'myapp:1')!.layers.length + 1);
  });

  it("history: docker commit's row on top of the image's (created_by = the container's CMD, comment)", () => {
    const base = cliJson<{CreatedBy: string}[]>(['history', 'myapp:1', '--root', root]);
    const rows = cliJson<{CreatedBy: string; Comment: string; Size: number}[]>(['history', 'web-snap:1', '--root', root]);
    expect(rows.slice(1).map((r) => r.CreatedBy)).toEqual(base.map((r) => r.CreatedBy));
    expect(rows[0]).toMatchObject({CreatedBy: 'sleep 60', Comment: 'snapshot'});
    expect(rows[0]!.Size).toBeGreaterThan(0);
  });

  it('a container made from the committed image sees the changes', async () => {
    await createContainer({root, image: 'web-snap:1', name: 'again'});
    const r = cli(['ls', 'again', '/etc/apache2', '--root', root]);
    expect(r.stdout).toContain('apache2.conf');
    if (isRoot) expect(r.stdout).not.toContain('ports.conf');
  });

  it('an unchanged container commits an empty layer, recorded in history only', async () => {
    const {id} = await commit({root, container: 'again', ref: 'again:1'});
    const store = new DockerStore(root);
    expect(findImage(store, 'again:1')!.id).toBe(id);
    expect(findImage(store, 'again:1')!.layers).toEqual(findImage(store, 'web-snap:1')!.layers);
  });
});

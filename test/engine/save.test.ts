// save: archives Docker itself accepts. Oracles: Docker's own `docker save` output, and a real dockerd.
import {randomBytes} from 'node:crypto';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as tar from 'tar';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {build} from '../../source/engine/build.js';
import {importRootfs, load} from '../../source/engine/import.js';
import {save} from '../../source/engine/save.js';
import {startDaemon, type Daemon} from '../helpers/dockerd.js';
import {isRoot} from '../helpers/fixture-root.js';
import {REAL_A} from '../helpers/real-store.js';

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-save-'));
afterAll(() => rmSync(tmp, {recursive: true, force: true}));

describe.skipIf(!isRoot)(`save after load${isRoot ? '' : ' (skipped: loading whiteouts needs root for mknod)'}`, () => {
  it("re-creates Docker's own docker save archives byte for byte", async () => {
    const root = join(tmp, 'loaded');
    await load({root, archive: join(REAL_A, 'myapps.docker-archive.tar')});
    await load({root, archive: join(REAL_A, 'cowlab.docker-archive.tar')});
    await save({root, images: ['myapp:1', 'myapp2:1'], output: join(tmp, 'myapps.tar')});
    await save({root, images: ['cowlab:1'], output: join(tmp, 'cowlab.tar')});
    expect(readFileSync(join(tmp, 'myapps.tar')).equals(readFileSync(join(REAL_A, 'myapps.docker-archive.tar')))).toBe(true);
    expect(readFileSync(join(tmp, 'cowlab.tar')).equals(readFileSync(join(REAL_A, 'cowlab.docker-archive.tar')))).toBe(true);
  });
});

describe.skipIf(!isRoot)(`a built image in a real dockerd${isRoot ? '' : ' (skipped: dockerd needs root)'}`, () => {
  let daemon: Daemon | string = 'not started';
  const docker = (...args: string[]) => (daemon as Daemon).docker(...args);
  const tag = `layerscope-save-test:${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    daemon = await startDaemon();
  }, 400_000);
  afterAll(async () => {
    if (typeof daemon !== 'string') await daemon.stop();
  }, 120_000);

  it('docker load accepts our archive and docker run starts it', async (ctx) => {
    if (typeof daemon === 'string') return ctx.skip(`no dockerd: ${daemon}`);
    const root = join(tmp, 'built');
    const base = join(tmp, 'base');
    mkdirSync(base);
    const layer = '5b5875136b98c7a4777fed8730d09ba14324bdeb38b0c6342d9c0a75ddc310f6/layer.tar';
    await tar.x({file: join(REAL_A, 'myapps.docker-archive.tar'), cwd: base}, [layer]);
    await importRootfs({root, archive: join(base, layer), ref: 'localbase:1'});
    const ctxDir = join(tmp, 'ctx');
    mkdirSync(join(ctxDir, 'app'), {recursive: true});
    writeFileSync(join(ctxDir, 'app/hello.txt'), 'hello from layerscope\n');
    writeFileSync(
      join(ctxDir, 'Dockerfile'),
      'FROM localbase:1\nCOPY app /opt/app\nWORKDIR /opt/app\nENV WHO=engine\nCMD ["sh", "-c", "cat hello.txt; echo $WHO"]\n',
    );
    const {id} = await build({root, context: ctxDir, tags: [tag]});
    await save({root, images: [tag], output: join(tmp, 'built.tar')});
    expect(await docker('load', '-i', join(tmp, 'built.tar'))).toContain(`Loaded image: ${tag}`);
    expect((await docker('image', 'inspect', '--format', '{{.Id}}', tag)).trim()).toBe(id);
    expect(await docker('run', '--rm', '--network', 'none', tag)).toBe('hello from layerscope\nengine\n');
  }, 120_000);
});

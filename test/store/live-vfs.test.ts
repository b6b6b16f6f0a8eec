// The vfs driver keeps every layer as a full copy: layerscope derives each layer's changes by
// comparing full trees. A private dockerd with --storage-driver vfs makes the root.
import {resolve} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cli, cliJson} from '../helpers/cli.js';
import {startDaemon, type Daemon} from '../helpers/dockerd.js';
import {lines} from '../helpers/fixture-root.js';

const SCENARIO = resolve(import.meta.dirname, '../../fixtures/scenario-b');
let daemon: Daemon | string = 'not started';
const docker = (...args: string[]) => (daemon as Daemon).docker(...args);

beforeAll(async () => {
  daemon = await startDaemon({driver: 'vfs', baseImage: true});
  if (typeof daemon === 'string') return;
  await docker('build', '-q', '-t', 'scenb:1', SCENARIO);
  await docker('run', '-d', '--name', 'v1', '--network', 'none', '--user', '0', 'scenb:1');
  await docker(
    'exec',
    'v1',
    'sh',
    '-c',
    'echo more >> /srv/app/a.txt; chmod 600 /srv/app/lib/c.txt; rm -rf /srv/app/lib/deep; mkdir -p /srv/app/new/x && echo n > /srv/app/new/x/z; rm /etc/passwd; touch /srv/app/big',
  );
}, 600_000);

afterAll(async () => {
  if (typeof daemon === 'string') return;
  await daemon.stop();
}, 120_000);

describe('a vfs root written by a real dockerd', () => {
  const root = () => (daemon as Daemon).dataRoot;

  it('diff of a running container equals docker diff', async (ctx) => {
    if (typeof daemon === 'string') return ctx.skip(daemon);
    const want = lines(await docker('diff', 'v1'));
    const r = cli(['diff', 'v1', '--root', root()]);
    expect(r.code, r.stderr).toBe(0);
    expect(new Set(lines(r.stdout))).toEqual(new Set(want));
  });

  it('history and image sizes equal docker history', async (ctx) => {
    if (typeof daemon === 'string') return ctx.skip(daemon);
    const want = lines(await docker('history', '--no-trunc', '--format', '{{json .}}', 'scenb:1')).map(
      (l) => JSON.parse(l) as {ID: string; CreatedBy: string; Size: string},
    );
    const got = cliJson<{ID: string; CreatedBy: string; SizeHuman: string}[]>(['history', 'scenb:1', '--root', root()]);
    expect(got.map((g) => [g.ID, g.CreatedBy, g.SizeHuman])).toEqual(want.map((w) => [w.ID, w.CreatedBy, w.Size]));
  });

  it('per-layer changes of a full-copy layer are derived from the trees', async (ctx) => {
    if (typeof daemon === 'string') return ctx.skip(daemon);
    // layer 2 of scenario-b removes /srv/app/gone and recreates /srv/app/swap as a directory
    const r = cli(['diff', 'scenb:1@2', '--root', root()]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toEqual(expect.arrayContaining(['D /srv/app/gone', 'C /srv/app/swap', 'A /srv/app/lib/c.txt', 'D /srv/app/lib/b.txt']));
    const ls = cliJson<{Path: string; Layer: number}[]>(['ls', 'scenb:1', '/srv/app', '--root', root()]);
    expect(ls.find((e) => e.Path === '/srv/app/notes.txt')?.Layer).toBe(3);
    expect(ls.find((e) => e.Path === '/srv/app/big')?.Layer).toBe(1);
  });
});

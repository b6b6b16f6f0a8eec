// The Dockerfile: the image it builds runs the explorer and the commands on a real dockerd's root,
// mounted read-only, as a user runs it on a host. The base image holds this machine's node
// (scripts/make-node-image.sh), so no registry is needed; a private dockerd builds and runs it.
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {run, SCRIPTS, startDaemon, type Daemon} from '../helpers/dockerd.js';
import {ensureBuilt, hasTmux, REPO, Term} from '../helpers/terminal.js';

const why = hasTmux ? undefined : 'tmux is not installed';
let daemon: Daemon | string = 'not started';
let built = false;

beforeAll(async () => {
  if (why) return;
  ensureBuilt();
  daemon = await startDaemon();
  if (typeof daemon === 'string') return;
  const env = {...process.env, DOCKER_HOST: daemon.host, DOCKER_BUILDKIT: '0'};
  await run(join(SCRIPTS, 'make-node-image.sh'), ['layerscope-node:local'], {env, timeout: 300_000});
  await daemon.docker('build', '-q', '--build-arg', 'BASE=layerscope-node:local', '-t', 'layerscope:test', REPO);
  built = true;
}, 600_000);
afterAll(async () => {
  if (typeof daemon !== 'string') await daemon.stop();
}, 120_000);

describe.skipIf(why)(`the container image${why ? ` (skipped: ${why})` : ''}`, () => {
  let term: Term | undefined;
  afterEach(() => term?.close());
  const mount = () => `${(daemon as Daemon).dataRoot}:/var/lib/docker:ro`;

  it('runs a command on the host store mounted read-only: images as docker images -a lists them', async (ctx) => {
    if (typeof daemon === 'string') return ctx.skip(daemon);
    expect(built).toBe(true);
    const out = await daemon.docker('run', '--rm', '--network', 'none', '-v', mount(), 'layerscope:test', 'images', '--json');
    const ours = (JSON.parse(out) as {Repository: string; Tag: string}[]).map((r) => `${r.Repository}:${r.Tag}`).sort();
    const theirs = (await daemon.docker('images', '-a', '--format', '{{.Repository}}:{{.Tag}}')).split('\n').filter(Boolean).sort();
    expect(ours).toEqual(theirs);
    // The native addons `npm ci` built here come along (opaque directories, zstd layers).
    for (const addon of ['fs-xattr', 'zstd-napi']) {
      if (!existsSync(join(REPO, 'node_modules', addon))) continue;
      await daemon.docker(
        'run',
        '--rm',
        '--network',
        'none',
        '--entrypoint',
        'node',
        'layerscope:test',
        '-e',
        `require('/opt/layerscope/node_modules/${addon}')`,
      );
    }
  });

  it('runs the explorer in a terminal (docker run -it) on that store, and q quits it', async (ctx) => {
    if (typeof daemon === 'string') return ctx.skip(daemon);
    expect(existsSync(join(REPO, 'Dockerfile'))).toBe(true);
    term = new Term(100, 30);
    term.run(['docker', 'run', '--rm', '-it', '--network', 'none', '-v', mount(), 'layerscope:test'], {DOCKER_HOST: daemon.host});
    const s = await term.waitFor((x) => x.includes('[images]') && x.includes('layerscope:test'), 'the explorer on the host store', 60_000);
    expect(s).toContain('[docker overlay2]');
    expect(s).toContain('layerscope-node:local');
    await term.keys('q');
    await term.waitFor((x) => x.includes('exited with 0'), 'the explorer to quit');
  });
});

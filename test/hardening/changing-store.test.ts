// A store that changes under the reader: a real dockerd adds and removes containers, images and
// volumes and writes into writable layers while layerscope indexes and watches the root.
// Nothing may throw, and the watched view must converge to what a fresh read of the root says.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openRoot} from '../../source/store/docker-root.js';
import {watchStore, type StoreWatch} from '../../source/store/watch.js';
import type {DockerStore} from '../../source/store/store.js';
import {cli} from '../helpers/cli.js';
import {startDaemon, type Daemon} from '../helpers/dockerd.js';

const tag = `lschg${process.pid}`;
let daemon: Daemon | string = 'not started';
const docker = (...args: string[]) => (daemon as Daemon).docker(...args);

beforeAll(async () => {
  daemon = await startDaemon({baseImage: true});
}, 600_000);

afterAll(async () => {
  if (typeof daemon !== 'string') await daemon.stop();
}, 120_000);

/** What must agree between the watched store and a fresh one. */
function state(store: DockerStore) {
  return {
    containers: store.containers.map((c) => `${c.name} ${c.state}`).sort(),
    images: [...store.images.values()].map((i) => `${i.id} ${i.tags.join(',')}`).sort(),
    volumes: store.volumes.map((v) => `${v.name} ${v.usedBy.length}`).sort(),
    diffs: store.containers
      .map(
        (c) =>
          `${c.name}: ${store
            .containerChanges(c)
            .map((ch) => `${ch.kind} ${ch.path}`)
            .join(' ')}`,
      )
      .sort(),
  };
}

async function until(check: () => boolean, ms = 30_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (check()) return true;
  return check();
}

describe('a store changing under the reader', () => {
  it('no crash while dockerd rewrites the root; the watched view converges', async (ctx) => {
    if (typeof daemon === 'string') return ctx.skip(daemon);
    const root = daemon.dataRoot;
    const store = openRoot(root);
    let watch: StoreWatch | undefined;
    const errors: unknown[] = [];
    try {
      watch = watchStore(store, () => {
        // index while the daemon works: every event batch makes the store compute every view again
        try {
          state(store);
        } catch (err) {
          errors.push(err);
        }
      });
      await watch.ready;
      const busy = (async () => {
        await docker('volume', 'create', `${tag}-v`);
        await docker('run', '-d', '--name', `${tag}-a`, '--network', 'none', '-v', `${tag}-v:/v`, 'localbase:1', 'sleep', '3600');
        await docker('exec', `${tag}-a`, 'sh', '-c', 'echo x > /tmp/x; rm /etc/passwd; mkdir -p /opt/n && echo y > /opt/n/y');
        await docker('commit', `${tag}-a`, `${tag}:1`);
        await docker('run', '-d', '--name', `${tag}-b`, '--network', 'none', `${tag}:1`, 'sleep', '3600');
        await docker('create', '--name', `${tag}-c`, '--network', 'none', `${tag}:1`);
        await docker('exec', `${tag}-b`, 'sh', '-c', 'rm -rf /opt/n; echo z > /tmp/z');
        await docker('rm', '-f', `${tag}-c`);
        await docker('stop', '-t', '1', `${tag}-a`);
        await docker('tag', `${tag}:1`, `${tag}:2`);
        await docker('rm', '-f', `${tag}-a`);
        await docker('rmi', `${tag}:2`);
      })();
      // the CLI too, run again and again against the moving root: never a crash
      while (!(await Promise.race([busy.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 50))]))) {
        const r = cli(['df', '--root', root], {timeout: 30_000});
        expect([0, 1], r.stderr).toContain(r.code);
        expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)/);
      }
      await busy;
      const fresh = () => state(openRoot(root));
      const converged = await until(() => JSON.stringify(state(store)) === JSON.stringify(fresh()));
      expect(state(store)).toEqual(fresh());
      expect(converged).toBe(true);
      expect(errors).toEqual([]);
      expect(state(store).containers).toContain(`${tag}-b running`);
      expect(state(store).diffs.find((d) => d.startsWith(`${tag}-b:`))).toContain('A /tmp/z');
    } finally {
      await watch?.close();
    }
  }, 300_000);
});

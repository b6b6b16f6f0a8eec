// Multi-stage builds: COPY --from another stage, through a symlinked parent directory of the source
// image (`/lib -> usr/lib`), read back by the store reader; and, where a real dockerd is available,
// the same build by Docker's classic builder gives the same merged tree and created_by forms.
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as tar from 'tar';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {build} from '../../source/engine/build.js';
import {createRoot} from '../../source/engine/layout.js';
import {ArchiveStore} from '../../source/store/archive.js';
import {findImage} from '../../source/store/refs.js';
import {DockerStore, type LayerStore} from '../../source/store/store.js';
import {walk} from '../../source/tree/entry.js';
import {startDaemon, type Daemon} from '../helpers/dockerd.js';
import {noXattr, titled} from '../helpers/addons.js';

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-multistage-'));
const ctx = join(tmp, 'ctx');
const root = join(tmp, 'root');
const tag = `lsmulti${process.pid}:1`;
let daemon: Daemon | string = 'not started';
const docker = (...args: string[]) => (daemon as Daemon).docker(...args);

beforeAll(async () => {
  mkdirSync(join(ctx, 'files/usr/lib/app'), {recursive: true});
  mkdirSync(join(ctx, 'files/app/etc'), {recursive: true});
  writeFileSync(join(ctx, 'files/usr/lib/app/x.txt'), 'from the first stage\n');
  writeFileSync(join(ctx, 'files/app/etc/conf'), 'k=v\n');
  symlinkSync('usr/lib', join(ctx, 'files/lib'));
  await tar.c({file: join(ctx, 'rootfs.tar'), cwd: join(ctx, 'files'), portable: true}, ['usr', 'app', 'lib']);
  writeFileSync(
    join(ctx, 'Dockerfile'),
    'FROM scratch AS src\nADD rootfs.tar /\n\nFROM scratch\nCOPY --from=src /lib/app/x.txt /x.txt\nCOPY --from=src /app /app\nCMD ["true"]\n',
  );
  await createRoot(root);
  daemon = await startDaemon(); // its docker() uses the classic builder, the one layerscope's builder follows
}, 600_000);

afterAll(async () => {
  if (typeof daemon !== 'string') await daemon.stop();
  rmSync(tmp, {recursive: true, force: true});
}, 120_000);

/** Every path of an image's merged view with its type and size (directories' sizes left out). */
function listing(store: LayerStore, ref: string): string[] {
  const image = findImage(store, ref);
  if (!image) throw new Error(`${ref} not found`);
  return [...walk(store.merged(image.layers.at(-1)))].map(([p, n]) => `${p} ${n.meta.kind} ${n.meta.kind === 'dir' ? '' : n.meta.size}`);
}

describe.skipIf(noXattr)(titled('multi-stage build with COPY --from', noXattr), () => {
  it('copies from the other stage, resolving a symlinked parent inside that stage', async () => {
    const r = await build({root, context: ctx, tags: [tag], out: {write: () => undefined}});
    const store = new DockerStore(root);
    expect(listing(store, tag)).toEqual(['/app dir ', '/app/etc dir ', '/app/etc/conf file 4', '/x.txt file 21']);
    const image = store.images.get(r.id)!;
    expect(image.history.map((h) => h.createdBy.replace(/[0-9a-f]{64}/, 'HASH'))).toEqual([
      '/bin/sh -c #(nop) COPY file:HASH in /x.txt ',
      '/bin/sh -c #(nop) COPY dir:HASH in /app ',
      '/bin/sh -c #(nop)  CMD ["true"]',
    ]);
  });

  it('gives the merged tree and history forms Docker gives for the same build', async (ctx2) => {
    if (typeof daemon === 'string') return ctx2.skip(`no dockerd: ${daemon}`);
    await docker('build', '-q', '-t', tag, ctx);
    await docker('save', '-o', join(tmp, 'docker.tar'), tag);
    const theirs = await ArchiveStore.open(join(tmp, 'docker.tar'));
    const ours = new DockerStore(root);
    expect(listing(ours, tag)).toEqual(listing(theirs, tag));
    const forms = (s: LayerStore) => findImage(s, tag)!.history.map((h) => h.createdBy.replace(/[0-9a-f]{64}/, 'HASH'));
    expect(forms(ours)).toEqual(forms(theirs));
  });
});

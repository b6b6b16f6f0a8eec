// Exit 3 means the answer printed is not whole: a command about one image or container exits 3 for
// problems about what it read (its records, the layers of its chain, shared ones included), and 0
// with the warnings still printed when every problem is about other items. Listings of the whole
// store, and problems naming no known item, keep exit 3. Damaged copies of real roots.
import {readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, afterEach, describe, expect, it} from 'vitest';
import {openSource} from '../../source/store/open.js';
import {findImage} from '../../source/store/refs.js';
import type {LayerStore} from '../../source/store/store.js';
import {cli, type CliResult} from '../helpers/cli.js';
import {craftRoot, type CraftedRoot} from '../helpers/crafted-root.js';
import {cleanupFixtures, extractFixture, fixtureSkip} from '../helpers/fixture-root.js';
import {canExtract, cleanupExtracted, extractRealStoreA, skipReason} from '../helpers/real-store.js';

/** Exit 0, the warning naming `item` printed, and a last line saying the answer is whole. */
function whole(r: CliResult, item: string, what: string): void {
  expect(r.code, `${what}: ${r.stderr}`).toBe(0);
  expect(r.stderr, what).toContain(`warning: ${item}`);
  expect(r.stderr, what).toMatch(/concerns? other items of the store; this answer is whole\n$/);
}

function incomplete(r: CliResult, what: string): void {
  expect(r.code, `${what}: ${r.stderr}`).toBe(3);
  expect(r.stderr, what).toMatch(/warning: .*\n.*incomplete: /s);
}

/** The directory holding an image layer's files, its `n`th from the bottom (-1: the top). */
async function layerDirOf(root: string, ref: string, n: number): Promise<string> {
  const store: LayerStore = await openSource(root);
  const id = findImage(store, ref)!.layers.at(n)!;
  return join(store.layers.get(id)!.dir, '..');
}

describe('a crafted root: another container broken', () => {
  let c: CraftedRoot | undefined;
  afterEach(() => c?.cleanup());

  it("a container's corrupt config: the image's history, tree and layer are whole; listings are not", () => {
    c = craftRoot('overlay2');
    const config = join(c.root, 'containers', c.containerId, 'config.v2.json');
    writeFileSync(config, '{"ID": ');
    for (const args of [
      ['history', 'crafted:1'],
      ['ls', 'crafted:1'],
      ['ls', 'crafted:1@0'],
      ['ci', 'crafted:1'],
    ])
      whole(cli([...args, '--root', c.root]), config, args.join(' '));
    for (const args of [['images'], ['df'], ['volumes']]) incomplete(cli([...args, '--root', c.root]), args.join(' '));
  });

  it('a damaged repositories.json names no item: every command exits 3', () => {
    c = craftRoot('overlay2');
    writeFileSync(join(c.root, 'image', 'overlay2', 'repositories.json'), '{"Repositories": ');
    for (const args of [['history', c.imageId], ['ls', c.imageId], ['diff', 'c1'], ['mounts', 'c1'], ['images']])
      incomplete(cli([...args, '--root', c.root]), args.join(' '));
  });

  it("the container's own damaged layer record: its diff and mounts are not whole, the image's tree is", () => {
    c = craftRoot('overlay2');
    const record = join(c.root, 'image', 'overlay2', 'layerdb', 'mounts', c.containerId, 'mount-id');
    writeFileSync(record, 'not-an-id');
    for (const args of [
      ['diff', 'c1'],
      ['mounts', 'c1'],
    ])
      incomplete(cli([...args, '--root', c.root]), args.join(' '));
    whole(cli(['ls', 'crafted:1', '--root', c.root]), record, 'ls crafted:1');
  });
});

describe.skipIf(!canExtract)(`real-store-a: one image broken${canExtract ? '' : ` (skipped: ${skipReason})`}`, () => {
  afterAll(cleanupExtracted);
  const run = (root: string, ...args: string[]) => cli([...args, '--root', root]);

  it("an image's own layer directory missing: other images are whole, that image and the listings are not", async () => {
    const root = extractRealStoreA();
    // myapp2:1's top layer is its own; myapp:1 shares the three below it.
    const dir = await layerDirOf(root, 'myapp2:1', -1);
    rmSync(dir, {recursive: true});
    for (const args of [
      ['history', 'myapp:1'],
      ['ls', 'myapp:1', '/opt'],
      ['diff', 'myapp:1', 'cowlab:1'],
      ['ci', 'localbase:1'],
      ['ls', 'myapp2:1@2'],
    ])
      whole(run(root, ...args), join(dir, 'diff'), args.join(' '));
    for (const args of [['history', 'myapp2:1'], ['ls', 'myapp2:1'], ['images'], ['df']]) incomplete(run(root, ...args), args.join(' '));
  });

  it('a layer directory two images share: both are incomplete, an image below it is whole', async () => {
    const root = extractRealStoreA();
    const dir = await layerDirOf(root, 'myapp2:1', 2);
    expect(dir).toBe(await layerDirOf(root, 'myapp:1', 2));
    rmSync(dir, {recursive: true});
    for (const args of [
      ['history', 'myapp:1'],
      ['history', 'myapp2:1'],
      ['ls', 'cowlab:1'],
      ['diff', 'job2'],
    ])
      incomplete(run(root, ...args), args.join(' '));
    whole(run(root, 'history', 'localbase:1'), join(dir, 'diff'), 'history localbase:1');
  });

  it("an image's corrupt config: the image is left out, named, and the others are whole", () => {
    const root = extractRealStoreA();
    const store = join(root, 'image', 'overlay2', 'imagedb', 'content', 'sha256');
    const hex = readdirSync(store).find((h) =>
      readFileSync(join(store, h), 'utf8').includes('62ffeb818712480da15602ddd969bb1eeec111424890e4f86c133613ceece0a9'),
    )!;
    const config = join(store, hex);
    writeFileSync(config, '{"architecture": ');
    whole(run(root, 'history', 'myapp:1'), config, 'history myapp:1');
    incomplete(run(root, 'images'), 'images');
  });
});

describe.skipIf(!!fixtureSkip('containerd'))(
  `containerd: one image broken${fixtureSkip('containerd') ? ` (skipped: ${fixtureSkip('containerd')})` : ''}`,
  () => {
    afterAll(cleanupFixtures);

    it("an image's corrupt manifest: that image is left out and named, another image's answers are whole", () => {
      const root = join(extractFixture('containerd'), 'root');
      const ns = ['--root', root, '--namespace', 'k8s.io'];
      const id = JSON.parse(cli(['images', ...ns, '--json']).stdout).find((i: {Repository: string}) => i.Repository === 'tinyapp').ID as string;
      const blob = join(root, 'io.containerd.content.v1.content', 'blobs', 'sha256', id.slice(7));
      writeFileSync(blob, 'not a manifest');
      whole(cli(['history', 'tiny:1', ...ns]), blob, 'history tiny:1');
      whole(cli(['ls', 'tiny:1', ...ns]), blob, 'ls tiny:1');
      incomplete(cli(['images', ...ns]), 'images');
      expect(cli(['history', 'tinyapp:2', ...ns]).code).toBe(1);
    });
  },
);

describe.skipIf(!!fixtureSkip('podman'))(`podman: one image broken${fixtureSkip('podman') ? ` (skipped: ${fixtureSkip('podman')})` : ''}`, () => {
  afterAll(cleanupFixtures);

  it("an image's missing config: that image is incomplete, another image's answers are whole", () => {
    const root = join(extractFixture('podman'), 'root');
    const images = JSON.parse(readFileSync(join(root, 'overlay-images', 'images.json'), 'utf8')) as {id: string; names?: string[]}[];
    const two = images.find((i) => i.names?.includes('localhost/two:1'))!;
    const config = readdirSync(join(root, 'overlay-images', two.id)).find((f) => f.startsWith('=c2hh'))!;
    rmSync(join(root, 'overlay-images', two.id, config));
    const item = join(root, 'overlay-images', two.id);
    for (const args of [
      ['history', 'localhost/scenb:1'],
      ['ls', 'localhost/scenb:1'],
    ])
      whole(cli([...args, '--root', root]), item, args.join(' '));
    for (const args of [['history', 'localhost/two:1'], ['images']]) incomplete(cli([...args, '--root', root]), args.join(' '));
  });
});

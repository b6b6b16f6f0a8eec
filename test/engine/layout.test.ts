// The layout writer against Docker's own bytes: image configs, layer tars, load of real `docker save` archives.
import {execFileSync} from 'node:child_process';
import {createReadStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {applyLayerTar, writeLayerTar} from '../../source/engine/layer-tar.js';
import {encodeHeader} from '../../source/tar/encode.js';
import {header, tarOf} from '../helpers/tar-entries.js';
import {createRoot, createContainerLayers, MARKER_FILE} from '../../source/engine/layout.js';
import {listImages, serializeImageConfig, type ImageConfig} from '../../source/engine/layout-image.js';
import {load} from '../../source/engine/import.js';
import {EngineRoot} from '../../source/engine/engine-root.js';
import {canExtract, cleanupExtracted, extractRealStoreA, REAL_A, skipReason} from '../helpers/real-store.js';

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-layout-'));
afterAll(() => {
  rmSync(tmp, {recursive: true, force: true});
  cleanupExtracted();
});

describe('root marker', () => {
  it('creates a root with the marker and refuses a foreign non-empty directory', async () => {
    const root = join(tmp, 'root');
    await createRoot(root);
    expect(JSON.parse(readFileSync(join(root, MARKER_FILE), 'utf8')).tool).toBe('layerscope');
    await createRoot(root); // idempotent on our own root
    const foreign = join(tmp, 'foreign');
    mkdirSync(join(foreign, 'image'), {recursive: true});
    await expect(createRoot(foreign)).rejects.toThrow(/not created by layerscope/);
  });
});

describe('layer tar applier safety', () => {
  it.each([
    ['../evil', /"\.\.\/evil".*"\.\."/],
    ['/etc/passwd', /"\/etc\/passwd".*absolute/],
  ])('rejects %s naming the entry', async (name, msg) => {
    const dir = mkdtempSync(join(tmp, 'apply-'));
    await expect(applyLayerTar(tarOf(encodeHeader(header(name))), dir)).rejects.toThrow(msg);
  });

  it('rejects a path through a symlink and a hard link leaving the layer', async () => {
    const dir = mkdtempSync(join(tmp, 'apply-'));
    const viaLink = tarOf(encodeHeader(header('esc', {type: 'symlink', linkname: '/etc'})), encodeHeader(header('esc/passwd')));
    await expect(applyLayerTar(viaLink, dir)).rejects.toThrow(/"esc\/passwd".*symlink "esc"/);
    const dir2 = mkdtempSync(join(tmp, 'apply-'));
    await expect(applyLayerTar(tarOf(encodeHeader(header('h', {type: 'hardlink', linkname: '../../etc/passwd'}))), dir2)).rejects.toThrow(/"h"/);
  });
});

const asRoot = process.getuid?.() === 0;
describe.skipIf(!asRoot)(`device nodes${asRoot ? '' : ' (skipped: mknod needs root)'}`, () => {
  it.each(['gnu', 'posix'])("keep their numbers from a tar in GNU tar's %s format (Go's archive/tar reads both)", async (format) => {
    const stage = mkdtempSync(join(tmp, 'devs-'));
    execFileSync('mknod', ['-m', '600', join(stage, 'chr'), 'c', '1', '3']);
    execFileSync('mknod', ['-m', '600', join(stage, 'blk'), 'b', '7', '200']);
    const archive = join(tmp, `devs-${format}.tar`);
    execFileSync('tar', [`--format=${format}`, '-cf', archive, '-C', stage, 'chr', 'blk']);
    const dir = mkdtempSync(join(tmp, 'apply-'));
    await applyLayerTar(createReadStream(archive), dir);
    for (const name of ['chr', 'blk']) expect(statSync(join(dir, name)).rdev).toBe(statSync(join(stage, name)).rdev);
  });
});

describe.skipIf(!canExtract)(`against real-store-a (Docker 20.10)${canExtract ? '' : ` (skipped: ${skipReason})`}`, () => {
  let real = '';
  beforeAll(() => {
    real = extractRealStoreA();
  });

  it('re-serialises every image config Docker wrote byte for byte (so built ids follow Docker rules)', () => {
    const dir = join(real, 'image/overlay2/imagedb/content/sha256');
    for (const id of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, id), 'utf8');
      expect(serializeImageConfig(JSON.parse(bytes) as ImageConfig)).toBe(bytes);
    }
  });

  it('writes the same tar Docker wrote for layers it built (diff id equal)', async () => {
    const layerdb = join(real, 'image/overlay2/layerdb/sha256');
    const matched: string[] = [];
    for (const chain of readdirSync(layerdb)) {
      const diff = readFileSync(join(layerdb, chain, 'diff'), 'utf8');
      const cache = readFileSync(join(layerdb, chain, 'cache-id'), 'utf8');
      const a = await writeLayerTar(join(real, 'overlay2', cache, 'diff'));
      const b = await writeLayerTar(join(real, 'overlay2', cache, 'diff'));
      expect(b.diffId).toBe(a.diffId); // deterministic
      if (a.diffId === diff) matched.push(diff);
    }
    // Not reproducible: 0dc31e97 was imported (GNU tar wrote it, not Docker), and 81c033a3's two whiteouts
    // shared one overlayfs inode that the archived copy of the root no longer shares.
    expect(matched.sort()).toEqual([
      'sha256:30b73888daba0c57c61a4e88acd2f9f45365880978f389d5cc2a023017734f2f',
      'sha256:3ed9921df2e789b01c0d386f669242ad62ee64dc033195ff38dca389a261df91',
      'sha256:62ffeb818712480da15602ddd969bb1eeec111424890e4f86c133613ceece0a9',
      'sha256:637235a162858876bb04d3ff841cb6cbd8246bdf114a22128db0deadeb32c25e',
      'sha256:8cc9244e7ba8b0fafe85a3cebebfcff39c1a0ddf42e1d088d7af79410980a996',
      'sha256:b394f6c5ebb2e10de9da563c0b17bb0127343394eeea93d60f2ee7540af7f6f9',
      'sha256:c74a7507186aec558bad2db0e7a82c1edabf3997124ca912717eddc35a407a3a',
    ]);
  });

  it('loads docker save archives: image ids, chain ids, sizes and whiteouts as Docker has them', async () => {
    const root = join(tmp, 'loaded');
    await load({root, archive: join(REAL_A, 'myapps.docker-archive.tar')});
    await load({root, archive: join(REAL_A, 'cowlab.docker-archive.tar')});
    const images = await listImages(root);
    for (const name of ['myapp', 'myapp2', 'cowlab']) {
      const inspect = JSON.parse(readFileSync(join(REAL_A, `inspect-image-${name}.json`), 'utf8'))[0];
      expect(images.find((i) => i.tags.includes(`${name}:1`))?.id).toBe(inspect.Id);
    }
    const ours = join(root, 'image/overlay2/layerdb/sha256');
    const theirs = join(real, 'image/overlay2/layerdb/sha256');
    expect(readdirSync(ours).sort()).toEqual(readdirSync(theirs).sort());
    for (const chain of readdirSync(ours)) {
      for (const f of ['diff', 'size', 'parent']) {
        const want = (() => {
          try {
            return readFileSync(join(theirs, chain, f), 'utf8');
          } catch {
            return undefined;
          }
        })();
        const got = (() => {
          try {
            return readFileSync(join(ours, chain, f), 'utf8');
          } catch {
            return undefined;
          }
        })();
        expect(got, `${chain}/${f}`).toBe(want);
      }
    }
    // The opaque directory and the whiteouts of cowlab's layers came back in overlay2 form.
    const cache = readFileSync(join(ours, 'a553a21447eef15b87880a5a1ef7ecec57a7fe77e5ec53a7ac402745b1f1b52a/cache-id'), 'utf8');
    expect(execFileSync('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', join(root, 'overlay2', cache, 'diff/etc/apache2')]).toString()).toBe('y');
    const rmCache = readFileSync(join(ours, '74abf79a66ab226f8692c79c1ab9e1cf8f1de7729a90ba14faaf0193acb82661/cache-id'), 'utf8');
    expect(
      execFileSync('stat', ['-c', '%F %t:%T', join(root, 'overlay2', rmCache, 'diff/usr/lib/python3/site-packages/flask')])
        .toString()
        .trim(),
    ).toBe('character special file 0:0');
    // lower files: l/X:l/Y top-most first, each a link to a diff dir.
    const top = readFileSync(join(ours, 'a18f7bed7870f3886812aef001d22857c214fa895d1457e2f4e589a936b796f5/cache-id'), 'utf8');
    expect(readFileSync(join(root, 'overlay2', top, 'lower'), 'utf8').split(':')).toHaveLength(7);
  });

  it('creates container layers in the mounts/-init layout', async () => {
    const root = join(tmp, 'loaded');
    const engine = await EngineRoot.open(root);
    const c = await engine.transaction((txn) => createContainerLayers(txn, 'sha256:a18f7bed7870f3886812aef001d22857c214fa895d1457e2f4e589a936b796f5'));
    const mounts = join(root, 'image/overlay2/layerdb/mounts', c.containerId);
    expect(readFileSync(join(mounts, 'init-id'), 'utf8')).toBe(`${c.mountId}-init`);
    expect(readFileSync(join(root, 'overlay2', c.mountId, 'lower'), 'utf8').split(':')).toHaveLength(9);
  });
});

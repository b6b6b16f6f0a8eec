// The engine root's write guards and layer transactions: what a failed or killed command leaves behind.
import {mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {build} from '../../source/engine/build.js';
import {demoRootfsTar} from '../../source/engine/demo-rootfs.js';
import {importRootfs} from '../../source/engine/import.js';
import {rootPaths} from '../../source/engine/layout.js';
import {leftovers} from '../helpers/engine-root.js';

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-engine-root-'));
afterAll(() => rmSync(tmp, {recursive: true, force: true}));
const asRoot = process.getuid?.() === 0;

async function baseRoot(name: string): Promise<string> {
  const root = join(tmp, name);
  const rootfs = join(tmp, `${name}-rootfs.tar`);
  writeFileSync(rootfs, demoRootfsTar());
  await importRootfs({root, archive: rootfs, ref: 'base:1'});
  return root;
}

describe.skipIf(!asRoot)(`layer transactions${asRoot ? '' : ' (skipped: COPY keeps owners with lchown, which needs root)'}`, () => {
  it('a step whose image config cannot be written leaves no layerdb entry for its removed layer, and the next build has its layer', async () => {
    const root = await baseRoot('cache-bug');
    const ctx = join(tmp, 'ctx-cache-bug');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'f.txt'), 'payload\n');
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM base:1\nCOPY f.txt /f.txt\n');
    // A real failure after the layer is registered: the image metadata directory is a file, so writing
    // the step's parent link fails with ENOTDIR.
    const meta = rootPaths(root).imageMetadata;
    const images = readdirSync(rootPaths(root).imageContent);
    renameSync(meta, `${meta}.away`);
    writeFileSync(meta, '');
    await expect(build({root, context: ctx})).rejects.toThrow(/ENOTDIR|not a directory/);
    rmSync(meta);
    renameSync(`${meta}.away`, meta);
    expect(leftovers(root)).toEqual([]);
    expect(readdirSync(rootPaths(root).imageContent)).toEqual(images); // the step's config went with its layer
    const r = await build({root, context: ctx, tags: ['after:1']});
    expect(leftovers(root)).toEqual([]);
    expect(r.steps.at(-1)!.cached).toBe(false);
  });
});

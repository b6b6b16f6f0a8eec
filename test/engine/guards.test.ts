// Write guards and failure paths of the writing commands: what they refuse, and that a refusal or a
// failure leaves the store as it was.
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as tar from 'tar';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {demoRootfsTar} from '../../source/engine/demo-rootfs.js';
import {importRootfs} from '../../source/engine/import.js';
import {encodeHeader} from '../../source/tar/encode.js';
import {header} from '../helpers/tar-entries.js';
import {MARKER_FILE, rootPaths} from '../../source/engine/layout.js';
import {cli} from '../helpers/cli.js';
import {snapshot} from '../helpers/snapshot.js';
import {noXattr, titled} from '../helpers/addons.js';

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-guards-'));
afterAll(() => rmSync(tmp, {recursive: true, force: true}));
const root = join(tmp, 'root');
const asRoot = process.getuid?.() === 0;

/** A `docker save`-style archive of one image whose single layer is `layer` (a tar's bytes). */
async function archiveOf(name: string, layer: Buffer): Promise<string> {
  const dir = join(tmp, `archive-${name}`);
  mkdirSync(join(dir, 'l'), {recursive: true});
  writeFileSync(join(dir, 'l', 'layer.tar'), layer);
  const diffId = `sha256:${createHash('sha256').update(layer).digest('hex')}`;
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({architecture: 'amd64', os: 'linux', config: {}, history: [{created_by: 'x'}], rootfs: {type: 'layers', diff_ids: [diffId]}}),
  );
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify([{Config: 'config.json', RepoTags: [`${name}:1`], Layers: ['l/layer.tar']}]));
  const file = join(tmp, `${name}.tar`);
  await tar.c({file, cwd: dir, portable: true}, ['manifest.json', 'config.json', 'l']);
  return file;
}

/** The store's entries and file contents; directory times and sizes change when entries come and go. */
function contents(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, value] of snapshot(dir)) {
    const parts = value.split(' ');
    out.set(path, (Number(parts[0]) & 0o170000) === 0o040000 ? parts.slice(0, 3).join(' ') : value);
  }
  return out;
}

beforeAll(async () => {
  writeFileSync(join(tmp, 'rootfs.tar'), demoRootfsTar());
  await importRootfs({root, archive: join(tmp, 'rootfs.tar'), ref: 'base:1'});
});

describe('save', () => {
  // These compare snapshots of the root, xattrs included.
  it.skipIf(noXattr)(titled('refuses an output inside the store, writing nothing', noXattr), () => {
    const before = snapshot(root);
    const r = cli(['save', 'base:1', '-o', join(root, 'image/overlay2/repositories.json'), '--root', root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('inside the store');
    expect(snapshot(root)).toEqual(before);
  });

  it.skipIf(noXattr)(titled('from a root layerscope did not create, keeps its temp files out of that root', noXattr), () => {
    const foreign = join(tmp, 'foreign');
    rmSync(foreign, {recursive: true, force: true});
    // A root in Docker's layout without our marker: a copy of ours (cp -a keeps owners, modes, xattrs and
    // whiteouts), which save reads as it reads Docker's.
    mkdirSync(foreign);
    for (const entry of readdirSync(root)) {
      if (entry !== MARKER_FILE) expect(spawnSync('cp', ['-a', join(root, entry), join(foreign, entry)]).status).toBe(0);
    }
    const before = snapshot(foreign);
    const r = cli(['save', 'base:1', '-o', join(tmp, 'foreign-save.tar'), '--root', foreign]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(snapshot(foreign)).toEqual(before);
    expect(statSync(join(tmp, 'foreign-save.tar')).size).toBeGreaterThan(0);
  });
});

describe('load', () => {
  it('takes a relative --root', () => {
    expect(cli(['save', 'base:1', '-o', join(tmp, 'saved-base.tar'), '--root', root]).code).toBe(0);
    const loaded = cli(['load', 'saved-base.tar', '--root', 'relative-root'], {cwd: tmp});
    expect(loaded.stderr).toBe('');
    expect(loaded.stdout).toContain('Loaded image: base:1');
    expect(cli(['images', '--root', join(tmp, 'relative-root')]).stdout).toContain('base');
  });

  it.each([
    ['.wh..', 'the layer directory itself'],
    ['sub/.wh...', 'the directory above it'],
    ['.wh.', 'its own directory'],
  ])('ignores a whiteout %s that would name %s: the loaded layer keeps its directory', async (entry) => {
    const layer = Buffer.concat([
      encodeHeader(header('sub/', {type: 'dir', mode: 0o755})),
      encodeHeader(header('sub/kept.txt', {size: 5})),
      Buffer.from('kept\n'.padEnd(512, '\0')),
      encodeHeader(header(entry)),
      Buffer.alloc(1024),
    ]);
    const name = `wh${entry.length}`;
    const r = cli(['load', await archiveOf(name, layer), '--root', root]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const ls = cli(['ls', `${name}:1`, '/sub', '--root', root]);
    expect(ls.stdout).toContain('kept.txt');
    expect(readdirSync(rootPaths(root).tmp)).toEqual([]);
  });

  it.skipIf(noXattr)(titled('a load that fails half-way leaves no tmp/load-* and no layer', noXattr), async () => {
    const good = Buffer.concat([encodeHeader(header('ok.txt', {size: 3})), Buffer.from('ok\n'.padEnd(512, '\0')), Buffer.alloc(1024)]);
    const archive = await archiveOf('badid', good);
    // Now make the config name a diff id the layer does not have.
    const dir = join(tmp, 'archive-badid');
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({architecture: 'amd64', os: 'linux', config: {}, history: [], rootfs: {type: 'layers', diff_ids: [`sha256:${'0'.repeat(64)}`]}}),
    );
    await tar.c({file: archive, cwd: dir, portable: true}, ['manifest.json', 'config.json', 'l']);
    const before = contents(root);
    const r = cli(['load', archive, '--root', root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('diff id');
    expect(contents(root)).toEqual(before);
    expect(readdirSync(rootPaths(root).tmp)).toEqual([]);
  });
});

describe.skipIf(!asRoot)(`export${asRoot ? '' : ' (skipped: the base image is imported with its owners, which needs root)'}`, () => {
  it('keeps the permission bits of the file it copies out', () => {
    const out = join(tmp, 'busybox.out');
    const r = cli(['export', 'base:1', existsSync('/bin/busybox') ? '/bin/busybox' : '/etc/os-release', '--out', out, '--root', root]);
    expect(r.code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(existsSync('/bin/busybox') ? 0o755 : 0o644);
  });
});

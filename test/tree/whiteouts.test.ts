// Every whiteout form on real directories: overlay char device 0/0, trusted.* and user.*
// opaque xattrs, OCI/AUFS `.wh.` files and `.wh..wh..opq`, merged and diffed.
import {execFileSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {setAttributeSync} from '../../source/store/xattr-native.js';
import {afterAll, describe, expect, it} from 'vitest';
import {Problems} from '../../source/store/problems.js';
import {scanLayerDir} from '../../source/store/scan.js';
import {changes} from '../../source/tree/changes.js';
import {lookup, walk} from '../../source/tree/entry.js';
import {mergeAll} from '../../source/tree/merge.js';

const isRoot = process.getuid?.() === 0;
const base = mkdtempSync(join(tmpdir(), 'layerscope-wh-'));
afterAll(() => rmSync(base, {recursive: true, force: true}));

function layer(name: string, files: Record<string, string | null>): string {
  const dir = join(base, name);
  mkdirSync(dir, {recursive: true});
  for (const [path, content] of Object.entries(files)) {
    const p = join(dir, path);
    if (path.endsWith('/')) mkdirSync(p, {recursive: true});
    else {
      mkdirSync(join(p, '..'), {recursive: true});
      if (content === null) execFileSync('mknod', [p, 'c', '0', '0']);
      else writeFileSync(p, content);
    }
  }
  return dir;
}

const paths = (root: Parameters<typeof walk>[0]) => [...walk(root)].map(([p]) => p);

describe('whiteout forms', () => {
  const lower = () => layer('lower', {'etc/a': 'a', 'etc/b': 'b', 'etc/sub/c': 'c', 'opt/x': 'x', 'opt/y': 'y', 'srv/keep': 'k', 'srv/old/o': 'o'});

  it('OCI .wh. files and .wh..wh..opq (need no privileges)', () => {
    const l0 = lower();
    const l1 = layer('oci', {'etc/.wh.a': '', 'opt/.wh..wh..opq': '', 'opt/z': 'z', 'srv/.wh.old': '', 'srv/new': 'n'});
    const p = new Problems();
    const views = mergeAll([scanLayerDir(l0, p, {overlay: true}), scanLayerDir(l1, p, {overlay: true})]);
    expect(paths(views[1]!)).toEqual(['/etc', '/etc/b', '/etc/sub', '/etc/sub/c', '/opt', '/opt/z', '/srv', '/srv/keep', '/srv/new']);
    const diff = changes(views[0]!, views[1]!).map((c) => `${c.kind} ${c.path}`);
    expect(diff).toEqual(expect.arrayContaining(['D /etc/a', 'D /opt/x', 'D /opt/y', 'A /opt/z', 'D /srv/old', 'A /srv/new']));
    expect(diff).not.toContain('D /etc/b');
    expect(p.list).toEqual([]);
  });

  it.skipIf(!isRoot)(`char device 0/0 and trusted/user opaque xattrs${isRoot ? '' : ' (skipped: mknod and trusted.* xattrs need root)'}`, () => {
    const l0 = lower();
    const l1 = layer('overlay', {'etc/a': null, 'opt/': '', 'opt/z': 'z', 'srv/old/': '', 'srv/old/fresh': 'f'});
    setAttributeSync(join(l1, 'opt'), 'trusted.overlay.opaque', 'y');
    setAttributeSync(join(l1, 'srv/old'), 'user.overlay.opaque', 'y');
    const p = new Problems();
    const t1 = scanLayerDir(l1, p);
    expect(lookup(t1, '/etc/a')?.whiteout).toBe(true);
    expect(lookup(t1, '/opt')?.opaque).toBe(true);
    expect(lookup(t1, '/srv/old')?.opaque).toBe(true);
    const views = mergeAll([scanLayerDir(l0, p), t1]);
    expect(paths(views[1]!)).toEqual(['/etc', '/etc/b', '/etc/sub', '/etc/sub/c', '/opt', '/opt/z', '/srv', '/srv/keep', '/srv/old', '/srv/old/fresh']);
    expect(lookup(views[1]!, '/etc/b')?.layer).toBe(0);
    expect(lookup(views[1]!, '/opt/z')?.layer).toBe(1);
  });

  it('a non-directory hides a whole lower directory; a directory replaces a lower file', () => {
    const l0 = layer('l0', {'d/inner/f': 'f', file: 'x'});
    const l1 = layer('l1', {'file/': '', 'file/in': 'i'});
    symlinkSync('/elsewhere', join(l1, 'd'));
    const p = new Problems();
    const views = mergeAll([scanLayerDir(l0, p), scanLayerDir(l1, p)]);
    expect(paths(views[1]!)).toEqual(['/d', '/file', '/file/in']);
    expect(lookup(views[1]!, '/d')?.meta).toMatchObject({kind: 'symlink', target: '/elsewhere'});
    const diff = changes(views[0]!, views[1]!).map((c) => `${c.kind} ${c.path}`);
    expect(diff).toEqual(['C /d', 'C /file', 'A /file/in']);
  });
});

// CowView rule by rule, on real layer directories with char-device whiteouts and trusted.* xattrs.
import {lstatSync, readFileSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import {getAttributeSync, setAttributeSync} from '../../source/store/xattr-native.js';
import {afterAll, afterEach, beforeEach, describe, expect, it} from 'vitest';
import {CowView, type CowViewOptions} from '../../source/engine/cow.js';
import {applyFsOp, FS_OP_USAGE} from '../../source/engine/fs-op.js';
import {buildLayer, describeRealTree, isRoot, OPAQUE, removeWhiteoutTemplates, tempDir, type LayerItem} from '../helpers/overlay.js';

const OLD = 978_307_200; // 2001-01-01
const RECENT = Date.now() - 3_600_000;
const SKIP = 'whiteouts (mknod) and trusted.overlay.* xattrs need root';

if (!isRoot) console.warn(`skipping CowView unit tests: ${SKIP}`);

/** The error code a call throws, or "ok". */
function code(call: () => unknown): string {
  try {
    call();
    return 'ok';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
}

describe.skipIf(!isRoot)(`CowView${isRoot ? '' : ` (skipped: ${SKIP})`}`, () => {
  let root: string;
  beforeEach(() => {
    root = tempDir('cow');
  });
  afterEach(() => rmSync(root, {recursive: true, force: true}));
  afterAll(removeWhiteoutTemplates);

  /** Builds lowers (top-most first) and an upper, and a view over them. */
  function stack(lowers: LayerItem[][], upper: LayerItem[] = [], options: Partial<CowViewOptions> = {}) {
    const lowerDirs = lowers.map((items, i) => {
      const dir = join(root, `lower${i + 1}`);
      buildLayer(dir, items);
      return dir;
    });
    const upperDir = join(root, 'upper');
    buildLayer(upperDir, upper);
    const view = new CowView({lowers: lowerDirs, upper: upperDir, ...options});
    return {view, upper: upperDir, tree: () => describeRealTree(upperDir, RECENT)};
  }

  describe('reading', () => {
    it('lets upper win over lowers, merges directories and lists their union', () => {
      const {view} = stack(
        [
          [{kind: 'file', path: '/etc/hosts', content: 'lower1'}],
          [
            {kind: 'file', path: '/etc/hosts', content: 'lower2'},
            {kind: 'file', path: '/etc/passwd', content: 'root'},
          ],
        ],
        [{kind: 'file', path: '/etc/motd', content: 'hi'}],
      );
      expect(view.readFile('/etc/hosts').toString()).toBe('lower1');
      expect(view.readdir('/etc')).toEqual(['hosts', 'motd', 'passwd']);
      expect(view.stat('/etc/passwd').size).toBe(4);
      expect(code(() => view.readdir('/etc/hosts'))).toBe('ENOTDIR');
      expect(code(() => view.readFile('/etc'))).toBe('EISDIR');
    });

    it('hides a name below a whiteout, but not a name re-created above it', () => {
      const {view} = stack([
        [
          {kind: 'whiteout', path: '/etc/gone'},
          {kind: 'file', path: '/back', content: 'new'},
        ],
        [
          {kind: 'file', path: '/etc/gone', content: ''},
          {kind: 'whiteout', path: '/back'},
          {kind: 'file', path: '/etc/kept', content: ''},
        ],
      ]);
      expect(view.readdir('/etc')).toEqual(['kept']);
      expect(code(() => view.lstat('/etc/gone'))).toBe('ENOENT');
      expect(view.readFile('/back').toString()).toBe('new');
    });

    it('stops merging at an opaque directory', () => {
      const {view} = stack([
        [
          {kind: 'dir', path: '/d', opaque: true},
          {kind: 'file', path: '/d/top', content: ''},
        ],
        [{kind: 'file', path: '/d/hidden', content: ''}],
      ]);
      expect(view.readdir('/d')).toEqual(['top']);
    });

    it('honours user.overlay.opaque when the overlay uses userxattr', () => {
      const layers: LayerItem[][] = [[{kind: 'dir', path: '/d'}], [{kind: 'file', path: '/d/hidden', content: ''}]];
      const {view} = stack(layers, [], {opaqueXattr: 'user.overlay.opaque'});
      setAttributeSync(join(root, 'lower1/d'), 'user.overlay.opaque', 'y');
      expect(view.readdir('/d')).toEqual([]);
    });

    it('lets a non-directory hide a whole directory below it', () => {
      const {view} = stack([[{kind: 'file', path: '/d', content: 'file'}], [{kind: 'file', path: '/d/inner', content: ''}]]);
      expect(view.readFile('/d').toString()).toBe('file');
      expect(code(() => view.readFile('/d/inner'))).toBe('ENOTDIR');
    });
  });

  describe('copy-up', () => {
    it('copies the whole file with mode, owner, times and xattrs, but no overlay-private xattr', () => {
      const {view, upper} = stack([
        [
          {kind: 'dir', path: '/srv', mode: 0o2750, uid: 1000, gid: 1001},
          {kind: 'file', path: '/srv/app', content: 'binary', mode: 0o4755, uid: 1000, gid: 1001, time: OLD, xattrs: {'user.tag': 'v'}},
        ],
      ]);
      setAttributeSync(join(root, 'lower1/srv/app'), 'trusted.overlay.origin', 'x');
      view.chmod('/srv/app', 0o4750);
      const copied = lstatSync(join(upper, 'srv/app'));
      expect([copied.mode & 0o7777, copied.uid, copied.gid, copied.mtimeMs]).toEqual([0o4750, 1000, 1001, OLD * 1000]);
      expect(readFileSync(join(upper, 'srv/app')).toString()).toBe('binary');
      expect(getAttributeSync(join(upper, 'srv/app'), 'user.tag').toString()).toBe('v');
      expect(code(() => getAttributeSync(join(upper, 'srv/app'), 'trusted.overlay.origin'))).toBe('ENODATA');
      const parent = lstatSync(join(upper, 'srv'));
      expect([parent.mode & 0o7777, parent.uid, parent.gid]).toEqual([0o2750, 1000, 1001]);
    });

    it('copies a directory without its children and without its opaque mark, which stays effective below', () => {
      const {view, tree} = stack([
        [
          {kind: 'dir', path: '/d', opaque: true},
          {kind: 'file', path: '/d/f', content: ''},
        ],
        [{kind: 'file', path: '/d/hidden', content: ''}],
      ]);
      view.chown('/d', 1000, 1000);
      expect(tree()).toEqual(['/d dir 755 1000:1000']);
      expect(view.readdir('/d')).toEqual(['f']);
    });

    it('copies up a lower file before hard-linking it', () => {
      const {view, upper} = stack([[{kind: 'file', path: '/f', content: 'data', time: OLD}]]);
      view.link('/f', '/g');
      expect(lstatSync(join(upper, 'g')).ino).toBe(lstatSync(join(upper, 'f')).ino);
      expect(view.readFile('/g').toString()).toBe('data');
    });
  });

  describe('deleting and re-creating', () => {
    it('leaves a whiteout for a lower name and simply removes an upper-only one', () => {
      const {view, tree} = stack([[{kind: 'file', path: '/d/lower', content: ''}]], [{kind: 'file', path: '/d/mine', content: ''}]);
      view.unlink('/d/lower');
      view.unlink('/d/mine');
      expect(tree()).toEqual(['/d dir 755 0:0', '/d/lower whiteout 0 0:0']);
      expect(view.readdir('/d')).toEqual([]);
      view.writeFile('/d/lower', 'again');
      expect(tree()).toEqual(['/d dir 755 0:0', '/d/lower file 644 0:0 "again" t=new']);
    });

    it('makes a directory created over a whiteout opaque, and no other', () => {
      const {view, upper} = stack([
        [
          {kind: 'file', path: '/d/x', content: ''},
          {kind: 'dir', path: '/e'},
        ],
      ]);
      view.rm('/d', {recursive: true});
      view.mkdir('/d');
      view.mkdir('/e/new');
      expect(getAttributeSync(join(upper, 'd'), OPAQUE).toString()).toBe('y');
      expect(code(() => getAttributeSync(join(upper, 'e/new'), OPAQUE))).toBe('ENODATA');
      expect(view.readdir('/d')).toEqual([]);
    });

    it('removes a merged directory that only looks empty, leaving one whiteout', () => {
      const {view, tree} = stack([
        [
          {kind: 'file', path: '/d/a', content: ''},
          {kind: 'file', path: '/d/b', content: ''},
        ],
      ]);
      expect(code(() => view.rmdir('/d'))).toBe('ENOTEMPTY');
      view.unlink('/d/a');
      view.unlink('/d/b');
      view.rmdir('/d');
      expect(tree()).toEqual(['/d whiteout 0 0:0']);
    });

    it('counts whiteouts in an upper-only directory, as the upper file system does', () => {
      const {view} = stack([[]], [{kind: 'whiteout', path: '/d/stale'}]);
      expect(view.readdir('/d')).toEqual([]);
      expect(code(() => view.rmdir('/d'))).toBe('ENOTEMPTY');
    });

    it('refuses to remove the root', () => {
      const {view} = stack([[]]);
      expect(code(() => view.rmdir('/'))).toBe('EBUSY');
      expect(code(() => view.rm('/', {recursive: true}))).toBe('EBUSY');
    });
  });

  describe('rename', () => {
    it('refuses to move a directory that exists in a lower layer (EXDEV), changing nothing', () => {
      const {view, tree} = stack([[{kind: 'file', path: '/d/f', content: ''}]]);
      expect(code(() => view.rename('/d', '/e'))).toBe('EXDEV');
      expect(tree()).toEqual([]);
    });

    it('moves a lower file by copy-up, leaving a whiteout', () => {
      const {view, tree} = stack([[{kind: 'file', path: '/a', content: 'x', time: OLD}]]);
      view.rename('/a', '/b');
      expect(tree()).toEqual(['/a whiteout 0 0:0', `/b file 644 0:0 "x" t=${OLD * 1000}`]);
    });

    it('replaces a whiteout, and makes a directory moved into a merged directory opaque', () => {
      const {view, upper} = stack([[{kind: 'dir', path: '/m/old'}]]);
      view.rmdir('/m/old');
      view.mkdir('/new');
      view.rename('/new', '/m/old');
      expect(getAttributeSync(join(upper, 'm/old'), OPAQUE).toString()).toBe('y');
      expect(view.readdir('/m')).toEqual(['old']);
    });

    it('checks kinds and ancestry like rename(2)', () => {
      const {view} = stack([[{kind: 'file', path: '/f', content: ''}]], [{kind: 'dir', path: '/u/v'}]);
      expect(code(() => view.rename('/u', '/u/v/w'))).toBe('EINVAL');
      expect(code(() => view.rename('/u/v', '/u'))).toBe('ENOTEMPTY');
      expect(code(() => view.rename('/u', '/f'))).toBe('ENOTDIR');
      expect(code(() => view.rename('/f', '/u'))).toBe('EISDIR');
      expect(code(() => view.rename('/nope', '/x'))).toBe('ENOENT');
      expect(code(() => view.rename('/f', '/f'))).toBe('ok');
    });
  });

  describe('paths and symlinks', () => {
    it('resolves symlinks inside the view: absolute targets from its root, ".." stopping there', () => {
      const {view} = stack([
        [
          {kind: 'file', path: '/etc/hosts', content: 'inside'},
          {kind: 'symlink', path: '/abs', target: '/etc/hosts'},
          {kind: 'symlink', path: '/d/up', target: '../../../../etc'},
        ],
      ]);
      expect(view.readFile('/abs').toString()).toBe('inside');
      expect(view.readdir('/d/up')).toEqual(['hosts']);
      expect(view.readlink('/abs')).toBe('/etc/hosts');
      expect(view.lstat('/abs').isSymbolicLink()).toBe(true);
    });

    it('refuses relative paths, escapes and loops', () => {
      const {view} = stack([[{kind: 'symlink', path: '/loop', target: 'loop'}]]);
      expect(code(() => view.readFile('etc/hosts'))).toBe('EINVAL');
      expect(code(() => view.readFile('/a/../../etc/hosts'))).toBe('EINVAL');
      expect(code(() => view.readFile('/loop'))).toBe('ELOOP');
    });

    it('writes through a symlink into its target, creating a dangling one', () => {
      const {view, tree} = stack([
        [
          {kind: 'symlink', path: '/link', target: '/dir/file'},
          {kind: 'dir', path: '/dir'},
        ],
      ]);
      view.writeFile('/link', 'via link');
      expect(view.readFile('/dir/file').toString()).toBe('via link');
      expect(tree()).toContain('/dir/file file 644 0:0 "via link" t=new');
    });

    it('changes nothing when an operation fails', () => {
      const {view, tree} = stack([
        [
          {kind: 'dir', path: '/deep/dir/sub'},
          {kind: 'file', path: '/deep/dir/f', content: ''},
        ],
      ]);
      const failures = [
        () => view.writeFile('/deep/dir/sub', 'x'),
        () => view.mkdir('/deep/dir/f'),
        () => view.rmdir('/deep/dir'),
        () => view.unlink('/deep/dir/sub'),
        () => view.link('/deep/dir/sub', '/deep/dir/l'),
        () => view.truncate('/deep/dir/f', -1),
        () => view.symlink('x', '/deep/dir/f'),
        () => view.writeFile('/deep/dir/f/x', ''),
      ];
      expect(failures.map(code)).toEqual(['EISDIR', 'EEXIST', 'ENOTEMPTY', 'EISDIR', 'EPERM', 'EINVAL', 'EEXIST', 'ENOTDIR']);
      expect(tree()).toEqual([]);
    });
  });

  describe('applyFsOp', () => {
    it('runs each verb', () => {
      const {view, tree} = stack([[{kind: 'dir', path: '/d'}]]);
      applyFsOp(view, ['write', '/d/f'], Buffer.from('hello'));
      applyFsOp(view, ['append', '/d/f'], Buffer.from(' world'));
      applyFsOp(view, ['truncate', '/d/f', '5']);
      applyFsOp(view, ['chmod', '600', '/d/f']);
      applyFsOp(view, ['chown', '1000:1001', '/d/f']);
      applyFsOp(view, ['mkdir', '-p', '/x/y/z']);
      applyFsOp(view, ['ln', '-s', '../d/f', '/x/link']);
      applyFsOp(view, ['ln', '/d/f', '/x/hard']);
      applyFsOp(view, ['mv', '/x/hard', '/x/y']);
      applyFsOp(view, ['rmdir', '/x/y/z']);
      applyFsOp(view, ['rm', '/x/link']);
      expect(view.readFile('/x/y/hard').toString()).toBe('hello');
      expect(tree()).toEqual([
        '/d dir 755 0:0',
        '/d/f file 600 1000:1001 "hello" t=new',
        '/x dir 755 0:0',
        '/x/y dir 755 0:0',
        '/x/y/hard file 600 1000:1001 "hello" t=new',
      ]);
      applyFsOp(view, ['rm', '-r', '/x']);
      expect(view.readdir('/')).toEqual(['d']);
    });

    it('moves a lower directory by copying the merged tree, like mv(1) across devices', () => {
      const {view, tree} = stack([
        [
          {kind: 'dir', path: '/src', mode: 0o700, uid: 1000, gid: 1000},
          {kind: 'file', path: '/src/f', content: 'top', time: OLD},
        ],
        [{kind: 'file', path: '/src/g', content: 'below', mode: 0o600, time: OLD + 1}],
      ]);
      applyFsOp(view, ['mv', '/src', '/dst']);
      expect(view.readdir('/')).toEqual(['dst']);
      expect(tree()).toEqual([
        '/dst dir 700 1000:1000',
        `/dst/f file 644 0:0 "top" t=${OLD * 1000}`,
        `/dst/g file 600 0:0 "below" t=${(OLD + 1) * 1000}`,
        '/src whiteout 0 0:0',
      ]);
    });

    it('explains its usage for unknown verbs and wrong arguments', () => {
      const {view} = stack([[]]);
      for (const argv of [[], ['frobnicate', '/x'], ['write'], ['mv', '/a'], ['chmod', 'rwx', '/a'], ['chown', 'root', '/a'], ['truncate', '/a', '-1']]) {
        expect(() => applyFsOp(view, argv), argv.join(' ')).toThrow(FS_OP_USAGE);
      }
    });
  });
});

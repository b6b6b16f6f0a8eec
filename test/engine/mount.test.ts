// `layerscope mount` / `umount`: a real kernel overlay of a container; whatever a program writes
// through it lands in the writable layer, where `layerscope diff` finds it.
import {execFileSync, spawnSync} from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createContainer} from '../../source/engine/container.js';
import {demoImages} from '../../source/engine/demo.js';
import {importRootfs} from '../../source/engine/import.js';
import {imageChainId, readImageConfig} from '../../source/engine/layout-image.js';
import {getLayer} from '../../source/engine/layout.js';
import {cli} from '../helpers/cli.js';

const skip = process.platform !== 'linux' ? 'overlay mounts need Linux' : process.getuid?.() !== 0 ? 'mount -t overlay needs root' : undefined;
const mounted = (dir: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === dir);

describe.skipIf(skip)(`mount and umount${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let tmp: string;
  let root: string;
  let dir: string;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'layerscope-mount-'));
    root = join(tmp, 'root');
    dir = join(tmp, 'merged');
    mkdirSync(dir);
    await demoImages(root, ['myapp']);
    await createContainer({root, image: 'myapp:1', name: 'web'});
  }, 120_000);
  afterAll(() => {
    if (mounted(dir)) execFileSync('umount', ['-l', dir]);
    rmSync(tmp, {recursive: true, force: true});
  });

  it('mounts the container; writes through the kernel show in layerscope diff; umount cleans up', () => {
    const r = cli(['mount', 'web', dir, '--root', root]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(mounted(dir)).toBe(true);
    expect(readFileSync(join(dir, 'etc/apache2/apache2.conf'), 'utf8')).toBe('ServerName localhost\n');
    expect(existsSync(join(dir, '.dockerenv'))).toBe(true); // the init layer is part of the stack
    appendFileSync(join(dir, 'etc/apache2/apache2.conf'), 'ServerName mounted\n');
    unlinkSync(join(dir, 'etc/apache2/ports.conf'));
    writeFileSync(join(dir, 'tmp/new.txt'), 'new\n');
    rmSync(join(dir, 'usr/lib/python3/site-packages/flask'), {recursive: true});
    mkdirSync(join(dir, 'usr/lib/python3/site-packages/flask'));

    expect(cli(['umount', dir]).code).toBe(0);
    expect(mounted(dir)).toBe(false);
    const diff = cli(['diff', 'web', '--root', root]).stdout.split('\n').filter(Boolean).sort();
    expect(diff).toEqual(
      [
        'C /etc',
        'C /etc/apache2',
        'C /etc/apache2/apache2.conf',
        'D /etc/apache2/ports.conf',
        'C /tmp',
        'A /tmp/new.txt',
        'C /usr',
        'C /usr/lib',
        'C /usr/lib/python3',
        'C /usr/lib/python3/site-packages',
        'C /usr/lib/python3/site-packages/flask',
        'D /usr/lib/python3/site-packages/flask/app.py',
      ].sort(),
    );
  });

  it('refuses a second mount on the same directory and a missing container', () => {
    expect(cli(['mount', 'web', dir, '--root', root]).code).toBe(0);
    const again = cli(['mount', 'web', dir, '--root', root]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already a mount point');
    expect(cli(['umount', dir]).code).toBe(0);
    expect(cli(['mount', 'nope', dir, '--root', root]).stderr).toContain('no such container');
  });

  it('mounts nosuid,nodev: a set-user-ID file or a device node of the image does not work through the mount point', () => {
    expect(cli(['mount', 'web', dir, '--root', root]).code).toBe(0);
    try {
      const line = readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .find((l) => l.split(' ')[4] === dir)!;
      const perMount = line.split(' ')[5]!.split(',');
      expect(perMount).toContain('nosuid');
      expect(perMount).toContain('nodev');
    } finally {
      expect(cli(['umount', dir]).code).toBe(0);
    }
  });

  it("an image's set-user-ID binary gives another user nothing through the mount point (nosuid); its device node cannot be opened (nodev)", async (ctx) => {
    // The attacker's image: a set-user-ID root copy of id(1) and a world-writable /dev/null twin (1,3).
    const stage = join(tmp, 'evil-stage');
    mkdirSync(stage);
    copyFileSync('/usr/bin/id', join(stage, 'suid-id'));
    chmodSync(join(stage, 'suid-id'), 0o4755);
    execFileSync('mknod', ['-m', '666', join(stage, 'null'), 'c', '1', '3']);
    execFileSync('tar', ['-cf', join(tmp, 'evil.tar'), '-C', stage, 'suid-id', 'null']);
    const {id} = await importRootfs({root, archive: join(tmp, 'evil.tar'), ref: 'evil:1'});
    await createContainer({root, image: 'evil:1', name: 'evil', cmd: ['/suid-id']});
    const nobody = {uid: 65534, gid: 65534, encoding: 'utf8'} as const;

    // Controls: the same binary set-user-ID outside the mount makes nobody root, and the image's own
    // node opens through its layer directory; where neither works, the test shows nothing.
    const open = join(mkdtempSync(join(tmpdir(), 'layerscope-suid-control-')), 'suid-id');
    chmodSync(join(open, '..'), 0o755);
    copyFileSync('/usr/bin/id', open);
    chmodSync(open, 0o4755);
    const control = spawnSync(open, ['-u'], nobody).stdout.trim();
    rmSync(join(open, '..'), {recursive: true});
    if (control !== '0') return ctx.skip(`a set-user-ID binary has no effect here (id -u as nobody gave "${control}": no_new_privs, or a nosuid ${tmpdir()})`);
    const layer = await getLayer(root, imageChainId((await readImageConfig(root, id)).config)!);
    closeSync(openSync(join(layer!.diffDir, 'null'), constants.O_RDWR));

    // nobody must be able to walk to the mount point.
    const point = mkdtempSync(join(tmpdir(), 'layerscope-suid-'));
    chmodSync(point, 0o755);
    expect(cli(['mount', 'evil', point, '--root', root]).code).toBe(0);
    try {
      const suid = statSync(join(point, 'suid-id'));
      expect([suid.mode & 0o7777, suid.uid]).toEqual([0o4755, 0]);
      const ran = spawnSync(join(point, 'suid-id'), ['-u'], nobody);
      expect(ran.stderr).toBe('');
      expect(ran.stdout.trim()).toBe('65534');
      expect(statSync(join(point, 'null')).isCharacterDevice()).toBe(true);
      let fd: number | undefined;
      try {
        fd = openSync(join(point, 'null'), constants.O_RDWR);
        closeSync(fd); // opened: the test fails, and the mount stays unmountable
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe('EACCES');
      }
      expect(fd).toBeUndefined();
    } finally {
      expect(cli(['umount', point]).code).toBe(0);
      rmSync(point, {recursive: true});
    }
  });

  it('refuses a container mounted elsewhere, a mount point inside the store, and fs/commit while mounted', () => {
    const second = join(tmp, 'second');
    mkdirSync(second, {recursive: true});
    expect(cli(['mount', 'web', dir, '--root', root]).code).toBe(0);
    try {
      const twice = cli(['mount', 'web', second, '--root', root]);
      expect(twice.code).toBe(1);
      expect(twice.stderr).toContain(`is mounted at ${dir}`);
      expect(mounted(second)).toBe(false);
      const fs = cli(['fs', 'web', 'mkdir', '/while-mounted', '--root', root]);
      expect(fs.code).toBe(1);
      expect(fs.stderr).toContain('is mounted at');
      const commit = cli(['commit', 'web', 'x:1', '--root', root]);
      expect(commit.code).toBe(1);
      expect(commit.stderr).toContain('is mounted at');
    } finally {
      expect(cli(['umount', dir]).code).toBe(0);
    }
    const inside = join(root, 'volumes');
    mkdirSync(inside, {recursive: true});
    const r = cli(['mount', 'web', inside, '--root', root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('inside the store');
    expect(mounted(inside)).toBe(false);
  });

  it('umount refuses what layerscope did not mount', () => {
    const other = join(tmp, 'tmpfs');
    mkdirSync(other);
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', other]);
    try {
      const r = cli(['umount', other]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('not a layerscope container mount');
      expect(mounted(other)).toBe(true);
    } finally {
      execFileSync('umount', [other]);
    }
    expect(cli(['umount', join(tmp, 'merged')]).stderr).toContain('not a mount point');
  });
});

describe.skipIf(process.getuid?.() === 0 || process.platform !== 'linux')('mount without root', () => {
  it('says it needs root', () => {
    const r = cli(['mount', 'web', tmpdir(), '--root', tmpdir()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('mount needs root');
  });
});

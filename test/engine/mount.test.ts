// `layerscope mount` / `umount`: a real kernel overlay of a container; whatever a program writes
// through it lands in the writable layer, where `layerscope diff` finds it.
import {execFileSync} from 'node:child_process';
import {appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createContainer} from '../../source/engine/container.js';
import {demoImages} from '../../source/engine/demo.js';
import {cli} from '../helpers/cli.js';

const skip = process.platform !== 'linux' ? 'overlay mounts need Linux' : process.getuid?.() !== 0 ? 'mount -t overlay needs root' : undefined;
const mounted = (dir: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir);

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
    expect(diff).toEqual([
      'C /etc', 'C /etc/apache2', 'C /etc/apache2/apache2.conf', 'D /etc/apache2/ports.conf',
      'C /tmp', 'A /tmp/new.txt',
      'C /usr', 'C /usr/lib', 'C /usr/lib/python3', 'C /usr/lib/python3/site-packages', 'C /usr/lib/python3/site-packages/flask', 'D /usr/lib/python3/site-packages/flask/app.py',
    ].sort());
  });

  it('refuses a second mount on the same directory and a missing container', () => {
    expect(cli(['mount', 'web', dir, '--root', root]).code).toBe(0);
    const again = cli(['mount', 'web', dir, '--root', root]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already a mount point');
    expect(cli(['umount', dir]).code).toBe(0);
    expect(cli(['mount', 'nope', dir, '--root', root]).stderr).toContain('no such container');
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

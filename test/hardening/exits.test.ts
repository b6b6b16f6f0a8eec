// Honest exits: 0 only for a whole answer, 3 for an answer printed in part (warnings say what is
// missing), 1 when nothing can be shown, 2 for usage errors; a closed pipe ends quietly.
import {execFileSync, spawnSync} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {overlayXattrNotice} from '../../source/store/xattr.js';
import {cli, CLI} from '../helpers/cli.js';
import {craftRoot, type CraftedRoot} from '../helpers/crafted-root.js';

let crafted: CraftedRoot[] = [];
afterEach(() => {
  for (const c of crafted) c.cleanup();
  crafted = [];
});

function make(files?: Record<string, string>): CraftedRoot {
  const c = craftRoot('overlay2', files);
  crafted.push(c);
  return c;
}

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .*:\d+:\d+\)?/);

describe('exit codes', () => {
  it('a plain directory as --root is an error, not empty tables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ls-plain-'));
    mkdirSync(join(dir, 'something'));
    try {
      for (const args of [['images'], ['df'], ['volumes'], ['ls', 'x']]) {
        const r = cli([...args, '--root', dir]);
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toContain(`${dir}: not a store layerscope knows (found something)`);
      }
    } finally {
      rmSync(dir, {recursive: true});
    }
  });

  it('a nonexistent root is a clear message', () => {
    const r = cli(['images', '--root', '/nonexistent/docker']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('layerscope: /nonexistent/docker: no such file or directory\n');
  });

  it.skipIf(process.getuid?.() !== 0)('an unreadable layer directory: the answer is printed, exit 3, the layer named (as an unprivileged user)', () => {
    const c = make();
    execFileSync('chmod', ['-R', 'a+rX', c.base]);
    chmodSync(c.layerDir, 0o000);
    for (const args of [
      ['ls', 'crafted:1'],
      ['diff', 'c1'],
      ['diff', 'crafted:1', 'c1'],
    ]) {
      const r = cli([...args, '--root', c.root], {uid: 65534, gid: 65534});
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(3);
      expect(r.stderr).toContain(`${c.layerDir}: permission denied`);
      expect(r.stderr).toContain('layerscope: incomplete: ');
    }
    chmodSync(c.layerDir, 0o755);
  });

  it('extra arguments are usage errors', () => {
    const c = make();
    for (const args of [
      ['diff', 'c1', 'crafted:1', 'c'],
      ['history', 'crafted:1', 'x'],
      ['df', 'x'],
      ['mounts', 'c1', 'x'],
      ['ls', 'crafted:1', '/', 'x'],
      ['export-layer', 'crafted:1', 'x', '--out', '/tmp/x'],
    ]) {
      const r = cli([...args, '--root', c.root]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/takes (no arguments|at most \d+ arguments?) \(extra: /);
      expect(r.stdout).toBe('');
    }
  });

  it('an id prefix shared by an image and a container is ambiguous in every command, listing both', () => {
    const c = make();
    const prefix = c.imageId.slice(7, 11);
    const id = prefix + c.containerId.slice(4);
    const mounts = join(c.root, 'image', 'overlay2', 'layerdb', 'mounts');
    renameSync(join(mounts, c.containerId), join(mounts, id));
    renameSync(join(c.root, 'containers', c.containerId), join(c.root, 'containers', id));
    const config = join(c.root, 'containers', id, 'config.v2.json');
    writeFileSync(config, execFileSync('sed', [`s/${c.containerId}/${id}/`, config]));
    for (const args of [
      ['history', prefix],
      ['diff', prefix],
      ['ls', prefix],
      ['mounts', prefix],
      ['ci', prefix],
      ['diff', prefix, 'crafted:1'],
    ]) {
      const r = cli([...args, '--root', c.root]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toContain(
        `${prefix}: ambiguous id prefix, it matches 2: image ${c.imageId.slice(7, 19)} (crafted:1), container ${id.slice(0, 12)} (c1)`,
      );
    }
    // longer prefixes name one object, the same in every command
    expect(cli(['history', c.imageId.slice(7, 20), '--root', c.root]).code).toBe(0);
    expect(cli(['diff', id.slice(0, 13), '--root', c.root]).stdout).toBe('A /new-file\n');
    const r = cli(['history', id.slice(0, 13), '--root', c.root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not an image, it is container');
  });

  it('a closed pipe ends the command quietly (no EPIPE stack)', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 4000; i++) files[`dir/file-with-a-long-name-${i}`] = '';
    const c = make(files);
    const r = spawnSync('bash', ['-c', `node ${CLI} ls crafted:1 --root ${c.root} | head -1; echo "status \${PIPESTATUS[0]}" >&2`], {encoding: 'utf8'});
    expect(r.stdout).toMatch(/^MODE/);
    // The note of what an overlay root cannot show here (no fs-xattr addon, or no CAP_SYS_ADMIN)
    // comes first when there is one; nothing else may (no EPIPE error, no stack).
    const notice = overlayXattrNotice();
    const note = notice ? `layerscope: note: ${notice}\n` : '';
    expect([`${note}status 0\n`, `${note}status 141\n`]).toContain(r.stderr);
    noStack(r.stderr);
  });
});

// A rootless podman root, made during the test by a real rootless podman (fixtures/podman/rootless.sh
// as a user with subordinate ids): diff equals podman diff, and ls shows owners as the containers'
// user namespace does (podman unshare + podman mount), not as host ids.
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cli, cliJson} from '../helpers/cli.js';
import {lines} from '../helpers/fixture-root.js';
import {findTree, lsTree} from '../helpers/find-tree.js';

const SCRIPT = resolve(import.meta.dirname, '../../fixtures/podman/rootless.sh');

/** A user with subordinate uid and gid ranges, or why rootless podman cannot run here. */
function rootlessUser(): {user: string} | string {
  if (process.getuid?.() !== 0) return 'switching to a rootless user needs root';
  if (spawnSync('podman', ['--version']).status !== 0) return 'podman is not installed';
  if (spawnSync('sh', ['-c', 'command -v newuidmap']).status !== 0) return 'newuidmap is not installed (the uidmap package)';
  const names = (file: string) => {
    try {
      return readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.split(':')[0] ?? '')
        .filter(Boolean);
    } catch {
      return [];
    }
  };
  const gids = names('/etc/subgid');
  const user = names('/etc/subuid').find((u) => gids.includes(u) && spawnSync('id', [u]).status === 0);
  return user ? {user} : 'no user with /etc/subuid and /etc/subgid ranges';
}

const who = rootlessUser();
const why = typeof who === 'string' ? who : undefined;

describe.skipIf(why)(`a rootless podman root vs rootless podman${why ? ` (skipped: ${why})` : ''}`, () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'layerscope-rootless-'));
    execFileSync(SCRIPT, [(who as {user: string}).user, dir], {stdio: 'pipe', timeout: 120_000});
  }, 180_000);
  afterAll(() => {
    // Rootless podman leaves its pause process (the user namespace's keeper) running: end it
    // (its pid is in the --tmpdir the fixture script gives podman).
    try {
      process.kill(Number(readFileSync(join(dir, 'tmp', 'pause.pid'), 'utf8')), 'SIGKILL');
    } catch {
      // none was started
    }
    spawnSync('umount', [join(dir, 'root', 'overlay')]);
    rmSync(dir, {recursive: true, force: true});
  });

  it('diff r1 equals podman diff (user.overlay.opaque directories included)', () => {
    const r = cli(['diff', 'r1', '--root', join(dir, 'root')]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toEqual(lines(readFileSync(join(dir, 'answers', 'diff-r1.txt'), 'utf8')));
  });

  it("ls r1 shows owners as the containers' user namespace does, and says how it mapped them", () => {
    const want = findTree(join(dir, 'answers', 'ls-r1.txt'));
    expect(lsTree(cliJson(['ls', 'r1', '--root', join(dir, 'root')]))).toEqual(want);
    expect(want).toContain('file 644 7:8 2 /opt/x');
    expect(cli(['ls', 'r1', '--root', join(dir, 'root')]).stderr).toMatch(/note: rootless store of .*: owners shown as its containers see them/);
  });
});

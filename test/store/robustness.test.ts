// Reading a real root writes nothing, and damaged roots give messages naming the damaged item
// while everything else still lists.
import {chmodSync, readFileSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cli} from '../helpers/cli.js';
import {canExtract, cleanupExtracted, extractRealStoreA, REAL_A, skipReason} from '../helpers/real-store.js';
import {snapshot} from '../helpers/snapshot.js';
import {ensureBuilt, hasTmux, Term} from '../helpers/terminal.js';

const WEB1 = '98b1f504b67f10543133c65a6a6907e87523cd17006948bf882d44ce76b549b2';
const job2Diff = () => readFileSync(join(REAL_A, 'diff-job2.txt'), 'utf8').split('\n').filter(Boolean);
/** cache id of myapp:1's COPY layer (chain sha256:6041ef5d...) */
const COPY_LAYER = '2783b78df91247d4a8d2ddcc5cdc74638432d0b6e6baf19f9fd63a66e78a0ad9';

const READ_COMMANDS = [
  ['images'],
  ['history', 'cowlab:1'],
  ['history', 'myapp2:1'],
  ['diff', 'web1'],
  ['diff', 'job2'],
  ['diff', 'idle3'],
  ['diff', 'myapp:1', 'cowlab:1'],
  ['ls', 'cowlab:1'],
  ['ls', 'web1', '/etc'],
  ['ls', 'myapp:1@2'],
  ['volumes'],
  ['mounts', 'web1'],
  ['mounts', 'job2'],
  ['df'],
];

describe.skipIf(!canExtract)(`reading and damage${canExtract ? '' : ` (skipped: ${skipReason})`}`, () => {
  let pristine: string;
  beforeAll(() => {
    if (hasTmux) ensureBuilt();
    pristine = extractRealStoreA();
  });
  afterAll(cleanupExtracted);

  it('every read-only command leaves the root byte-for-byte unchanged', () => {
    const before = snapshot(pristine);
    for (const args of READ_COMMANDS) {
      for (const json of [[], ['--json']]) {
        const r = cli([...args, ...json, '--root', pristine]);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      }
    }
    expect(snapshot(pristine)).toEqual(before);
  });

  it.skipIf(!hasTmux)(`a scripted explorer run (tmux) leaves the root byte-for-byte unchanged${hasTmux ? '' : ' (skipped: no tmux)'}`, async () => {
    const before = snapshot(pristine);
    const term = new Term(100, 30);
    term.start([pristine]);
    try {
      await term.waitFor((s) => s.includes('Layers of'), 'the main screen');
      // walk every pane and list: images, containers, volumes; layers; merged view; file view; search
      await term.keys(
        'Down',
        'Enter',
        'Tab',
        'Down',
        'Down',
        'Tab',
        't',
        'Down',
        'Enter',
        'Escape',
        'Right',
        'Enter',
        'Tab',
        'Tab',
        'Right',
        '/',
        'c',
        'o',
        'n',
        'f',
        'Enter',
        'Escape',
        'q',
        // q does not quit the empty file view; ctrl+c quits anywhere, so every key has been handled
        'C-c',
      );
      await term.waitFor((s) => s.includes('exited with 0'), 'the explorer to exit');
    } finally {
      term.close();
    }
    expect(snapshot(pristine)).toEqual(before);
  });

  it('a corrupt config.v2.json is named; the other containers still list', () => {
    const root = extractRealStoreA();
    writeFileSync(join(root, 'containers', WEB1, 'config.v2.json'), '{"ID": "98b1f5', {flag: 'w'});
    const df = cli(['df', '--root', root]);
    expect(df.code).toBe(3); // printed in part: the warning names what is missing
    expect(df.stderr).toContain(join(root, 'containers', WEB1, 'config.v2.json'));
    expect(df.stderr).toMatch(/invalid JSON/);
    expect(df.stdout).toContain('job2');
    expect(df.stdout).toContain('idle3');
    const job2 = cli(['diff', 'job2', '--root', root]);
    expect(job2.code).toBe(0); // whole: the warning is about another container (web1)
    expect(job2.stderr).toContain(join(root, 'containers', WEB1, 'config.v2.json'));
    expect(new Set(job2.stdout.split('\n').filter(Boolean))).toEqual(new Set(job2Diff()));
    const web1 = cli(['diff', 'web1', '--root', root]);
    expect(web1.code).toBe(1);
    expect(web1.stderr).toContain('web1');
  });

  it('a missing layer directory is named; images not using it still work', () => {
    const root = extractRealStoreA();
    rmSync(join(root, 'overlay2', COPY_LAYER), {recursive: true});
    const ls = cli(['ls', 'myapp:1', '/opt', '--root', root]);
    expect(ls.stderr).toContain(join(root, 'overlay2', COPY_LAYER, 'diff'));
    expect(ls.stderr).toMatch(/missing/);
    const hist = cli(['history', 'myapp2:1', '--root', root]);
    expect(hist.code).toBe(0); // whole: the missing layer is myapp:1's own (the warning still names it)
    expect(hist.stderr).toContain(join(root, 'overlay2', COPY_LAYER, 'diff'));
    expect(cli(['history', 'myapp:1', '--root', root]).code).toBe(3);
    expect(cli(['images', '--root', root]).stdout).toContain('cowlab');
  });

  it('a dangling lower link is named', () => {
    const root = extractRealStoreA();
    const link = readFileSync(join(root, 'overlay2', COPY_LAYER, 'link'), 'utf8').trim();
    unlinkSync(join(root, 'overlay2', 'l', link));
    symlinkSync('../no-such-layer/diff', join(root, 'overlay2', 'l', link));
    const r = cli(['images', '--root', root]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(join(root, 'overlay2', 'l', link));
    expect(r.stderr).toMatch(/dangling lower link/);
  });

  it('an unreadable directory is named (read as an unprivileged user); the rest lists', () => {
    const copy = extractRealStoreA();
    chmodSync(copy, 0o755);
    const open = (dir: string): void => {
      for (const e of readdirSync(dir, {withFileTypes: true})) {
        const p = join(dir, e.name);
        if (e.isSymbolicLink()) continue;
        chmodSync(p, e.isDirectory() ? 0o755 : 0o644);
        if (e.isDirectory()) open(p);
      }
    };
    open(copy);
    const locked = join(copy, 'overlay2', 'cd5dbc2783173406fd1608b82f91fd6d3af7af3a88d74d580a1667f0cc233c8b', 'diff', 'usr');
    chmodSync(locked, 0o000);
    const r = cli(['ls', 'myapp:1', '/', '--root', copy], {uid: 65534, gid: 65534});
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(locked);
    expect(r.stderr).toMatch(/permission denied/);
    expect(r.stderr).toMatch(/CAP_SYS_ADMIN/); // opaque dirs cannot be seen: said, not guessed
    expect(r.stdout).toContain('/opt/source-code/app.py');
  });
});

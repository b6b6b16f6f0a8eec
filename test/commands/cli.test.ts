// The command line as a user meets it: what each command takes (from the command table), usage
// errors with exit 2, --version, completions for bash; and the packed package installed globally
// offline, run with no dev dependencies.
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, readdirSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {COMMANDS} from '../../source/commands/index.js';
import {cli} from '../helpers/cli.js';
import {ensureBuilt, hasTmux, Term} from '../helpers/terminal.js';

const REPO = resolve(import.meta.dirname, '../..');
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {version: string}).version;
const temps: string[] = [];
const temp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'layerscope-cli-'));
  temps.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temps) rmSync(dir, {recursive: true, force: true});
});

describe('options and arguments each command takes', () => {
  it.each([
    [['images', '--tag', 'x'], 'images does not take --tag'],
    [['history', 'a', '--out', 'f'], 'history does not take --out'],
    [['diff', 'a', 'b', 'c'], 'diff takes at most 2 arguments (extra: c)'],
    [['plugins', 'x'], 'plugins takes no arguments (extra: x)'],
    [['ls'], 'ls needs at least 1 argument'],
    [['export', 'a', 'b'], 'export needs --out FILE'],
    [['create', 'myapp:1'], 'commands that write need an explicit --root'],
    [['nosuch'], 'unknown command nosuch'],
    [['--root', '/tmp', '--tag', 'x'], 'the explorer takes one ROOT|ARCHIVE'],
  ])('%j: exit 2, %s', (argv, message) => {
    const r = cli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('COMMAND --help prints its usage and options, exit 0', () => {
    const r = cli(['ci', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: layerscope ci IMAGE');
    expect(r.stdout).toContain('--lowest-efficiency');
  });

  it('--version prints the package version', () => {
    const r = cli(['--version']);
    expect(r).toMatchObject({code: 0, stdout: `layerscope ${VERSION}\n`});
  });
});

describe('completion', () => {
  it('bash: the script parses and completes every command and its options', () => {
    const script = cli(['completion', 'bash']);
    expect(script.code).toBe(0);
    const file = join(temp(), 'layerscope.bash');
    writeFileSync(file, script.stdout);
    execFileSync('bash', ['-n', file]);
    // Ask bash itself what it completes after `layerscope ` and after `layerscope ci --`.
    const complete = (words: string[]): string[] => {
      const line = `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _layerscope; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return execFileSync('bash', ['-c', line], {encoding: 'utf8', cwd: temp()}).split('\n').filter(Boolean);
    };
    expect(complete(['layerscope', ''])).toEqual(expect.arrayContaining(Object.keys(COMMANDS)));
    expect(complete(['layerscope', 'ci', '--'])).toEqual(expect.arrayContaining(['--lowest-efficiency', '--root', '--json', '--help']));
    expect(complete(['layerscope', 'ci', '--'])).not.toContain('--tag');
  });

  it.each(['zsh', 'fish'])('%s: names every command', (shell) => {
    const r = cli(['completion', shell]);
    expect(r.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(r.stdout).toContain(name);
  });

  it('an unknown shell is a usage error', () => {
    expect(cli(['completion', 'tcsh']).code).toBe(2);
  });
});

const npm = spawnSync('npm', ['--version']);
describe.skipIf(npm.status !== 0)(`the packed package${npm.status !== 0 ? ' (skipped: npm is not on PATH)' : ''}`, () => {
  it('installs globally offline with no dependencies and runs --version, ci and the explorer', {timeout: 240_000}, async () => {
    const dir = temp();
    // Without --ignore-scripts `npm pack` runs `prepare`, whose tsc rewrites dist/ in place while
    // other test files run the CLI from it (one failed so: a half-written dist/tar/header.js). The
    // bundle `npm test` built is packed as it is, and the archive must hold exactly those bytes.
    ensureBuilt();
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], {cwd: REPO, stdio: 'ignore'});
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    const files = execFileSync('tar', ['-tzf', join(dir, tgz)], {encoding: 'utf8'})
      .split('\n')
      .filter(Boolean);
    expect(files).toContain('package/dist/bundle/cli.js');
    const packed = execFileSync('tar', ['-xzOf', join(dir, tgz), 'package/dist/bundle/cli.js'], {maxBuffer: 1 << 30});
    expect(packed.equals(readFileSync(join(REPO, 'dist', 'bundle', 'cli.js')))).toBe(true);
    expect(files.filter((f) => f.startsWith('package/source/') || f.startsWith('package/test/'))).toEqual([]);
    const prefix = join(dir, 'prefix');
    // Without the optional native addons (fs-xattr, zstd-napi): what installs with no toolchain and no network.
    execFileSync('npm', ['install', '-g', '--offline', '--omit=optional', '--no-audit', '--no-fund', '--prefix', prefix, join(dir, tgz)], {stdio: 'ignore'});
    const bin = join(prefix, 'bin', 'layerscope');
    expect(execFileSync(bin, ['--version'], {encoding: 'utf8'})).toBe(`layerscope ${VERSION}\n`);
    // An image archive made with the installed tool's own engine, then checked with `ci`.
    const rootfs = join(dir, 'rootfs');
    mkdirSync(join(rootfs, 'etc'), {recursive: true});
    writeFileSync(join(rootfs, 'etc', 'hello'), 'hello\n');
    execFileSync('tar', ['-cf', join(dir, 'rootfs.tar'), '-C', rootfs, '.']);
    const root = join(dir, 'engine-root');
    execFileSync(bin, ['import', join(dir, 'rootfs.tar'), 'hello:1', '--root', root], {stdio: 'ignore'});
    execFileSync(bin, ['save', 'hello:1', '-o', join(dir, 'hello.tar'), '--root', root], {stdio: 'ignore'});
    const ci = spawnSync(bin, ['ci', join(dir, 'hello.tar')], {encoding: 'utf8'});
    expect(ci.status).toBe(0);
    expect(ci.stdout).toContain('efficiency: 100.0000 %');
    expect(readdirSync(join(prefix, 'lib', 'node_modules', 'layerscope'))).not.toContain('source');
    if (!hasTmux) return; // the explorer needs a terminal: tmux (.ci/run installs it)
    const term = new Term(100, 30);
    try {
      term.run([bin, join(dir, 'hello.tar')]);
      await term.waitFor((x) => x.includes('Layers of hello:1'), 'the installed explorer on the archive');
      await term.keys('q');
      await term.waitFor((x) => x.includes('exited with 0'), 'the explorer to quit');
    } finally {
      term.close();
    }
  });
});

// The engine's CLI commands: usage messages, the explicit --root every writing command needs, and
// the wiring of build, import, save and load (a saved image loads into another root with its id).
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DEMO_CONTEXT} from '../../source/engine/demo.js';
import {demoRootfsTar} from '../../source/engine/demo-rootfs.js';
import {cli, cliJson} from '../helpers/cli.js';
import {noXattr, titled} from '../helpers/addons.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'layerscope-engine-cli-'));
  writeFileSync(join(tmp, 'rootfs.tar'), demoRootfsTar());
});
afterAll(() => rmSync(tmp, {recursive: true, force: true}));

describe('usage', () => {
  const cases: Array<[string[], string]> = [
    [['build'], 'usage: layerscope build CONTEXT'],
    [['import'], 'usage: layerscope import ROOTFS.tar'],
    [['load'], 'usage: layerscope load ARCHIVE'],
    [['save', 'x', '--root', '/tmp'], 'usage: layerscope save IMAGE... -o FILE'],
    [['create'], 'usage: layerscope create IMAGE'],
    [['fs', 'c'], 'usage: layerscope fs CONTAINER OP ARGS'],
    [['mount', 'c'], 'usage: layerscope mount CONTAINER DIR'],
    [['umount'], 'usage: layerscope umount DIR'],
    [['commit'], 'usage: layerscope commit CONTAINER'],
    [['demo', 'a', 'b'], 'usage: layerscope demo [DIR]'],
  ];
  for (const [argv, usage] of cases) {
    it(`${argv.join(' ')}: exit 2 with "${usage}"`, () => {
      const r = cli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(usage);
    });
  }

  it("writing commands need an explicit --root (the default is Docker's own root)", () => {
    const r = cli(['create', 'myapp:1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('need an explicit --root');
  });

  it('--help lists the engine commands', () => {
    const out = cli(['--help']).stdout;
    for (const name of ['build', 'import', 'load', 'save', 'create', 'fs', 'mount', 'umount', 'commit', 'demo']) expect(out).toContain(`layerscope ${name} `);
  });
});

describe.skipIf(noXattr)(titled('import, build, save, load', noXattr), () => {
  it('an image built here, saved and loaded into another root, keeps its id and history', () => {
    const a = join(tmp, 'a');
    const b = join(tmp, 'b');
    const archive = join(tmp, 'myapp.tar');
    expect(cli(['import', join(tmp, 'rootfs.tar'), 'localbase:1', '--root', a]).code).toBe(0);
    const built = cli(['build', DEMO_CONTEXT, '-f', 'Dockerfile.myapp', '-t', 'myapp:1', '--root', a]);
    expect(built.stderr).toBe('');
    expect(built.stdout).toContain('Successfully tagged myapp:1');
    expect(cli(['save', 'myapp:1', '-o', archive, '--root', a]).code).toBe(0);
    expect(existsSync(archive)).toBe(true);
    expect(cli(['load', archive, '--root', b]).stdout).toContain('Loaded image: myapp:1');
    const history = (root: string) => cliJson<Array<{ID: string; CreatedBy: string; Size: number}>>(['history', 'myapp:1', '--root', root]);
    expect(history(b)[0]!.ID).toBe(history(a)[0]!.ID);
    expect(history(b).map((r) => [r.CreatedBy, r.Size])).toEqual(history(a).map((r) => [r.CreatedBy, r.Size]));
  });

  it('fs rm -r / mkdir -p / ln -s: the flags cli.ts parses go back to the verbs', () => {
    const a = join(tmp, 'a');
    expect(cli(['create', 'myapp:1', '--name', 'c1', '--root', a]).code).toBe(0);
    expect(cli(['fs', 'c1', 'mkdir', '-p', '/x/y/z', '--root', a]).code).toBe(0);
    expect(cli(['fs', 'c1', 'ln', '-s', '/x/y', '/x/link', '--root', a]).code).toBe(0);
    expect(cli(['fs', 'c1', 'rm', '-r', '/x/y', '--root', a]).code).toBe(0);
    expect(cli(['diff', 'c1', '--root', a]).stdout.split('\n').filter(Boolean).sort()).toEqual(['A /x', 'A /x/link']);
  });

  it('fs lists its verbs on an unknown OP (exit 2)', () => {
    const r = cli(['fs', 'c1', 'frobnicate', '/x', '--root', join(tmp, 'a')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown OP 'frobnicate'");
    expect(r.stderr).toContain('mkdir [-p] PATH');
  });
});

// The classic builder against Docker's own answers for build-context/myapp and myapp2.
import {chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import * as tar from 'tar';
import {build} from '../../source/engine/build.js';
import {parseDockerfile} from '../../source/engine/dockerfile.js';
import {importRootfs} from '../../source/engine/import.js';
import {readImageConfig, resolveImage} from '../../source/engine/layout-image.js';
import {createRoot} from '../../source/engine/layout.js';
import {runUnsupportedReason} from '../../source/engine/run.js';
import {REAL_A} from '../helpers/real-store.js';
import {noXattr, titled} from '../helpers/addons.js';

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-build-'));
afterAll(() => rmSync(tmp, {recursive: true, force: true}));
const capture = () => {
  let text = '';
  return {out: {write: (s: string) => (text += s)}, text: () => text};
};
const history = (name: string): string[] =>
  readFileSync(join(REAL_A, `history-${name}.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).CreatedBy as string)
    .reverse();

/** The build context as Docker saw it: 0644/0755, whatever the checkout's umask made of the fixture. */
function context(name: string): string {
  const dir = join(tmp, `ctx-${name}`);
  cpSync(join(REAL_A, 'build-context', name), dir, {recursive: true});
  const fix = (p: string): void => {
    const dirp = statSync(p).isDirectory();
    chmodSync(p, dirp ? 0o755 : 0o644);
    if (dirp) for (const n of readdirSync(p)) fix(join(p, n));
  };
  fix(dir);
  return dir;
}

describe('Dockerfile parser', () => {
  it('joins continuations like Docker and names the line of an unsupported instruction', () => {
    const [from, run] = parseDockerfile('# c\nFROM scratch\nRUN echo a && \\\n  # comment\n    echo b\n');
    expect(from!.line).toBe(2);
    expect(run!.args).toBe('echo a &&     echo b');
    expect(() => parseDockerfile('FROM scratch\n\nHEALTHCHECK CMD true\n')).toThrow(/line 3: unknown or unsupported instruction "HEALTHCHECK"/);
    expect(parseDockerfile('FROM x\nCMD ["a","b"]')[1]!.json).toEqual(['a', 'b']);
  });
});

describe.skipIf(noXattr)(titled('builds without RUN (no root needed)', noXattr), () => {
  it('FROM scratch + ADD of a local tar + metadata, with Docker created_by forms', async () => {
    const root = join(tmp, 'scratch-root');
    await createRoot(root);
    const ctx = join(tmp, 'ctx-scratch');
    mkdirSync(join(ctx, 'files/etc'), {recursive: true});
    writeFileSync(join(ctx, 'files/etc/motd'), 'hello\n');
    await tar.c({file: join(ctx, 'rootfs.tar'), cwd: join(ctx, 'files'), portable: true}, ['etc']);
    writeFileSync(
      join(ctx, 'Dockerfile'),
      'FROM scratch\nADD rootfs.tar /\nENV A=1 B="two words"\nLABEL x=y\nEXPOSE 80 53/udp\nVOLUME /data\nWORKDIR /srv/app\nCMD ["sh"]\n',
    );
    const {out, text} = capture();
    const r = await build({root, context: ctx, tags: ['scratchy:1'], out});
    const {config} = await readImageConfig(root, r.id);
    const by = config.history.map((h) => h.created_by);
    expect(by[0]).toMatch(/^\/bin\/sh -c #\(nop\) ADD file:[0-9a-f]{64} in \/ $/);
    expect(by.slice(1)).toEqual([
      '/bin/sh -c #(nop)  ENV A=1 B=two words',
      '/bin/sh -c #(nop)  LABEL x=y',
      '/bin/sh -c #(nop)  EXPOSE 80 53/udp',
      '/bin/sh -c #(nop)  VOLUME [/data]',
      '/bin/sh -c #(nop) WORKDIR /srv/app',
      '/bin/sh -c #(nop)  CMD ["sh"]',
    ]);
    // WORKDIR of a new directory is a layer, as in the classic builder; the rest are empty layers.
    expect(config.history.map((h) => !!h.empty_layer)).toEqual([false, true, true, true, true, false, true]);
    expect(config.config.Env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=1', 'B=two words']);
    expect(config.config.ExposedPorts).toEqual({'53/udp': {}, '80/tcp': {}});
    expect(text()).toContain('Step 2/8 : ADD rootfs.tar /');
    const again = capture();
    await build({root, context: ctx, tags: ['scratchy:1'], out: again.out});
    expect(again.text().match(/---> Using cache/g)).toHaveLength(7);
  });
});

const runReason = runUnsupportedReason() ?? noXattr;
describe.skipIf(!!runReason)(`classic example: myapp then myapp2${runReason ? ` (skipped: ${runReason})` : ''}`, () => {
  const root = join(tmp, 'root');
  beforeAll(async () => {
    // localbase:1's layer, taken from Docker's own save archive.
    const base = join(tmp, 'base');
    mkdirSync(base);
    await tar.x({file: join(REAL_A, 'myapps.docker-archive.tar'), cwd: base}, ['5b5875136b98c7a4777fed8730d09ba14324bdeb38b0c6342d9c0a75ddc310f6/layer.tar']);
    await importRootfs({root, archive: join(base, '5b5875136b98c7a4777fed8730d09ba14324bdeb38b0c6342d9c0a75ddc310f6/layer.tar'), ref: 'localbase:1'});
  });

  it('writes created_by exactly as Docker did, COPY content hashes included, and Docker layer sizes', async () => {
    const r = await build({root, context: context('myapp'), tags: ['myapp:1']});
    const {config} = await readImageConfig(root, r.id);
    expect(config.history.map((h) => h.created_by ?? '')).toEqual(history('myapp'));
    const inspect = JSON.parse(readFileSync(join(REAL_A, 'inspect-image-myapp.json'), 'utf8'))[0];
    expect(config.config.Entrypoint).toEqual(inspect.Config.Entrypoint);
    expect(config.config.Env).toEqual(inspect.Config.Env);
    // Base layer diff id equals Docker's: the imported tar is stored as given.
    expect(config.rootfs.diff_ids[0]).toBe(inspect.RootFS.Layers[0]);
    expect(config.rootfs.diff_ids).toHaveLength(inspect.RootFS.Layers.length);
  });

  it('reuses the first three layers for myapp2 and adds two images, one layer', async () => {
    const layersBefore = readdirSync(join(root, 'image/overlay2/layerdb/sha256')).length;
    const imagesBefore = readdirSync(join(root, 'image/overlay2/imagedb/content/sha256')).length;
    const {out, text} = capture();
    const r = await build({root, context: context('myapp2'), tags: ['myapp2:1'], out});
    expect(text().match(/ ---> Using cache\n/g)).toHaveLength(2);
    expect(text()).toMatch(/Step 3\/5 : RUN [^\n]*\n ---> Using cache\n ---> [0-9a-f]{12}\nStep 4\/5 : COPY app\/app2.py/);
    expect(readdirSync(join(root, 'image/overlay2/layerdb/sha256')).length - layersBefore).toBe(1);
    expect(readdirSync(join(root, 'image/overlay2/imagedb/content/sha256')).length - imagesBefore).toBe(2);
    const {config} = await readImageConfig(root, r.id);
    expect(config.history.map((h) => h.created_by ?? '')).toEqual(history('myapp2'));
    const a = (await readImageConfig(root, await resolveImage(root, 'myapp:1'))).config.rootfs.diff_ids;
    expect(config.rootfs.diff_ids.slice(0, 3)).toEqual(a.slice(0, 3));
    // Layer sizes as Docker recorded them for the same steps (RUN output sizes are fixed by dd counts).
    const sizes = readdirSync(join(root, 'image/overlay2/layerdb/sha256')).map((c) =>
      Number(readFileSync(join(root, 'image/overlay2/layerdb/sha256', c, 'size'), 'utf8')),
    );
    expect(sizes.sort((x, y) => x - y)).toEqual([14, 64, 40973, 307231, 1984172]);
  });

  it('a failing RUN fails the build and leaves no layer behind', async () => {
    const ctx = join(tmp, 'ctx-fail');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM localbase:1\nRUN echo out && touch /x && exit 3\n');
    const overlays = readdirSync(join(root, 'overlay2')).length;
    const {out, text} = capture();
    await expect(build({root, context: ctx, out})).rejects.toThrow(
      /line 2: The command '\/bin\/sh -c echo out && touch \/x && exit 3' returned a non-zero code: 3/,
    );
    expect(text()).toContain('out\n');
    expect(readdirSync(join(root, 'overlay2')).length).toBe(overlays);
  });

  it('RUN sees WORKDIR, ENV and USER, has no network, and leaves no mount points in its layer', async () => {
    const ctx = join(tmp, 'ctx-env');
    mkdirSync(ctx);
    writeFileSync(
      join(ctx, 'Dockerfile'),
      'FROM localbase:1\nENV GREETING=hi\nWORKDIR /work\nUSER 1000:1000\nRUN echo "$GREETING $(pwd) $(id -u) nics=$(grep -c : /proc/net/dev)"\n',
    );
    const {out, text} = capture();
    const r = await build({root, context: ctx, out});
    expect(text()).toContain('hi /work 1000 nics=1\n'); // only lo
    const {config} = await readImageConfig(root, r.id);
    // base + WORKDIR's new directory; the RUN changed nothing (its /proc and /dev mounts left no trace).
    expect(config.rootfs.diff_ids).toHaveLength(2);
    expect(config.history.at(-1)).toMatchObject({empty_layer: true, created_by: '/bin/sh -c echo "$GREETING $(pwd) $(id -u) nics=$(grep -c : /proc/net/dev)"'});
  });
});

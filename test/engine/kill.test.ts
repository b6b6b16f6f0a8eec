// kill -9 at the worst moments: what is left must be no process, no mount, and nothing the next command
// does not clean (no half-written layer, no l/ link, no layerdb entry, no temp area).
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import * as fsp from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {demoRootfsTar, hasBusybox} from '../../source/engine/demo-rootfs.js';
import {importRootfs} from '../../source/engine/import.js';
import {rootPaths} from '../../source/engine/layout.js';
import {runUnsupportedReason} from '../../source/engine/run.js';
import {encodeHeader} from '../../source/tar/encode.js';
import {CLI, cli} from '../helpers/cli.js';
import {leftovers} from '../helpers/engine-root.js';
import {header} from '../helpers/tar-entries.js';

const tmp = mkdtempSync(join(tmpdir(), 'layerscope-kill-'));
afterAll(() => rmSync(tmp, {recursive: true, force: true}));
const root = join(tmp, 'root');
const DIST = resolve(import.meta.dirname, '../../dist/engine');

beforeAll(async () => {
  writeFileSync(join(tmp, 'rootfs.tar'), demoRootfsTar());
  await importRootfs({root, archive: join(tmp, 'rootfs.tar'), ref: 'localbase:1'});
});

/** Pids whose command line holds `word` as one argument. */
function processesWith(word: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(word)) out.push(Number(pid));
    } catch {
      // gone
    }
  }
  return out;
}

/** Overlay mounts anywhere on this machine (every mount namespace a process still holds) whose upper dir is in `dir`. */
function mountsUnder(dir: string): string[] {
  const found = new Set<string>();
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) if (line.includes(` - overlay `) && line.includes(dir)) found.add(line);
  }
  return [...found];
}

const waitFor = async (cond: () => boolean, ms = 30_000): Promise<boolean> => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (cond()) return true;
  return cond();
};

const reason = runUnsupportedReason() ?? (hasBusybox() ? undefined : 'the base image needs /bin/busybox (busybox-static)');

describe.skipIf(!!reason)(`kill -9 of a build during RUN${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it.each([
    ['the CLI process alone', false],
    ['the whole process group', true],
  ])('%s: no process or mount survives; the next command removes the half-written layer', async (_what, group) => {
    const marker = String(3000 + Math.floor(Math.random() * 900)) + (group ? '1' : '0');
    const ctx = mkdtempSync(join(tmp, 'ctx-'));
    writeFileSync(join(ctx, 'Dockerfile'), `FROM localbase:1\nRUN echo started && echo partial > /half && sleep ${marker}\n`);
    const child = spawn(process.execPath, [CLI, 'build', ctx, '--root', root], {detached: true, stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    expect(await waitFor(() => out.includes('started') && processesWith(marker).length > 0, 20_000)).toBe(true);
    expect(mountsUnder(root)).not.toEqual([]);
    process.kill(group ? -child.pid! : child.pid!, 'SIGKILL');
    // The kernel ends the step with its parent (pdeathsig) and the namespaces with their last process.
    expect(await waitFor(() => processesWith(marker).length === 0)).toBe(true);
    expect(await waitFor(() => mountsUnder(root).length === 0)).toBe(true);
    expect(leftovers(root).length).toBeGreaterThan(0); // the half-written layer and its journal, until...
    const next = cli(['create', 'localbase:1', 'sh', '--name', `after-${marker}`, '--root', root]); // ...the next writing command
    expect(next.stderr).toBe('');
    expect(leftovers(root)).toEqual([]);
  });
});

describe('kill -9 in the middle of writing a layer', () => {
  it('the next command undoes the killed transaction: layer dir, l/ link, layerdb entry, temp area', () => {
    const files = mkdtempSync(join(tmp, 'layer-'));
    writeFileSync(join(files, 'only-here'), String(Math.random()));
    const layerTar = join(tmp, 'layer.tar');
    expect(spawnSync('tar', ['-cf', layerTar, '-C', files, 'only-here']).status).toBe(0);
    // A real process that registers a layer and then dies by SIGKILL before its image is written.
    const script = `
      import {EngineRoot} from '${DIST}/engine-root.js';
      import {registerLayerFromTar} from '${DIST}/layout.js';
      import {createReadStream} from 'node:fs';
      const engine = await EngineRoot.open(${JSON.stringify(root)});
      const txn = await engine.begin();
      const layer = await registerLayerFromTar(txn, undefined, createReadStream(${JSON.stringify(layerTar)}));
      await txn.scratch('load');
      console.log(layer.cacheId);
      process.kill(process.pid, 'SIGKILL');
    `;
    const before = leftovers(root);
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8'});
    expect(r.signal).toBe('SIGKILL');
    const cacheId = r.stdout.trim();
    expect(cacheId).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(join(rootPaths(root).overlay, cacheId))).toBe(true);
    expect(cli(['import', join(tmp, 'rootfs.tar'), 'again:1', '--root', root]).code).toBe(0);
    expect(existsSync(join(rootPaths(root).overlay, cacheId))).toBe(false);
    expect(leftovers(root)).toEqual(before);
  });
});

describe('kill -9 of import and load while a layer is being written', () => {
  const BIG = 'big.bin';

  /** The layer dir the killed command made: not in `before`, its diff holding part of BIG (poll target). */
  const partialLayer = (before: Set<string>): string | undefined =>
    readdirSync(rootPaths(root).overlay).find((id) => {
      if (before.has(id)) return false;
      const size = statSync(join(rootPaths(root).overlay, id, 'diff', BIG), {throwIfNoEntry: false})?.size;
      return size !== undefined && size > 0;
    });

  /** tar-split files of unfinished transactions (tmp/txn-*\/split-*\/tar-split.json.gz). */
  const pendingTarSplits = (): string[] =>
    readdirSync(rootPaths(root).tmp).flatMap((txn) =>
      readdirSync(join(rootPaths(root).tmp, txn))
        .filter((n) => n.startsWith('split-'))
        .map((n) => join(txn, n, 'tar-split.json.gz'))
        .filter((f) => existsSync(join(rootPaths(root).tmp, f))),
    );

  /** Kill the CLI once its layer holds part of BIG; then the next command must sweep all it left. */
  async function killMidLayer(child: ChildProcess, exited: Promise<unknown>, before: Set<string>, leftBefore: string[]): Promise<void> {
    let id: string | undefined;
    expect(await waitFor(() => (id = partialLayer(before)) !== undefined, 30_000)).toBe(true);
    process.kill(child.pid!, 'SIGKILL');
    await exited;
    expect(child.signalCode).toBe('SIGKILL');
    // Killed half-way: a layer dir no layerdb entry names, its tar-split not yet moved into layerdb.
    expect(leftovers(root)).toContain(`overlay2/${id}`);
    expect(pendingTarSplits()).not.toEqual([]);
    const next = cli(['import', join(tmp, 'rootfs.tar'), `after-${Date.now()}:1`, '--root', root]);
    expect(next.stderr).toBe('');
    expect(existsSync(join(rootPaths(root).overlay, id!))).toBe(false);
    expect(pendingTarSplits()).toEqual([]);
    expect(leftovers(root)).toEqual(leftBefore);
  }

  it('import from a pipe, killed with the layer half-extracted', async () => {
    const fifo = join(tmp, 'import.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const leftBefore = leftovers(root);
    const before = new Set(readdirSync(rootPaths(root).overlay));
    const child = spawn(process.execPath, [CLI, 'import', fifo, 'killed:1', '--root', root], {stdio: 'ignore'});
    const exited = new Promise((r) => child.once('exit', r));
    // Opening for writing waits for the CLI to open the pipe; it then gets one file's header and a
    // part of its content, and waits for the rest, which never comes.
    const writer = await Promise.race([fsp.open(fifo, 'w'), exited.then(() => undefined)]);
    expect(writer).toBeDefined();
    try {
      await writer!.write(encodeHeader(header(BIG, {size: 64 << 20})));
      await writer!.write(Buffer.alloc(1 << 20, 'x'));
      await killMidLayer(child, exited, before, leftBefore);
    } finally {
      await writer!.close();
    }
  });

  it('load of an archive with a large layer, killed while the layer is written', async () => {
    // A docker save archive made by tar and gzip: one gzip'd layer of 64 MiB, small to ship, slow to apply.
    const dir = join(tmp, 'big-archive');
    mkdirSync(dir);
    const made = spawnSync(
      'sh',
      [
        '-ec',
        `head -c ${64 << 20} /dev/zero > ${BIG}
         tar cf layer.tar ${BIG} && rm ${BIG}
         diff=$(sha256sum layer.tar | cut -d' ' -f1)
         gzip -1 layer.tar
         printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' $diff > config.json
         echo '[{"Config":"config.json","RepoTags":["bigload:1"],"Layers":["layer.tar.gz"]}]' > manifest.json
         tar cf ../big-archive.tar manifest.json config.json layer.tar.gz`,
      ],
      {cwd: dir, encoding: 'utf8'},
    );
    expect(made.stderr).toBe('');
    const leftBefore = leftovers(root);
    const before = new Set(readdirSync(rootPaths(root).overlay));
    const child = spawn(process.execPath, [CLI, 'load', join(tmp, 'big-archive.tar'), '--root', root], {stdio: 'ignore'});
    const exited = new Promise((r) => child.once('exit', r));
    await killMidLayer(child, exited, before, leftBefore);
    expect(cli(['images', '--root', root]).stdout).not.toContain('bigload');
  });
});

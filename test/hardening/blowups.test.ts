// Deep trees and huge inputs cost time in proportion, never a stack overflow: a 5000-deep tree,
// 130k refused entries, an `ls` of 130k rows, a 50 MB PAX header, a 100 MB created_by, a
// container's writable snapshot with a directory of 150k entries.
import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, createWriteStream} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {encodeHeader, type TarHeader} from '../../source/tar/encode.js';
import {cli, type CliResult} from '../helpers/cli.js';
import {craftRoot} from '../helpers/crafted-root.js';
import {cleanupFixtures, extractFixture, fixtureSkip} from '../helpers/fixture-root.js';

const BIG = {maxBuffer: 1 << 30, timeout: 120_000};
const noOverflow = (r: CliResult) => {
  expect(r.code, r.stderr.slice(0, 2000)).toBeGreaterThanOrEqual(0);
  expect(r.stderr).not.toMatch(/Maximum call stack|RangeError|\n\s+at .*:\d+:\d+\)?/);
};

function header(name: string, type: TarHeader['type'], size = 0): Buffer {
  return encodeHeader({
    name,
    type,
    mode: type === 'dir' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    size,
    mtime: 1_700_000_000,
    linkname: type === 'symlink' ? 'target' : '',
    devmajor: 0,
    devminor: 0,
    xattrs: {},
  });
}

/** A one-image `docker save` archive around a layer tar given as blocks. */
async function archive(path: string, layer: Iterable<Buffer>): Promise<void> {
  const chunks: Buffer[] = [];
  for (const b of layer) chunks.push(b);
  chunks.push(Buffer.alloc(1024));
  const tar = Buffer.concat(chunks);
  const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
  const config = Buffer.from(
    JSON.stringify({architecture: 'amd64', os: 'linux', rootfs: {type: 'layers', diff_ids: [diffId]}, history: [{created_by: 'generated'}]}),
  );
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  const manifest = Buffer.from(JSON.stringify([{Config: configName, RepoTags: ['big:1'], Layers: ['layer/layer.tar']}]));
  const out = createWriteStream(path);
  const file = (name: string, data: Buffer) => {
    out.write(header(name, 'file', data.length));
    out.write(data);
    if (data.length % 512) out.write(Buffer.alloc(512 - (data.length % 512)));
  };
  file(configName, config);
  file('layer/layer.tar', tar);
  file('manifest.json', manifest);
  out.write(Buffer.alloc(1024));
  await new Promise((resolve, reject) => out.end(() => resolve(undefined)).on('error', reject));
}

describe('blow-ups', () => {
  let base: string;
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'ls-blowups-'));
  });
  afterAll(() => rmSync(base, {recursive: true, force: true}));

  it('a 5000-deep tree: ls, diff, ci and export-layer walk it without recursion', async () => {
    const deep = function* (leaf: string): Generator<Buffer> {
      let path = '';
      for (let i = 0; i < 5000; i++) {
        path += 'd/';
        yield header(path, 'dir');
      }
      yield header(`${path}${leaf}`, 'file');
    };
    await archive(join(base, 'deep1.tar'), deep('a'));
    await archive(join(base, 'deep2.tar'), deep('b'));
    const ls = cli(['ls', join(base, 'deep1.tar')], BIG);
    noOverflow(ls);
    expect(ls.code).toBe(0);
    expect(ls.stdout.split('\n').length).toBe(5003);
    const diff = cli(['diff', join(base, 'deep1.tar'), join(base, 'deep2.tar')], BIG);
    noOverflow(diff);
    expect(
      diff.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(0, 2) + l.slice(-2)),
    ).toEqual([...Array<string>(5000).fill('C /d'), 'A /b', 'D /a']);
    for (const args of [
      ['ci', join(base, 'deep1.tar')],
      ['export-layer', join(base, 'deep1.tar'), '--out', join(base, 'deep.out.tar')],
      ['export', join(base, 'deep1.tar'), '/d', '--out', join(base, 'deep.dir.tar')],
    ]) {
      const r = cli(args, BIG);
      noOverflow(r);
      expect(r.code, r.stderr).toBe(0);
    }
  });

  it('130k refused entries and an ls of 130k rows', async () => {
    const many = function* (): Generator<Buffer> {
      for (let i = 0; i < 130_000; i++) {
        yield header(`f${i}`, 'symlink');
        yield header(`../escape${i}`, 'symlink');
      }
    };
    await archive(join(base, 'many.tar'), many());
    const r = cli(['ls', join(base, 'many.tar')], BIG);
    noOverflow(r);
    expect(r.code).toBe(3);
    expect(r.stdout.split('\n').length).toBe(130_002);
    expect(r.stderr.split('\n').filter((l) => l.includes("name contains '..'")).length).toBe(130_000);
  });

  it('a 50 MB PAX header is refused at once by import and by the reader', () => {
    const pax = Buffer.alloc(50 << 20, 'a');
    const record = Buffer.concat([Buffer.from(`${50 * 1024 * 1024 + 20} comment=`), pax, Buffer.from('\n')]);
    const blocks = [
      encodeHeader({
        name: 'PaxHeaders/x',
        type: 'file',
        mode: 0,
        uid: 0,
        gid: 0,
        size: record.length,
        mtime: 0,
        linkname: '',
        devmajor: 0,
        devminor: 0,
        xattrs: {},
      }),
      record,
    ];
    blocks[0]![156] = 'x'.charCodeAt(0);
    // the checksum covers the type flag: recompute it
    blocks[0]!.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of blocks[0]!) sum += b;
    blocks[0]!.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    blocks.push(Buffer.alloc(512 - (record.length % 512)), header('x', 'file'), Buffer.alloc(1024));
    writeFileSync(join(base, 'pax.tar'), Buffer.concat(blocks));
    const imp = cli(['import', join(base, 'pax.tar'), 'pax:1', '--root', join(base, 'engine-root')], BIG);
    noOverflow(imp);
    expect(imp.code).toBe(1);
    expect(imp.stderr).toMatch(/extended header.* of 52428\d+ bytes/);
  });

  it('a 100 MB created_by: history cuts it like docker history', () => {
    const c = craftRoot('overlay2', undefined, {createdBy: `/bin/sh -c ${'x'.repeat(100 << 20)}`});
    try {
      const r = cli(['history', 'crafted:1', '--root', c.root], BIG);
      noOverflow(r);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`/bin/sh -c ${'x'.repeat(33)}…`);
    } finally {
      c.cleanup();
    }
  });
});

const cdSkip = fixtureSkip('containerd-docker');

function isWritableDir(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

describe.skipIf(!!cdSkip)(`blow-ups in a real root${cdSkip ? ` (skipped: ${cdSkip})` : ''}`, () => {
  afterAll(cleanupFixtures);

  it("a directory of 150k entries in a container's writable snapshot: df sizes it as du does (containerd's usage: blocks, inodes once)", () => {
    // On a tmpfs where there is one: 150k files cost seconds there, up to a minute on a busy disk.
    const dir = extractFixture('containerd-docker', isWritableDir('/dev/shm') ? '/dev/shm' : tmpdir());
    // c3 (fixtures/containerd-docker/make.sh) wrote /srv/a/b/q: its writable snapshot is the one holding it
    const snapshots = join(dir, 'containerd-root', 'io.containerd.snapshotter.v1.overlayfs', 'snapshots');
    const [fs] = readdirSync(snapshots)
      .map((n) => join(snapshots, n, 'fs'))
      .filter((d) => existsSync(join(d, 'srv', 'a', 'b', 'q')));
    mkdirSync(join(fs!, 'many'));
    // empty files but every 1000th: a tmpfs gives blocks only to data, so these show the walk reached them
    for (let i = 0; i < 150_000; i++) writeFileSync(join(fs!, 'many', `f${i}`), i % 1000 ? '' : 'x');
    const du = Number(execFileSync('du', ['-s', '-B1', fs!], {encoding: 'utf8'}).split('\t')[0]);
    const r = cli(['df', '--json', '--root', join(dir, 'docker-root'), '--containerd-root', join(dir, 'containerd-root')], BIG);
    noOverflow(r);
    expect(r.code, r.stderr).toBe(0);
    const c3 = (JSON.parse(r.stdout) as {Containers: {Names: string[]; SizeRw: number}[]}).Containers.find((c) => c.Names[0] === 'c3');
    expect(c3?.SizeRw).toBe(du);
  });
});

// Every archive kind and compression of one image, as real tools wrote them (fixtures/formats/make.sh:
// podman, skopeo, BuildKit, Docker 26 with the containerd image store). Each opens in every
// command with the same trees and contents as the uncompressed layers podman exported, the ids
// the writing tool shows, the same `ci` figures; indexes give the host's or the asked platform;
// attestations are never images.
import {execFileSync} from 'node:child_process';
import {cpSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {ArchiveStore} from '../../source/store/archive.js';
import {readRange} from '../../source/store/content.js';
import {formatPlatform, hostPlatform} from '../../source/docker/platform.js';
import {layerRows} from '../../source/ui/rows.js';
import {noXattr, noZstd, titled} from '../helpers/addons.js';
import {cli, cliJson} from '../helpers/cli.js';
import {budget} from '../helpers/budget.js';
import {seeded} from '../helpers/random.js';
import {classicArchive, cleanupTemp, manifestOf, member, tempDir} from './archive-fixtures.js';
import {appKinds, at, configDigest, extracted, json, mergedTree, rawDigest, truthLayers, type TreeEntry} from './format-kinds.js';

/** The compiled store, for a child process whose memory is measured. */
const DIST_ARCHIVE = resolve(import.meta.dirname, '../../dist/store/archive.js');
const DIST_CONTENT = resolve(import.meta.dirname, '../../dist/store/content.js');

afterAll(cleanupTemp);

/** Byte flips in compressed layers and archives (a count budget; seeds replayable). */
const flips = budget('COMPRESSED_FUZZ', {quick: 6, deep: 200}, 20261201);

const kinds = appKinds();
/** `tar -tv` lines with numeric owners (BuildKit writes no owner names), sorted. */
const sorted = (tar: Buffer | string) => {
  const out =
    typeof tar === 'string' ? execFileSync('tar', ['--numeric-owner', '-tvf', tar]) : execFileSync('tar', ['--numeric-owner', '-tvf', '-'], {input: tar});
  return out
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/ \.\//g, ' ').replace(/ link to \.\//, ' link to '))
    .filter((l) => !/ \.?\/?$/.test(l))
    .sort();
};

/** Extract a tar into a fresh directory (as root: owners and modes kept). */
function unpack(tar: Buffer | string): string {
  const dir = tempDir('layerscope-unpack-');
  if (typeof tar === 'string') execFileSync('tar', ['--numeric-owner', '-xpf', tar, '-C', dir]);
  else execFileSync('tar', ['--numeric-owner', '-xpf', '-', '-C', dir], {input: tar});
  return dir;
}

/**
 * Every unpacked entry: type and mode, owner, size, mtime, link target, hard link count (which
 * name of a group the tar stores as the file does not matter). A `.wh.` file's mode is not
 * part of a layer's meaning (podman writes 0000, Docker and export-layer 0600).
 */
function entriesOf(dir: string): string[] {
  const lines = execFileSync('find', [dir, '-mindepth', '1', '-printf', '%P %M %U:%G %s %T@ %l %n\\n']).toString('utf8').split('\n').filter(Boolean);
  return lines.map((l) => (/^(\S*\/)?\.wh\./.test(l) ? l.replace(/ \S+ /, ' (whiteout) ') : l)).sort();
}

/**
 * `export-layer` writes the layer from layerscope's tree and the bytes it reads: unpacked, it
 * must equal the tool's own layer tar unpacked (entries, metadata, contents).
 */
function expectLayerLike(spec: string, truth: Buffer, what: string, extra: string[] = []): void {
  const out = join(tempDir(), 'layer.tar');
  const r = cli(['export-layer', spec, '--out', out, ...extra]);
  expect(r.code, `${what}: ${r.stderr}`).toBe(0);
  const [ours, theirs] = [unpack(out), unpack(truth)];
  expect(entriesOf(ours), what).toEqual(entriesOf(theirs));
  execFileSync('diff', ['-r', '--no-dereference', ours, theirs]);
}

type LsEntry = {Path: string; Type: string; Mode: number; Uid: number; Gid: number; Size: number; LinkTarget?: string; Layer: number};
const lsLines = (entries: LsEntry[]) =>
  entries
    .map(
      (e) =>
        `${e.Type} ${e.Mode.toString(8)} ${e.Uid}:${e.Gid} ${e.Type === 'dir' ? '-' : e.Size} ${e.Path}${e.LinkTarget ? ` -> ${e.LinkTarget}` : ''} @${e.Layer}`,
    )
    .sort();

/** The same form from the system tools' tree. */
const treeLines = (entries: TreeEntry[]) =>
  entries.map((e) => `${e.type} ${e.mode} ${e.owner} ${e.type === 'dir' ? '-' : e.size} ${e.path}${e.target ? ` -> ${e.target}` : ''} @${e.layer}`).sort();

describe.skipIf(process.getuid?.() !== 0)('every archive kind of one image (root: unpacking keeps owners, the engine writes them)', () => {
  const trees = truthLayers.map((_, i) => treeLines(mergedTree(i)));
  for (const kind of kinds) {
    const skip = kind.zstd ? noZstd : undefined;
    it.skipIf(skip)(titled(`${kind.name}: layers unpack and ls lists like podman's uncompressed layers`, skip), () => {
      truthLayers.forEach((truth, i) => {
        expectLayerLike(`${kind.path}@${i}`, truth, `${kind.name} layer ${i}`);
        expect(lsLines(cliJson<LsEntry[]>(['ls', `${kind.path}@${i}`])), `${kind.name} ls @${i}`).toEqual(trees[i]);
      });
    });
    const noLoad = skip ?? noXattr;
    it.skipIf(noLoad)(titled(`${kind.name}: load gives the config digest as the id and the same tree`, noLoad), () => {
      const root = tempDir('layerscope-load-');
      const r = cli(['load', kind.path, '--root', root]);
      expect(r.code, `${kind.name}: ${r.stderr}`).toBe(0);
      const [image] = cliJson<{Repository: string; Tag: string; ID: string}[]>(['images', '--root', root]);
      expect(image!.ID, 'the id docker load and podman load give: the config digest').toBe(kind.config);
      expect(lsLines(cliJson<LsEntry[]>(['ls', `${image!.Repository}:${image!.Tag}`, '--root', root])), `${kind.name} loaded`).toEqual(trees.at(-1));
    });
  }
});

describe('every archive kind of one image', () => {
  const history = json<{CreatedBy: string; comment: string}[]>('app.podman-history.json');
  const ciOf = (path: string) => {
    const {Image: _, ID: __, ...figures} = JSON.parse(cli(['ci', path, '--json']).stdout) as Record<string, unknown>;
    return figures;
  };
  const first = ciOf(kinds[0]!.path);

  for (const kind of kinds) {
    const skip = kind.zstd ? noZstd : undefined;
    it.skipIf(skip)(titled(`${kind.name}: opens with no problem, ids as the writer shows them, history like podman's, ci like the others`, skip), async () => {
      const store = await ArchiveStore.open(kind.path);
      expect(store.problemList).toEqual([]);
      const images = cliJson<{ID: string; IDKind: string}[]>(['images', kind.path]);
      expect(images.map((i) => [i.ID, i.IDKind])).toEqual([[kind.id, kind.idKind]]);
      const rows = cliJson<{ID: string; CreatedBy: string; Comment: string}[]>(['history', kind.path]);
      expect(rows.map((r) => [r.CreatedBy, r.Comment])).toEqual(history.map((h) => [h.CreatedBy, h.comment]));
      expect(rows[0]!.ID).toBe(kind.id);
      // diff ids computed from the uncompressed bytes equal the config's (zstd:chunked: up to tar's end padding)
      const image = [...store.images.values()][0]!;
      expect(image.diffIds).toEqual(json<{rootfs: {diff_ids: string[]}}>('app.config.json').rootfs.diff_ids);
      expect(ciOf(kind.path)).toEqual(first);
      expect(cli(['diff', kinds[0]!.path, kind.path]).stdout).toBe('');
    });
  }

  it('containerd-store docker saves (a loaded image, a BuildKit build): history rows and ids like docker history', () => {
    for (const name of ['cd-save', 'cd-bk']) {
      const want = readFileSync(at(`${name}.docker-history.json`), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as {ID: string; CreatedBy: string});
      const got = cliJson<{ID: string; CreatedBy: string}[]>(['history', at(`${name}.tar`)]);
      expect(
        got.map((r) => [r.ID, r.CreatedBy]),
        name,
      ).toEqual(want.map((w) => [w.ID, w.CreatedBy]));
    }
  });

  it.skipIf(noZstd)(titled('a file read through zstd, gzip and a gzip-compressed archive has the bytes podman exported', noZstd), async () => {
    // numbers.txt is a hard link to numbers-link.txt in podman's layer: read it unpacked
    const want = readFileSync(join(unpack(truthLayers[1]!), 'usr/share/doc/numbers.txt'));
    expect(want.length).toBe(13893);
    for (const kind of kinds) {
      const out = join(tempDir(), 'numbers.txt');
      const r = cli(['export', kind.path, '/usr/share/doc/numbers.txt', '--out', out]);
      expect(r.code, `${kind.name}: ${r.stderr}`).toBe(0);
      expect(readFileSync(out).equals(want), kind.name).toBe(true);
      // The explorer's file view reads pages synchronously: layers and archives compressed whole
      // are decompressed from their start up to the page.
      const store = await ArchiveStore.open(kind.path);
      const image = [...store.images.values()][0]!;
      const read = Buffer.concat([0, 4096, 8192, 12288].map((at) => readRange(store, image.layers.at(-1), '/usr/share/doc/numbers.txt', at, 4096).bytes));
      expect(read.equals(want), kind.name).toBe(true);
    }
  });

  it('a page behind 128 MiB of zeros in a gzip-compressed archive: read by streaming, memory bounded', () => {
    // Made by the system tools: a layer tar of a 128 MiB file then a small one, a docker save
    // archive around it, gzip-compressed whole. Zeros inflate 1000:1: a decoder fed a whole read
    // at once, or a layer kept in memory, passes the bound.
    const dir = tempDir('layerscope-deep-');
    mkdirSync(join(dir, 'rootfs'));
    execFileSync('truncate', ['-s', '128M', join(dir, 'rootfs', 'big')]);
    writeFileSync(join(dir, 'rootfs', 'z.txt'), 'behind the zeros\n');
    const layer = execFileSync('tar', ['--sort=name', '-C', join(dir, 'rootfs'), '-cf', '-', 'big', 'z.txt'], {maxBuffer: 1 << 28});
    const file = classicArchive(join(dir, 'deep.tar'), [layer]);
    execFileSync('gzip', ['-1', file]);
    const script = `
      const {ArchiveStore} = await import(${JSON.stringify(DIST_ARCHIVE)});
      const {readRange} = await import(${JSON.stringify(DIST_CONTENT)});
      const store = await ArchiveStore.open(${JSON.stringify(`${file}.gz`)});
      const image = [...store.images.values()][0];
      const before = process.resourceUsage().maxRSS;
      const chunk = readRange(store, image.layers.at(-1), '/z.txt', 0, 4096);
      console.log(JSON.stringify({text: chunk.bytes.toString(), grew: process.resourceUsage().maxRSS - before}));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script]).toString('utf8')) as {text: string; grew: number};
    expect(out.text).toBe('behind the zeros\n');
    // ~25 MiB whatever the depth (zlib, the read buffer, garbage not yet collected); 250 MiB when a step inflated 1 MiB at once
    expect(out.grew, 'KiB the read added to the peak resident size').toBeLessThan(64 << 10);
  });

  it.skipIf(noZstd)(titled('a truncated zstd layer is named; what it held before the cut is still shown', noZstd), async () => {
    const dir = tempDir('layerscope-zstd-cut-');
    cpSync(at('layout-zstd'), dir, {recursive: true});
    const layer = json<{layers: {digest: string}[]}>('skopeo-zstd.raw.json').layers[1]!.digest;
    const file = join(dir, 'blobs', 'sha256', layer.slice(7));
    writeFileSync(file, readFileSync(file).subarray(0, 1000));
    const store = await ArchiveStore.open(dir);
    expect(store.problemList.map((p) => `${p.item}: ${p.message}`)).toContain(
      `${dir}:blobs/sha256/${layer.slice(7)}: zstd: the data ends inside a frame (truncated) (a layer of fmt/app:1)`,
    );
    const r = cli(['history', dir]);
    expect(r.stderr).toContain(`${layer.slice(7)}: zstd: the data ends inside a frame`);
  });

  it.skipIf(noZstd)(titled('a zstd frame whose window passes the 128 MiB limit (zstd --long=31) is refused, named: memory stays bounded', noZstd), async () => {
    const dir = tempDir('layerscope-zstd-long-');
    cpSync(at('layout-zstd'), dir, {recursive: true});
    const layer = json<{layers: {digest: string}[]}>('skopeo-zstd.raw.json').layers[1]!.digest;
    const file = join(dir, 'blobs', 'sha256', layer.slice(7));
    writeFileSync(file, execFileSync('zstd', ['-q', '--long=31', '-c'], {input: execFileSync('zstd', ['-dcq', file])}));
    const store = await ArchiveStore.open(dir);
    expect(store.problemList.map((p) => `${p.item}: ${p.message}`)).toEqual([
      `${dir}:blobs/sha256/${layer.slice(7)}: zstd: Frame requires too much memory for decoding (a window over the 128 MiB limit, as \`zstd --long=28+\` writes) (a layer of fmt/app:1)`,
    ]);
  });

  it('without zstd-napi (an optional addon) each zstd layer is named, saying the package is missing; the history is still shown', () => {
    const file = at('skopeo-zstd.tar');
    const preload = resolve(import.meta.dirname, '../helpers/without-zstd.mjs');
    const r = cli(['history', file], {env: {...process.env, NODE_OPTIONS: `--import ${preload}`}});
    expect(r.code, r.stderr).toBe(3);
    const layers = json<{layers: {digest: string}[]}>('skopeo-zstd.raw.json').layers;
    for (const l of layers) {
      expect(r.stderr).toContain(
        `${file}:blobs/sha256/${l.digest.slice(7)}: zstd: reading zstd-compressed data needs the zstd-napi package, which is not installed`,
      );
    }
    expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)?/); // no stack
    const history = json<{CreatedBy: string}[]>('app.podman-history.json');
    expect(r.stdout.trim().split('\n').length).toBe(history.length + 1);
  });

  // Without zstd-napi every zstd layer is named as damaged whatever its bytes: that form proves nothing then.
  const flipped = noZstd ? ['skopeo-gzip'] : ['skopeo-zstd', 'skopeo-gzip'];
  it(
    `flipped bytes in ${noZstd ? `gzip layers (zstd layers left out: ${noZstd})` : 'zstd and gzip layers'} and in a gzip-compressed archive: no crash or hang, damage named (${flips.summary})`,
    {timeout: 60_000 + flips.seeds.length * 5_000},
    async () => {
      const forms = flipped.map((name) => ({
        name,
        layers: json<{layers: {digest: string}[]}>(`${name}.raw.json`).layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
      }));
      const diffIds = json<{rootfs: {diff_ids: string[]}}>('app.config.json').rootfs.diff_ids;
      const flip = (bytes: Buffer, from: number, random: () => number) => {
        for (let i = 0; i < 1 + Math.floor(random() * 16); i++) bytes[from + Math.floor(random() * (bytes.length - from))]! ^= 1 << Math.floor(random() * 8);
      };
      for (const seed of flips.seeds) {
        const random = seeded(seed);
        for (const form of forms) {
          const dir = tempDir('layerscope-flip-');
          execFileSync('tar', ['-xf', at(`${form.name}.tar`), '-C', dir]);
          const name = form.layers[Math.floor(random() * form.layers.length)]!;
          const bytes = readFileSync(join(dir, name));
          flip(bytes, 8, random);
          writeFileSync(join(dir, name), bytes);
          const store = await ArchiveStore.open(dir);
          // Either the damage is named, or the bytes still decode to the same layer (a flip in padding or a stored block's slack).
          const named = store.problemList.some((p) => p.item.endsWith(name));
          expect(
            named || (store.problemList.length === 0 && [...store.images.values()][0]!.diffIds.join() === diffIds.join()),
            `${form.name}: ${flips.replay(seed)}`,
          ).toBe(true);
        }
        const file = join(tempDir(), 'flipped.tar.gz');
        const bytes = readFileSync(at('podman-docker.tar.gz'));
        flip(bytes, 20, random);
        writeFileSync(file, bytes);
        const r = cli(['history', file]);
        expect(r.code === 0 || r.stderr.includes(file), `archive: ${flips.replay(seed)}: ${r.stderr}`).toBe(true);
      }
    },
  );

  it('an extracted save directory whose layer is a link out of it: not read, named', async () => {
    const dir = extracted();
    const layer = manifestOf(at('podman-docker.tar'))[0]!.Layers[0]!;
    const outside = join(tempDir(), 'layer.tar');
    renameSync(join(dir, layer), outside);
    symlinkSync(outside, join(dir, layer));
    const store = await ArchiveStore.open(dir);
    expect(store.problemList.map((p) => `${p.item}: ${p.message}`).join('\n')).toContain(`${join(dir, layer)}: a symbolic link on the way leads out of ${dir}`);
    expect(store.images.size).toBe(0);
  });

  it('a corrupt gzip-compressed archive is an error naming it', () => {
    const file = join(tempDir(), 'cut.tar.gz');
    writeFileSync(file, readFileSync(at('podman-docker.tar.gz')).subarray(0, 4000));
    const r = cli(['history', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}: a gzip-compressed archive that cannot be decompressed`);
  });
});

describe.skipIf(noZstd)(titled("dive's test image as test-oci-zstd-image.tar (skopeo, zstd layers)", noZstd), () => {
  const zstd = at('test-oci-zstd-image.tar');
  const packed = at('dive-docker.tar.gz');
  /** podman's own docker-archive, unpacked by the system gzip and tar. */
  const podmanArchive = () => {
    const file = join(tempDir(), 'dive-docker.tar');
    writeFileSync(file, execFileSync('gzip', ['-dc', packed], {maxBuffer: 1 << 28}));
    return file;
  };

  it('history like podman history; the id skopeo wrote; ci like the uncompressed archive', () => {
    const want = json<{CreatedBy: string}[]>('dive.podman-history.json');
    const rows = cliJson<{ID: string; CreatedBy: string}[]>(['history', zstd]);
    expect(rows.map((r) => r.CreatedBy)).toEqual(want.map((w) => w.CreatedBy));
    expect(rows[0]!.ID).toBe(configDigest('test-oci-zstd-image.raw.json'));
    const figures = (path: string) => {
      const {Image: _, ID: __, ...rest} = JSON.parse(cli(['ci', path, '--json']).stdout) as Record<string, unknown>;
      return rest;
    };
    expect(figures(zstd)).toEqual(figures(podmanArchive()));
    expect(figures(zstd)).toEqual(figures(packed));
  });

  it.skipIf(process.getuid?.() !== 0)("every layer unpacks like podman's uncompressed layer (root: owners kept)", () => {
    const archive = podmanArchive();
    manifestOf(archive)[0]!.Layers.forEach((name, i) => expectLayerLike(`${zstd}@${i}`, member(archive, name), `layer ${i}`));
  });
});

describe('image indexes and platforms', () => {
  const multi = at('multi-oci.tar');
  const index = json<{manifests: {digest: string; platform: {architecture: string}}[]}>('layout-multi.raw.json');
  /** The arm64 image's layer, decompressed by the system gzip. */
  const armLayer = () => {
    const arm = index.manifests.find((m) => m.platform.architecture === 'arm64')!;
    const manifest = JSON.parse(member(multi, `blobs/sha256/${arm.digest.slice(7)}`).toString('utf8')) as {layers: {digest: string}[]};
    return execFileSync('gzip', ['-dc'], {input: member(multi, `blobs/sha256/${manifest.layers[0]!.digest.slice(7)}`)});
  };

  it('lists every platform and reads the host platform by default', () => {
    expect(cli(['images', multi]).stdout).toMatch(/fmt\/multi +1 +\w{12} .* linux\/amd64 \(also linux\/arm64\/v8\)\n/);
    const [image] = cliJson<{Platform: string; Platforms: {platform: string; present: boolean}[]}[]>(['images', multi]);
    expect(image!.Platform).toBe(formatPlatform(hostPlatform()));
    expect(image!.Platforms.map((p) => [p.platform, p.present])).toEqual([
      ['linux/amd64', true],
      ['linux/arm64/v8', true],
    ]);
  });

  it('--platform reads another platform in every command', () => {
    const arm = ['--platform', 'linux/arm64'];
    const [image] = cliJson<{Platform: string; Layers: number}[]>(['images', multi, ...arm]);
    expect([image!.Platform, image!.Layers]).toEqual(['linux/arm64/v8', 1]);
    const history = cliJson<{CreatedBy: string}[]>(['history', multi, ...arm]);
    expect(history).toHaveLength(1);
    expect(cliJson<{Path: string}[]>(['ls', multi, '/etc', ...arm]).map((e) => e.Path)).toContain('/etc/hostname');
    const out = join(tempDir(), 'hostname');
    expect(cli(['export', multi, '/etc/hostname', '--out', out, ...arm]).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('arm\n');
    expect(cli(['diff', multi, multi, ...arm]).stdout).toBe('');
    expect(cli(['ci', multi, ...arm]).code).toBe(0);
    if (process.getuid?.() === 0) expectLayerLike(`${multi}@0`, armLayer(), 'arm64 layer', arm);
  });

  it('a platform the index does not list is an error that lists the ones it does', () => {
    const r = cli(['history', multi, '--platform', 'linux/s390x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the image index has no linux/s390x image (it lists linux/amd64, linux/arm64/v8)');
    const bad = cli(['history', multi, '--platform', 'linux']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--platform linux: expected os/arch[/variant]');
  });
});

function cliExport(spec: string, extra: string[]): string {
  const out = join(tempDir(), 'layer.tar');
  const r = cli(['export-layer', spec, '--out', out, ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

describe('BuildKit output: an index with an attestation manifest', () => {
  const builds = [
    {name: 'BuildKit OCI export, gzip layers', path: at('bk-oci.tar'), raw: 'bk-oci.raw.json'},
    {name: 'BuildKit OCI export, zstd layers', path: at('bk-zstd.tar'), raw: 'bk-zstd.raw.json', zstd: true},
    {name: 'containerd-store docker save of a BuildKit image', path: at('cd-bk.tar'), raw: 'cd-bk.raw.json'},
  ];
  type Raw = {manifests: {digest: string; annotations?: Record<string, string>}[]};

  for (const b of builds) {
    const skip = b.zstd ? noZstd : undefined;
    it.skipIf(skip)(titled(`${b.name}: one image (the index digest as its id), its attestation readable, never an image`, skip), async () => {
      const raw = json<Raw>(b.raw);
      const attestation = raw.manifests.find((m) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest')!;
      const images = cliJson<{ID: string; IDKind: string; Attestations: {Digest: string; PredicateTypes: string[]}[]}[]>(['images', b.path]);
      expect(images.map((i) => [i.ID, i.IDKind])).toEqual([[rawDigest(b.raw), 'index digest']]);
      expect(images[0]!.Attestations).toEqual([{Digest: attestation.digest, PredicateTypes: ['https://slsa.dev/provenance/v0.2']}]);
      const store = await ArchiveStore.open(b.path);
      expect(store.problemList).toEqual([]);
      // The statement, as the attestation manifest's layer holds it (read here with the system tar).
      const manifest = JSON.parse(member(b.path, `blobs/sha256/${attestation.digest.slice(7)}`).toString('utf8')) as {layers: {digest: string}[]};
      const statement = JSON.parse(member(b.path, `blobs/sha256/${manifest.layers[0]!.digest.slice(7)}`).toString('utf8')) as {predicateType: string};
      const ls = cliJson<{Path: string}[]>(['ls', `${b.path}:${attestation.digest}`]);
      expect(ls.map((e) => e.Path)).toEqual(['/slsa.dev_provenance_v0.2.json']);
      const out = join(tempDir(), 'statement.json');
      expect(cli(['export', `${b.path}:${attestation.digest}`, '/slsa.dev_provenance_v0.2.json', '--out', out]).code).toBe(0);
      expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(statement);
      // The explorer's Layers pane: the image's layers, then the attestation (no layer index).
      const image = [...store.images.values()][0]!;
      const rows = layerRows(store, image);
      expect(rows.at(-1)).toMatchObject({kind: 'attestation', createdBy: 'attestation-manifest: https://slsa.dev/provenance/v0.2'});
      expect(rows.at(-1)!.index).toBeUndefined();
    });
  }

  it.skipIf(noZstd)(titled('the BuildKit image: the same trees through gzip and zstd, history like docker history', noZstd), () => {
    const want = readFileSync(at('cd-bk.docker-history.json'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as {CreatedBy: string});
    for (const b of builds) {
      expect(
        cliJson<{CreatedBy: string}[]>(['history', b.path]).map((r) => r.CreatedBy),
        b.name,
      ).toEqual(want.map((w) => w.CreatedBy));
      expect(cli(['diff', builds[0]!.path, b.path]).stdout, b.name).toBe('');
    }
    const gz = json<{manifests: {digest: string; platform: {architecture: string}}[]}>('bk-oci.raw.json').manifests.find(
      (m) => m.platform.architecture === 'amd64',
    )!;
    const manifest = JSON.parse(member(builds[0]!.path, `blobs/sha256/${gz.digest.slice(7)}`).toString('utf8')) as {layers: {digest: string}[]};
    manifest.layers.forEach((l, i) => {
      const truth = execFileSync('gzip', ['-dc'], {input: member(builds[0]!.path, `blobs/sha256/${l.digest.slice(7)}`)});
      for (const b of builds) expect(sorted(cliExport(`${b.path}@${i}`, [])), `${b.name} layer ${i}`).toEqual(sorted(truth));
    });
  });
});

// fmt/app:1 in every archive kind real tools wrote (fixtures/formats/make.sh), and its truth: podman's
// uncompressed layer tars, unpacked and listed by the system tar and find. Shared by the command
// tests (test/store/formats.test.ts) and the explorer's (test/ui/archive.test.tsx).
import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {readFileSync, rmSync, writeFileSync} from 'node:fs';
import {basename, dirname, join, resolve} from 'node:path';
import {manifestOf, member, tempDir} from './archive-fixtures.js';

export const F = resolve(import.meta.dirname, '../../fixtures/formats');
export const at = (name: string) => join(F, name);
export const json = <T>(name: string) => JSON.parse(readFileSync(at(name), 'utf8')) as T;
export const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** An extracted `docker save` directory, made here with the system tar. */
export function extracted(): string {
  const dir = tempDir('layerscope-extracted-');
  execFileSync('tar', ['-xf', at('podman-docker.tar'), '-C', dir]);
  return dir;
}

/** The podman archive compressed whole by the system zstd (`docker load` takes that too). */
function zstdArchive(): string {
  const file = join(tempDir(), 'podman-docker.tar.zst');
  writeFileSync(file, execFileSync('zstd', ['-q', '-c', at('podman-docker.tar')]));
  return file;
}

export interface Kind {
  name: string;
  path: string;
  /** The name the tool that wrote it gave the image (podman and Docker say `localhost/`). */
  ref: string;
  /** The image id the tool that wrote it shows. */
  id: string;
  idKind: string;
  /** The config's digest: the id `docker load` / `podman load` give the loaded image. */
  config: string;
  /** Its layers or the archive itself are zstd-compressed: reading it needs zstd-napi. */
  zstd?: boolean;
}

export const configDigest = (raw: string) => json<{config: {digest: string}}>(raw).config.digest;
const dockerImages = readFileSync(at('cd.docker-images.json'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as {Repository: string; ID: string});
const dockerId = (repo: string) => dockerImages.find((i) => i.Repository === repo)!.ID;
/** `skopeo inspect --raw` prints the document's bytes: their digest is the document's. */
export const rawDigest = (raw: string) => sha(readFileSync(at(raw)));

/** fmt/app:1 in every form: podman's uncompressed layers are the truth for all of them. */
export function appKinds(): Kind[] {
  const podman = configDigest('podman-docker.raw.json');
  const byConfig = (config: string) => ({id: config, idKind: 'config digest', config});
  const amd64 = json<{manifests: {digest: string; platform: {architecture: string}}[]}>('layout-multi.raw.json').manifests.find(
    (m) => m.platform.architecture === 'amd64',
  )!;
  const multiConfig = (JSON.parse(member(at('multi-oci.tar'), `blobs/sha256/${amd64.digest.slice(7)}`).toString('utf8')) as {config: {digest: string}}).config
    .digest;
  const [podmanRef, skopeoRef] = ['localhost/fmt/app:1', 'fmt/app:1'];
  return [
    {name: 'podman docker-archive', path: at('podman-docker.tar'), ref: podmanRef, ...byConfig(podman)},
    {name: 'gzip-compressed docker-archive', path: at('podman-docker.tar.gz'), ref: podmanRef, ...byConfig(podman)},
    {name: 'zstd-compressed docker-archive', path: zstdArchive(), ref: podmanRef, ...byConfig(podman), zstd: true},
    {name: 'extracted docker save directory', path: extracted(), ref: podmanRef, ...byConfig(podman)},
    {name: 'podman oci-archive', path: at('podman-oci.tar'), ref: podmanRef, ...byConfig(configDigest('podman-oci.raw.json'))},
    {name: 'skopeo oci-archive, gzip layers', path: at('skopeo-gzip.tar'), ref: skopeoRef, ...byConfig(configDigest('skopeo-gzip.raw.json'))},
    {name: 'skopeo oci-archive, zstd layers', path: at('skopeo-zstd.tar'), ref: skopeoRef, ...byConfig(configDigest('skopeo-zstd.raw.json')), zstd: true},
    {
      name: 'skopeo oci-archive, zstd:chunked layers',
      path: at('skopeo-zstd-chunked.tar'),
      ref: skopeoRef,
      ...byConfig(configDigest('skopeo-zstd-chunked.raw.json')),
      zstd: true,
    },
    {name: 'OCI layout directory, zstd layers', path: at('layout-zstd'), ref: skopeoRef, ...byConfig(configDigest('skopeo-zstd.raw.json')), zstd: true},
    {
      name: 'containerd-store docker save',
      path: at('cd-save.tar'),
      ref: podmanRef,
      id: dockerId('localhost/fmt/app'),
      idKind: 'manifest digest',
      config: configDigest('cd-save.raw.json'),
    },
    {
      name: 'multi-platform index (host platform)',
      path: at('multi-oci.tar'),
      ref: 'fmt/multi:1',
      id: rawDigest('layout-multi.raw.json'),
      idKind: 'index digest',
      config: multiConfig,
    },
  ];
}

/** podman's uncompressed layer tars, bottom first. */
export const truthLayers = manifestOf(at('podman-docker.tar'))[0]!.Layers.map((name) => member(at('podman-docker.tar'), name));

/** The paths a layer tar holds (`/a/b`), as the system tar lists them, `.wh.` names included. */
export function layerPaths(index: number): string[] {
  return execFileSync('tar', ['-tf', '-'], {input: truthLayers[index]})
    .toString('utf8')
    .split('\n')
    .map((name) => `/${name.replace(/^\.\//, '').replace(/\/$/, '')}`)
    .filter((path) => path !== '/');
}

export interface TreeEntry {
  type: 'file' | 'dir' | 'symlink';
  /** Octal permission bits (find's %m) and the `ls -l` form (find's %M). */
  mode: string;
  perms: string;
  owner: string;
  /** lstat's size (a directory's is the file system's, not used). */
  size: number;
  path: string;
  target?: string;
  /** The last layer whose tar holds the path. */
  layer: number;
}

/**
 * The tree up to layer `top` as the system tar leaves it: podman's layer tars unpacked in order,
 * each `.wh.NAME` then removing NAME (the image has no opaque directories), listed by find (as
 * root: owners kept).
 */
export function mergedTree(top: number): TreeEntry[] {
  const dir = tempDir('layerscope-merged-');
  const layerOf = new Map<string, number>();
  truthLayers.slice(0, top + 1).forEach((tar, i) => {
    execFileSync('tar', ['--numeric-owner', '-xpf', '-', '-C', dir], {input: tar});
    for (const path of layerPaths(i)) layerOf.set(path, i);
    for (const wh of execFileSync('find', [dir, '-name', '.wh.*']).toString('utf8').split('\n').filter(Boolean)) {
      rmSync(join(dirname(wh), basename(wh).slice(4)), {recursive: true, force: true});
      rmSync(wh);
    }
  });
  const TYPES = {f: 'file', d: 'dir', l: 'symlink'} as const;
  return execFileSync('find', [dir, '-mindepth', '1', '-printf', '%y %m %M %U:%G %s %P %l\\n'])
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [type = '', mode = '', perms = '', owner = '', size = '', path = '', target = ''] = l.split(' ');
      return {
        type: TYPES[type as keyof typeof TYPES],
        mode,
        perms,
        owner,
        size: Number(size),
        path: `/${path}`,
        ...(target ? {target} : {}),
        layer: layerOf.get(`/${path}`)!,
      };
    });
}

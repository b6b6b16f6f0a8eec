// Hand-written Docker roots for attack tests: the smallest layout dockerd writes (layerdb,
// imagedb, repositories.json, driver directories, a container, a volume), so that one file can
// then be made hostile. Plus a canary directory outside the root that nothing may read.
import {execFileSync} from 'node:child_process';
import {createHash, randomBytes} from 'node:crypto';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

export interface CraftedRoot {
  base: string;
  root: string;
  /** Outside the root: files here must never be listed, read or exported. */
  canary: string;
  canaryText: string;
  driver: 'overlay2' | 'vfs';
  chainId: string;
  cacheId: string;
  imageId: string;
  containerId: string;
  mountId: string;
  /** The directory holding the layer's files. */
  layerDir: string;
  layerdb: string;
  volume: string;
  cleanup: () => void;
}

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const hex = () => randomBytes(32).toString('hex');

/** A root with image `crafted:1` (one layer: /hello, /etc/os), container `c1` and volume `vol1`. */
export interface CraftOptions {
  /** Extra tags of the image (besides crafted:1). */
  tags?: string[];
  createdBy?: string;
  labels?: Record<string, string>;
  containerName?: string;
}

export function craftRoot(
  driver: 'overlay2' | 'vfs' = 'overlay2',
  files: Record<string, string | Buffer> = {hello: 'hi\n', 'etc/os': 'crafted\n'},
  opts: CraftOptions = {},
): CraftedRoot {
  const base = mkdtempSync(join(tmpdir(), 'ls-crafted-'));
  const root = join(base, 'root');
  const canary = join(base, 'outside');
  const canaryText = `CANARY-${randomBytes(6).toString('hex')}`;
  mkdirSync(canary, {recursive: true});
  writeFileSync(join(canary, 'canary-secret'), `${canaryText}\n`);
  const diffId = `sha256:${sha('crafted layer')}`;
  const chainId = diffId;
  const cacheId = hex();
  const layerDir = driver === 'vfs' ? join(root, 'vfs', 'dir', cacheId) : join(root, 'overlay2', cacheId, 'diff');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(layerDir, path, '..'), {recursive: true});
    writeFileSync(join(layerDir, path), text);
  }
  const img = join(root, 'image', driver);
  const layerdb = join(img, 'layerdb', 'sha256', chainId.slice(7));
  mkdirSync(layerdb, {recursive: true});
  writeFileSync(join(layerdb, 'cache-id'), cacheId);
  writeFileSync(join(layerdb, 'diff'), diffId);
  writeFileSync(join(layerdb, 'size'), String(Object.values(files).reduce((n, t) => n + t.length, 0)));
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created: '2026-01-01T00:00:00Z',
    config: {Cmd: ['sh'], Labels: opts.labels ?? null},
    rootfs: {type: 'layers', diff_ids: [diffId]},
    history: [{created: '2026-01-01T00:00:00Z', created_by: opts.createdBy ?? '/bin/sh -c #(nop) ADD file:crafted in / '}],
  });
  const imageId = `sha256:${sha(config)}`;
  mkdirSync(join(img, 'imagedb', 'content', 'sha256'), {recursive: true});
  writeFileSync(join(img, 'imagedb', 'content', 'sha256', imageId.slice(7)), config);
  writeFileSync(
    join(img, 'repositories.json'),
    JSON.stringify({Repositories: {crafted: Object.fromEntries(['crafted:1', ...(opts.tags ?? [])].map((t) => [t, imageId]))}}),
  );
  // container c1: an init layer and a writable layer with one new file
  const containerId = hex();
  const mountId = hex();
  const mounts = join(img, 'layerdb', 'mounts', containerId);
  mkdirSync(mounts, {recursive: true});
  writeFileSync(join(mounts, 'mount-id'), mountId);
  writeFileSync(join(mounts, 'init-id'), `${mountId}-init`);
  writeFileSync(join(mounts, 'parent'), chainId);
  for (const id of [mountId, `${mountId}-init`]) {
    mkdirSync(driver === 'vfs' ? join(root, 'vfs', 'dir', id) : join(root, 'overlay2', id, 'diff'), {recursive: true});
  }
  // vfs layers are full copies (times kept, as the vfs driver copies them)
  if (driver === 'vfs') for (const id of [mountId, `${mountId}-init`]) execFileSync('cp', ['-a', `${layerDir}/.`, join(root, 'vfs', 'dir', id)]);
  const rw = driver === 'vfs' ? join(root, 'vfs', 'dir', mountId) : join(root, 'overlay2', mountId, 'diff');
  writeFileSync(join(rw, 'new-file'), 'new\n');
  const cdir = join(root, 'containers', containerId);
  mkdirSync(cdir, {recursive: true});
  writeFileSync(
    join(cdir, 'config.v2.json'),
    JSON.stringify({
      ID: containerId,
      Name: `/${opts.containerName ?? 'c1'}`,
      Image: imageId,
      Created: '2026-01-01T00:00:00Z',
      Path: 'sh',
      Args: [],
      State: {Running: false, StartedAt: '0001-01-01T00:00:00Z'},
      Config: {Image: 'crafted:1'},
      MountPoints: {'/data': {Type: 'volume', Name: 'vol1', Driver: 'local', Destination: '/data', RW: true}},
    }),
  );
  writeFileSync(join(cdir, 'hostconfig.json'), '{}');
  const volume = join(root, 'volumes', 'vol1');
  mkdirSync(join(volume, '_data'), {recursive: true});
  writeFileSync(join(volume, '_data', 'v'), 'volume data\n');
  return {
    base,
    root,
    canary,
    canaryText,
    driver,
    chainId,
    cacheId,
    imageId,
    containerId,
    mountId,
    layerDir,
    layerdb,
    volume,
    cleanup: () => rmSync(base, {recursive: true, force: true}),
  };
}

/** An OCI image layout directory `base/layout` with one image, `crafted:1`, of one layer tar. */
export function craftLayout(base: string, tar: Buffer): {dir: string; layerBlob: string} {
  const dir = join(base, 'layout');
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, {recursive: true});
  const put = (data: Buffer | string): string => {
    const hex = sha(data);
    writeFileSync(join(blobs, hex), data);
    return hex;
  };
  const layer = put(tar);
  const config = put(
    JSON.stringify({architecture: 'amd64', os: 'linux', rootfs: {type: 'layers', diff_ids: [`sha256:${layer}`]}, history: [{created_by: 'crafted'}]}),
  );
  const manifest = put(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${config}`, size: 1},
      layers: [{mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layer}`, size: tar.length}],
    }),
  );
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${manifest}`,
          size: 1,
          annotations: {'org.opencontainers.image.ref.name': 'crafted:1'},
        },
      ],
    }),
  );
  return {dir, layerBlob: join(blobs, layer)};
}

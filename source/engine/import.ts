// `layerscope import` (like `docker import`: a root filesystem tar becomes a one-layer image) and
// `layerscope load` (like `docker load`: a `docker save` archive, classic or OCI layout).
import {createReadStream} from 'node:fs';
import * as fsp from 'node:fs/promises';
import {join, resolve, sep} from 'node:path';
import {PassThrough, type Readable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {createGunzip} from 'node:zlib';
import {randomBytes} from 'node:crypto';
import * as tar from 'tar';
import {goTime} from './layout-json.js';
import {createRoot, getLayer, nextChainId, registerLayerFromTar, rootPaths} from './layout.js';
import {DOCKER_VERSION, emptyContainerConfig, serializeImageConfig, storeImageConfig, tagImage, type ImageConfig} from './layout-image.js';

export interface Output {
  write(text: string): unknown;
}

/** Docker's GOARCH name for this machine. */
export function goArch(): string {
  return ({x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64'} as Record<string, string>)[process.arch] ?? process.arch;
}

/** The stream itself, or gunzipped when it starts with the gzip magic (docker import/load accept both). */
async function maybeGunzip(path: string): Promise<Readable> {
  const fh = await fsp.open(path, 'r');
  const {buffer, bytesRead} = await fh.read(Buffer.alloc(2), 0, 2, 0);
  await fh.close();
  const gz = bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  const input = createReadStream(path);
  if (!gz) return input;
  const out = new PassThrough();
  pipeline(input, createGunzip(), out).catch((err: Error) => out.destroy(new Error(`${path}: ${err.message}`)));
  return out;
}

export interface ImportOptions {
  /** engine data root (created if missing) */
  root: string;
  /** root filesystem tar (optionally gzip'd) */
  archive: string;
  /** NAME[:TAG]; untagged when omitted */
  ref?: string;
  /** history comment; Docker's CLI always sends local files as "-" */
  comment?: string;
  out?: Output;
}

/** Like `docker import ROOTFS.tar NAME[:TAG]`: one layer, diff id = sha256 of the tar as given. */
export async function importRootfs(opts: ImportOptions): Promise<{id: string}> {
  await createRoot(opts.root);
  const layer = await registerLayerFromTar(opts.root, undefined, await maybeGunzip(opts.archive));
  const created = goTime();
  const comment = opts.comment ?? 'Imported from -';
  const config: ImageConfig = {
    architecture: goArch(),
    comment,
    config: emptyContainerConfig(),
    container_config: emptyContainerConfig(),
    created,
    docker_version: DOCKER_VERSION,
    history: [{created, comment}],
    os: 'linux',
    rootfs: {type: 'layers', diff_ids: [layer.diffId]},
  };
  const id = await storeImageConfig(opts.root, serializeImageConfig(config), {lastUpdated: true});
  if (opts.ref) await tagImage(opts.root, opts.ref, id);
  opts.out?.write(`${id}\n`);
  return {id};
}

// ---------------------------------------------------------------- load

interface LoadImage {
  configPath: string;
  layerPaths: string[];
  tags: string[];
}

interface DockerManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

interface OciDescriptor {
  mediaType?: string;
  digest: string;
  annotations?: Record<string, string>;
  platform?: {architecture?: string; os?: string};
}

/** Resolve a path inside the extracted archive, refusing names that leave it. */
function inside(dir: string, rel: string): string {
  const p = resolve(dir, rel);
  if (p !== dir && !p.startsWith(dir + sep)) throw new Error(`archive refers to "${rel}", outside the archive`);
  return p;
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await fsp.readFile(path, 'utf8')) as T;
}

const blobPath = (dir: string, digest: string): string => {
  const [alg, hex] = digest.split(':');
  if (!alg || !hex || !/^[a-z0-9]+$/.test(alg) || !/^[0-9a-f]+$/.test(hex)) throw new Error(`bad digest "${digest}" in OCI layout`);
  return join(dir, 'blobs', alg, hex);
};

async function ociImages(dir: string): Promise<LoadImage[]> {
  const out: LoadImage[] = [];
  const visit = async (desc: OciDescriptor, tag?: string): Promise<void> => {
    const doc = await readJson<{manifests?: OciDescriptor[]; config?: OciDescriptor; layers?: OciDescriptor[]}>(blobPath(dir, desc.digest));
    if (doc.manifests) {
      // An image index: take the linux manifest for this machine, else the first one.
      const pick = doc.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === goArch()) ?? doc.manifests[0];
      if (pick) await visit(pick, tag);
      return;
    }
    if (!doc.config || !doc.layers) throw new Error(`OCI manifest ${desc.digest} has no config or layers`);
    out.push({configPath: blobPath(dir, doc.config.digest), layerPaths: doc.layers.map((l) => blobPath(dir, l.digest)), tags: tag ? [tag] : []});
  };
  const index = await readJson<{manifests: OciDescriptor[]}>(join(dir, 'index.json'));
  for (const m of index.manifests) {
    const name = m.annotations?.['io.containerd.image.name'] ?? m.annotations?.['org.opencontainers.image.ref.name'];
    // A bare ref.name ("1") is only a tag; combined with nothing it names no repository.
    await visit(m, name && name.includes(':') ? name.replace(/^docker\.io\/(library\/)?/, '') : undefined);
  }
  return out;
}

async function archiveImages(dir: string): Promise<LoadImage[]> {
  const manifest = join(dir, 'manifest.json');
  if (await fsp.access(manifest).then(() => true, () => false)) {
    const entries = await readJson<DockerManifestEntry[]>(manifest);
    return entries.map((e) => ({configPath: inside(dir, e.Config), layerPaths: e.Layers.map((l) => inside(dir, l)), tags: e.RepoTags ?? []}));
  }
  if (await fsp.access(join(dir, 'index.json')).then(() => true, () => false)) return ociImages(dir);
  throw new Error('not an image archive: neither manifest.json (docker save) nor index.json (OCI layout) found');
}

export interface LoadOptions {
  root: string;
  /** `docker save` output (optionally gzip'd), classic or OCI layout */
  archive: string;
  out?: Output;
}

export interface LoadedImage {
  id: string;
  tags: string[];
}

/**
 * Like `docker load`: config bytes are stored unchanged (so image ids equal Docker's), each layer's
 * diff id is checked against the config, and layers already present are not extracted again.
 */
export async function load(opts: LoadOptions): Promise<LoadedImage[]> {
  await createRoot(opts.root);
  const tmp = join(rootPaths(opts.root).tmp, `load-${randomBytes(8).toString('hex')}`);
  await fsp.mkdir(tmp, {recursive: true, mode: 0o700});
  try {
    await pipeline(await maybeGunzip(opts.archive), tar.x({cwd: tmp, strict: true}));
    const loaded: LoadedImage[] = [];
    for (const img of await archiveImages(tmp)) {
      const bytes = await fsp.readFile(img.configPath);
      const config = JSON.parse(bytes.toString('utf8')) as ImageConfig;
      const diffIds = config.rootfs?.diff_ids ?? [];
      if (diffIds.length !== img.layerPaths.length) {
        throw new Error(`image config lists ${diffIds.length} layers but the archive has ${img.layerPaths.length}`);
      }
      let chain: string | undefined;
      for (const [i, diffId] of diffIds.entries()) {
        const next = nextChainId(chain, diffId);
        if (!(await getLayer(opts.root, next))) {
          await registerLayerFromTar(opts.root, chain, await maybeGunzip(img.layerPaths[i]!), diffId);
        }
        chain = next;
      }
      const id = await storeImageConfig(opts.root, bytes, {lastUpdated: true});
      for (const t of img.tags) {
        await tagImage(opts.root, t, id);
        opts.out?.write(`Loaded image: ${t}\n`);
      }
      if (img.tags.length === 0) opts.out?.write(`Loaded image ID: ${id}\n`);
      loaded.push({id, tags: img.tags});
    }
    return loaded;
  } finally {
    await fsp.rm(tmp, {recursive: true, force: true});
  }
}

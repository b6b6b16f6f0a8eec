// `layerscope import` (like `docker import`: a root filesystem tar becomes a one-layer image) and
// `layerscope load` (like `docker load`: a `docker save` archive, classic or OCI layout, as a tar or a directory).
import {createReadStream} from 'node:fs';
import * as fsp from 'node:fs/promises';
import {join, resolve, sep} from 'node:path';
import {PassThrough, Readable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import * as tar from 'tar';
import {goTime} from './layout-json.js';
import {nextChainId} from '../docker/chain-id.js';
import {goArch, pickManifest} from '../docker/platform.js';
import {annotatedReference} from '../docker/reference.js';
import {blobPath as ociBlobPath, type ClassicManifestEntry, type Descriptor, type Index, type Manifest} from '../docker/oci.js';
import {inside as confined} from '../store/confine.js';
import {compressionOf, decompressor} from '../store/decompress.js';
import {EngineRoot} from './engine-root.js';
import {getLayer, registerLayerFromTar} from './layout.js';
import {DOCKER_VERSION, emptyContainerConfig, serializeImageConfig, storeImageConfig, tagImage, type ImageConfig} from './layout-image.js';

export interface Output {
  write(text: string): unknown;
}

/**
 * The file's bytes, or decompressed when they start with the gzip or zstd magic (docker import/load
 * accept both). The magic is taken from the stream itself, so a pipe (`import <(zcat x.tar.gz)`, a
 * FIFO) works as a file does: it cannot be read twice.
 */
export async function maybeDecompress(path: string): Promise<Readable> {
  const chunks = createReadStream(path)[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head = Buffer.alloc(0);
  let ended = false;
  while (head.length < 4 && !ended) {
    const r = await chunks.next();
    if (r.done) ended = true;
    else head = Buffer.concat([head, r.value]);
  }
  async function* bytes(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) yield head;
      for (let r = ended ? undefined : await chunks.next(); r && !r.done; r = await chunks.next()) yield r.value;
    } finally {
      await chunks.return?.();
    }
  }
  const input = Readable.from(bytes(), {objectMode: false});
  const kind = compressionOf(head);
  if (kind === 'none') return input;
  const out = new PassThrough();
  pipeline(input, decompressor(kind), out).catch((err: Error) => out.destroy(new Error(`${path}: ${err.message}`)));
  return out;
}

export interface ImportOptions {
  /** engine data root (created if missing) */
  root: string;
  /** root filesystem tar (optionally gzip or zstd compressed) */
  archive: string;
  /** NAME[:TAG]; untagged when omitted */
  ref?: string;
  /** history comment; Docker's CLI always sends local files as "-" */
  comment?: string;
  out?: Output;
}

/** Like `docker import ROOTFS.tar NAME[:TAG]`: one layer, diff id = sha256 of the tar as given. */
export async function importRootfs(opts: ImportOptions): Promise<{id: string}> {
  const engine = await EngineRoot.open(opts.root, {create: true});
  return engine.transaction(async (txn) => {
    const layer = await registerLayerFromTar(txn, undefined, await maybeDecompress(opts.archive));
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
    const id = await storeImageConfig(txn, serializeImageConfig(config), {lastUpdated: true});
    if (opts.ref) await tagImage(engine.root, opts.ref, id);
    opts.out?.write(`${id}\n`);
    return {id};
  });
}

// ---------------------------------------------------------------- load

interface LoadImage {
  configPath: string;
  layerPaths: string[];
  tags: string[];
}

/** Resolve a path inside the archive's directory, refusing names (and symlinks on the way) that leave it. */
function inside(dir: string, rel: string): string {
  const p = resolve(dir, rel);
  if (p !== dir && !p.startsWith(dir + sep)) throw new Error(`archive refers to "${rel}", outside the archive`);
  return confined(dir, p);
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await fsp.readFile(path, 'utf8')) as T;
}

/** A blob of the extracted OCI layout; a digest that is not a plain sha256 is refused. */
function blobPath(dir: string, digest: string | undefined): string {
  const rel = ociBlobPath(digest);
  if (!rel) throw new Error(`bad digest "${digest}" in OCI layout`);
  return confined(dir, join(dir, rel));
}

async function ociImages(dir: string): Promise<LoadImage[]> {
  const out: LoadImage[] = [];
  const visit = async (desc: Descriptor, tag?: string): Promise<void> => {
    const doc = await readJson<Index & Manifest>(blobPath(dir, desc.digest));
    if (doc.manifests) {
      // An image index: take the manifest for this machine.
      const pick = pickManifest(doc.manifests);
      if (pick) await visit(pick, tag);
      return;
    }
    if (!doc.config || !doc.layers) throw new Error(`OCI manifest ${desc.digest} has no config or layers`);
    out.push({configPath: blobPath(dir, doc.config.digest), layerPaths: doc.layers.map((l) => blobPath(dir, l.digest)), tags: tag ? [tag] : []});
  };
  const index = await readJson<Index>(join(dir, 'index.json'));
  for (const m of index.manifests ?? []) await visit(m, annotatedReference(m.annotations));
  return out;
}

async function archiveImages(dir: string): Promise<LoadImage[]> {
  const manifest = join(dir, 'manifest.json');
  if (
    await fsp.access(manifest).then(
      () => true,
      () => false,
    )
  ) {
    const entries = await readJson<ClassicManifestEntry[]>(manifest);
    return entries.map((e, i) => {
      if (!e.Config || !e.Layers) throw new Error(`manifest.json entry ${i} has no Config or Layers`);
      return {configPath: inside(dir, e.Config), layerPaths: e.Layers.map((l) => inside(dir, l)), tags: e.RepoTags ?? []};
    });
  }
  if (
    await fsp.access(join(dir, 'index.json')).then(
      () => true,
      () => false,
    )
  )
    return ociImages(dir);
  throw new Error('not an image archive: neither manifest.json (docker save) nor index.json (OCI layout) found');
}

export interface LoadOptions {
  root: string;
  /** `docker save` output (optionally gzip or zstd compressed, or extracted), classic or OCI layout; layers plain, gzip or zstd */
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
  const engine = await EngineRoot.open(opts.root, {create: true});
  const root = engine.root;
  // One transaction for the whole archive: a failed or killed load leaves neither layers nor its extraction.
  return engine.transaction(async (txn) => {
    // A directory (an OCI layout, an extracted `docker save`) is read where it is, as podman loads an OCI layout.
    let dir = resolve(opts.archive);
    if (!(await fsp.stat(dir)).isDirectory()) {
      dir = await txn.scratch('load');
      await pipeline(await maybeDecompress(opts.archive), tar.x({cwd: dir, strict: true}));
    }
    const loaded: LoadedImage[] = [];
    for (const img of await archiveImages(dir)) {
      const bytes = await fsp.readFile(img.configPath);
      const config = JSON.parse(bytes.toString('utf8')) as ImageConfig;
      const diffIds = config.rootfs?.diff_ids ?? [];
      if (diffIds.length !== img.layerPaths.length) {
        throw new Error(`image config lists ${diffIds.length} layers but the archive has ${img.layerPaths.length}`);
      }
      let chain: string | undefined;
      for (const [i, diffId] of diffIds.entries()) {
        const next = nextChainId(chain, diffId);
        if (!(await getLayer(root, next))) {
          await registerLayerFromTar(txn, chain, await maybeDecompress(img.layerPaths[i]!), diffId);
        }
        chain = next;
      }
      const id = await storeImageConfig(txn, bytes, {lastUpdated: true});
      loaded.push({id, tags: img.tags});
    }
    // Tags last: until then nothing names what the transaction may still take back.
    for (const {id, tags} of loaded) {
      for (const t of tags) {
        await tagImage(root, t, id);
        opts.out?.write(`Loaded image: ${t}\n`);
      }
      if (tags.length === 0) opts.out?.write(`Loaded image ID: ${id}\n`);
    }
    return loaded;
  });
}

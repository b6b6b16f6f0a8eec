// The engine's data root, in exactly the layout Docker 20.10's overlay2 driver writes, so the read-only
// store reader (and a real dockerd) can open it with no special case:
//   image/overlay2/layerdb/sha256/<chainID>/{diff,size,cache-id,parent,tar-split.json.gz}
//   overlay2/<cache-id>/{diff/,link,lower,work/,committed}   overlay2/l/<26 chars> -> ../<cache-id>/diff
//   image/overlay2/layerdb/mounts/<container>/{mount-id,init-id,parent} + overlay2/<id>-init
// Image configs, tags and listing live in layout-image.ts.
import {randomBytes} from 'node:crypto';
import {existsSync} from 'node:fs';
import * as fsp from 'node:fs/promises';
import {join, relative} from 'node:path';
import type {Readable} from 'node:stream';
import {nextChainId} from '../docker/chain-id.js';
import {hexOf as hex} from '../docker/digest.js';
import {applyLayerTar, writeLayerTar} from './layer-tar.js';
import {tarSplitWriter} from './layout-tarsplit.js';
import {directorySize} from '../store/du.js';
import {Problems} from '../store/problems.js';
import type {Txn} from './engine-root.js';

export const MARKER_FILE = 'layerscope-root.json';
export const TOOL_VERSION = '0.1.0';

export interface RootMarker {
  tool: 'layerscope';
  version: string;
  created: string;
}

/** Well-known paths inside a data root. */
export function rootPaths(root: string) {
  const image = join(root, 'image', 'overlay2');
  return {
    root,
    marker: join(root, MARKER_FILE),
    image,
    repositories: join(image, 'repositories.json'),
    imageContent: join(image, 'imagedb', 'content', 'sha256'),
    imageMetadata: join(image, 'imagedb', 'metadata', 'sha256'),
    layerdb: join(image, 'layerdb', 'sha256'),
    mounts: join(image, 'layerdb', 'mounts'),
    overlay: join(root, 'overlay2'),
    links: join(root, 'overlay2', 'l'),
    tmp: join(root, 'tmp'),
  };
}

/**
 * Create an engine root (or accept one this engine created before). Refuses a non-empty directory without
 * our marker: that is somebody else's data, possibly a live /var/lib/docker.
 */
export async function createRoot(root: string): Promise<void> {
  const p = rootPaths(root);
  if (existsSync(root)) {
    if (existsSync(p.marker)) {
      await assertEngineRoot(root);
      return;
    }
    if ((await fsp.readdir(root)).length > 0) {
      throw new Error(`${root} is not empty and was not created by layerscope (no ${MARKER_FILE}); refusing to write into it`);
    }
  }
  await fsp.mkdir(root, {recursive: true, mode: 0o710});
  for (const dir of [p.imageContent, p.imageMetadata, p.layerdb, p.mounts, p.tmp]) {
    await fsp.mkdir(dir, {recursive: true, mode: 0o700});
  }
  await fsp.mkdir(p.overlay, {recursive: true, mode: 0o710});
  await fsp.mkdir(p.links, {recursive: true, mode: 0o700});
  await fsp.mkdir(join(p.image, 'distribution'), {recursive: true, mode: 0o700});
  if (!existsSync(p.repositories)) await writeFileAtomic(p.repositories, '{"Repositories":{}}', 0o600);
  const marker: RootMarker = {tool: 'layerscope', version: TOOL_VERSION, created: new Date().toISOString()};
  await writeFileAtomic(p.marker, JSON.stringify(marker, null, 2) + '\n', 0o644);
}

/** Throw unless `root` carries the marker of an engine root: we only ever write into our own roots. */
export async function assertEngineRoot(root: string): Promise<RootMarker> {
  const text = await fsp.readFile(rootPaths(root).marker, 'utf8').catch(() => {
    throw new Error(`${root} was not created by layerscope (no ${MARKER_FILE}); refusing to write into it`);
  });
  const marker = JSON.parse(text) as RootMarker;
  if (marker.tool !== 'layerscope') throw new Error(`${root}/${MARKER_FILE} does not name layerscope`);
  return marker;
}

/** Write via a temp file + rename so readers never see half a file. */
export async function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await fsp.writeFile(tmp, data, {mode});
  await fsp.rename(tmp, path);
}

// ---------------------------------------------------------------- layers

export interface LayerInfo {
  chainId: string;
  diffId: string;
  parent?: string;
  cacheId: string;
  size: number;
  diffDir: string;
}

export async function getLayer(root: string, chainId: string): Promise<LayerInfo | undefined> {
  const dir = join(rootPaths(root).layerdb, hex(chainId));
  const read = (f: string): Promise<string | undefined> =>
    fsp.readFile(join(dir, f), 'utf8').then(
      (s) => s.trim(),
      () => undefined,
    );
  const [diffId, cacheId, size, parent] = await Promise.all([read('diff'), read('cache-id'), read('size'), read('parent')]);
  if (!diffId || !cacheId) return undefined;
  return {chainId, diffId, cacheId, parent, size: Number(size ?? 0), diffDir: join(rootPaths(root).overlay, cacheId, 'diff')};
}

/** The diff dirs of a chain, top-most first (the order of overlayfs lowerdir=). */
export async function chainDiffDirs(root: string, chainId: string | undefined): Promise<string[]> {
  const dirs: string[] = [];
  for (let c = chainId; c;) {
    const layer = await getLayer(root, c);
    if (!layer) throw new Error(`layer ${c} is missing from ${root}`);
    dirs.push(layer.diffDir);
    c = layer.parent;
  }
  return dirs;
}

async function linkOf(root: string, cacheId: string): Promise<string> {
  return (await fsp.readFile(join(rootPaths(root).overlay, cacheId, 'link'), 'utf8')).trim();
}

/** overlay2's `lower` file content for a dir on top of `parentCacheId`: l/X:l/Y, top-most first. */
async function lowerFor(root: string, parentCacheId: string): Promise<string> {
  const parentLink = `l/${await linkOf(root, parentCacheId)}`;
  const parentLower = await fsp.readFile(join(rootPaths(root).overlay, parentCacheId, 'lower'), 'utf8').then(
    (s) => s.trim(),
    () => '',
  );
  return parentLower ? `${parentLink}:${parentLower}` : parentLink;
}

export interface LayerDir {
  id: string;
  dir: string;
  diffDir: string;
  workDir: string;
  /** lower diff dirs, top-most first */
  lowerDirs: string[];
}

/**
 * Create overlay2/<id> the way the overlay2 driver's Create does (random id unless given), journalled in
 * `txn` first so that a kill at any point leaves nothing the next command does not remove.
 */
export async function createLayerDir(txn: Txn, parentCacheId?: string, id = randomBytes(32).toString('hex')): Promise<LayerDir> {
  const root = txn.root;
  const p = rootPaths(root);
  const dir = join(p.overlay, id);
  const link = randomBase32Id();
  const lower = parentCacheId ? await lowerFor(root, parentCacheId) : undefined;
  await txn.note({kind: 'layer', id, link});
  await fsp.mkdir(dir, {mode: 0o710});
  await fsp.mkdir(join(dir, 'diff'), {mode: 0o755});
  await fsp.symlink(`../${id}/diff`, join(p.links, link));
  await fsp.writeFile(join(dir, 'link'), link, {mode: 0o644});
  let lowerDirs: string[] = [];
  if (lower) {
    await fsp.writeFile(join(dir, 'lower'), lower, {mode: 0o644});
    await fsp.mkdir(join(dir, 'work'), {mode: 0o700});
    lowerDirs = lower.split(':').map((l) => join(p.overlay, l));
  }
  return {id, dir, diffDir: join(dir, 'diff'), workDir: join(dir, 'work'), lowerDirs};
}

/** Remove an uncommitted overlay2/<id> and its l/ symlink (a step that changed nothing). */
export async function removeLayerDir(root: string, id: string): Promise<void> {
  const p = rootPaths(root);
  const link = await linkOf(root, id).catch(() => undefined);
  if (link) await fsp.rm(join(p.links, link), {force: true});
  await fsp.rm(join(p.overlay, id), {recursive: true, force: true});
}

function randomBase32Id(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = randomBytes(26);
  return Array.from(bytes, (b) => alphabet[b & 31]).join('');
}

/** What Docker records as a layer's size: lstat sizes of non-directories, each inode once. */
export function diffSize(dir: string): number {
  // The reader's measure (store/du.ts), so the engine records exactly what the reader compares with.
  const problems = new Problems();
  const size = directorySize(dir, problems);
  const first = problems.list[0];
  if (first) throw new Error(`${first.item}: ${first.message}`);
  return size;
}

async function cacheIdOfChain(root: string, chainId: string | undefined): Promise<string | undefined> {
  if (!chainId) return undefined;
  const layer = await getLayer(root, chainId);
  if (!layer) throw new Error(`parent layer ${chainId} is missing from ${root}`);
  return layer.cacheId;
}

/**
 * Record a filled layer dir in layerdb under its chain id: the layer is registered only once it is whole
 * (its layerdb entry appears by one rename), and `txn` removes it again if the transaction is cancelled.
 * If that chain already exists (same parent, same content), the new dir is dropped and the existing layer
 * returned, as Docker's layer store does.
 */
async function commitLayer(txn: Txn, layer: LayerDir, parentChainId: string | undefined, diffId: string, tarSplitTmp: string): Promise<LayerInfo> {
  const root = txn.root;
  const p = rootPaths(root);
  const chainId = nextChainId(parentChainId, diffId);
  const existing = await getLayer(root, chainId);
  if (existing) {
    await removeLayerDir(root, layer.id);
    return existing;
  }
  await fsp.writeFile(join(layer.dir, 'committed'), '', {mode: 0o600});
  const size = diffSize(layer.diffDir);
  const tmp = await txn.scratch('layerdb');
  await fsp.writeFile(join(tmp, 'diff'), diffId);
  await fsp.writeFile(join(tmp, 'size'), String(size));
  await fsp.writeFile(join(tmp, 'cache-id'), layer.id);
  if (parentChainId) await fsp.writeFile(join(tmp, 'parent'), parentChainId);
  await fsp.rename(tarSplitTmp, join(tmp, 'tar-split.json.gz'));
  await txn.note({kind: 'chain', chain: chainId, cacheId: layer.id});
  await fsp.rename(tmp, join(p.layerdb, hex(chainId)));
  return {chainId, diffId, parent: parentChainId, cacheId: layer.id, size, diffDir: layer.diffDir};
}

/** Register a layer from a tar stream (import/load/commit): extract, hash, keep tar-split. */
export async function registerLayerFromTar(txn: Txn, parentChainId: string | undefined, input: Readable, expectDiffId?: string): Promise<LayerInfo> {
  const layer = await createLayerDir(txn, await cacheIdOfChain(txn.root, parentChainId));
  const splitPath = join(await txn.scratch('split'), 'tar-split.json.gz');
  const split = tarSplitWriter(splitPath);
  try {
    const {diffId, padded} = await applyLayerTar(input, layer.diffDir, {split});
    // A tar cut short of its last record (zstd:chunked) whose padded form is the configured one:
    // the same files; kept padded, so `save` writes the tar the config names (podman loads these too).
    const pad = expectDiffId && diffId !== expectDiffId && padded?.diffId === expectDiffId;
    if (pad) split.segment(Buffer.alloc(padded.zeros));
    await split.close();
    if (expectDiffId && diffId !== expectDiffId && !pad) throw new Error(`layer content has diff id ${diffId}, but the image config expects ${expectDiffId}`);
    return await commitLayer(txn, layer, parentChainId, pad ? expectDiffId : diffId, splitPath);
  } catch (err) {
    await split.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Register a layer whose diff dir is already filled (build steps): the diff id is the sha256 of our
 * deterministic tar of that dir, and the tar-split recorded on the way lets `save` re-emit it.
 */
export async function registerLayerDir(txn: Txn, parentChainId: string | undefined, layer: LayerDir): Promise<LayerInfo> {
  const splitPath = join(await txn.scratch('split'), 'tar-split.json.gz');
  const split = tarSplitWriter(splitPath);
  try {
    const {diffId} = await writeLayerTar(layer.diffDir, undefined, split);
    await split.close();
    return await commitLayer(txn, layer, parentChainId, diffId, splitPath);
  } catch (err) {
    await split.close().catch(() => undefined);
    throw err;
  }
}

/** A fresh layer dir on top of a chain, for a build step to fill. */
export async function newLayerDir(txn: Txn, parentChainId: string | undefined): Promise<LayerDir> {
  return createLayerDir(txn, await cacheIdOfChain(txn.root, parentChainId));
}

/** Where a layer's tar comes from: its recorded tar-split if there is one, else its diff dir. */
export async function layerTarSource(root: string, chainId: string): Promise<{tarSplit?: string; diffDir: string}> {
  const layer = await getLayer(root, chainId);
  if (!layer) throw new Error(`layer ${chainId} is missing from ${root}`);
  const tarSplit = join(rootPaths(root).layerdb, hex(chainId), 'tar-split.json.gz');
  return {tarSplit: existsSync(tarSplit) ? tarSplit : undefined, diffDir: layer.diffDir};
}

// ---------------------------------------------------------------- containers

/** Files and mount points Docker's init layer holds (daemon/initlayer), all empty. */
const INIT_DIRS = ['dev', 'dev/pts', 'dev/shm', 'proc', 'sys', 'etc'];
const INIT_FILES = ['.dockerenv', 'dev/console', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf'];

export interface ContainerLayers {
  containerId: string;
  mountId: string;
  initId: string;
}

/**
 * Create a container's read-write layer like the daemon: overlay2/<id>-init (the init layer), overlay2/<id>
 * on top of it, and layerdb/mounts/<container>/{mount-id,init-id,parent}.
 */
export async function createContainerLayers(
  txn: Txn,
  imageChainId: string | undefined,
  containerId = randomBytes(32).toString('hex'),
): Promise<ContainerLayers> {
  const root = txn.root;
  const mountId = randomBytes(32).toString('hex');
  const init = await createLayerDir(txn, await cacheIdOfChain(root, imageChainId), `${mountId}-init`);
  for (const d of INIT_DIRS) await fsp.mkdir(join(init.diffDir, d), {recursive: true, mode: 0o755});
  for (const f of INIT_FILES) await fsp.writeFile(join(init.diffDir, f), '', {mode: 0o755});
  await fsp.symlink('/proc/mounts', join(init.diffDir, 'etc/mtab'));
  await fsp.writeFile(join(init.dir, 'committed'), '', {mode: 0o600});
  await createLayerDir(txn, init.id, mountId);
  const dir = join(rootPaths(root).mounts, containerId);
  await txn.note({kind: 'path', rel: relative(root, dir)});
  await fsp.mkdir(dir, {recursive: true, mode: 0o700});
  await fsp.writeFile(join(dir, 'mount-id'), mountId);
  await fsp.writeFile(join(dir, 'init-id'), init.id);
  if (imageChainId) await fsp.writeFile(join(dir, 'parent'), imageChainId);
  return {containerId, mountId, initId: init.id};
}

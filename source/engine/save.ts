// `layerscope save IMAGE... -o FILE`: a classic `docker save` archive (manifest.json, repositories,
// <id>.json, <v1 id>/{VERSION,json,layer.tar}), laid out and named as Docker 20.10 writes it.
// Layer tars are re-created from tar-split metadata, so their diff ids match the image config.
import {createHash} from 'node:crypto';
import {tmpdir} from 'node:os';
import {createReadStream, createWriteStream} from 'node:fs';
import * as fsp from 'node:fs/promises';
import {join} from 'node:path';
import {finished} from 'node:stream/promises';
import {encodeHeader, type TarHeader} from '../tar/encode.js';
import {layerTarChunks} from './layer-tar.js';
import {goJson, sortedKeys} from './layout-json.js';
import {assembleTar} from './layout-tarsplit.js';
import {chainIds} from '../docker/chain-id.js';
import {hexOf as hex, sha256Digest as sha256} from '../docker/digest.js';
import {parseReference} from '../docker/reference.js';
import {EngineRoot, isEngineRoot} from './engine-root.js';
import {realish, within} from './host-path.js';
import {layerTarSource} from './layout.js';
import {goContainerConfig, readImageConfig, readRepositories, resolveImage, type ImageConfig} from './layout-image.js';
import type {Output} from './import.js';

export interface SaveOptions {
  root: string;
  /** image references or ids */
  images: string[];
  /** output archive path */
  output: string;
  out?: Output;
}

interface V1Image {
  id?: string;
  parent?: string;
  comment?: string;
  created: string;
  container?: string;
  container_config?: ImageConfig['container_config'];
  docker_version?: string;
  author?: string;
  config?: ImageConfig['config'];
  architecture?: string;
  variant?: string;
  os?: string;
}

/** image.V1Image in Go field order (container_config is a struct, so never omitted). */
function v1Object(v: V1Image): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (v.id) o.id = v.id;
  if (v.parent) o.parent = v.parent;
  if (v.comment) o.comment = v.comment;
  o.created = v.created;
  if (v.container) o.container = v.container;
  o.container_config = goContainerConfig(v.container_config);
  if (v.docker_version) o.docker_version = v.docker_version;
  if (v.author) o.author = v.author;
  if (v.config) o.config = goContainerConfig(v.config);
  if (v.architecture) o.architecture = v.architecture;
  if (v.variant) o.variant = v.variant;
  if (v.os) o.os = v.os;
  return o;
}

/** Docker's v1.CreateID: digest of the v1 JSON (keys sorted) plus layer_id and parent. */
function v1Id(v: V1Image, chainId: string, parent: string | undefined): string {
  const m: Record<string, unknown> = {...v1Object({...v, id: undefined}), layer_id: chainId};
  if (parent) m.parent = parent;
  return sha256(goJson(sortedKeys(m)));
}

function v1ImageOf(img: ImageConfig): V1Image {
  return {
    comment: img.comment,
    created: img.created,
    container: img.container,
    container_config: img.container_config,
    docker_version: img.docker_version,
    author: img.author,
    config: img.config,
    architecture: img.architecture,
    variant: img.variant as string | undefined,
    os: img.os,
  };
}

const EPOCH = '1970-01-01T00:00:00Z';
const isIdLike = (ref: string): boolean => /^(sha256:)?[0-9a-f]{12,64}$/.test(ref);

interface ArchiveEntry {
  name: string;
  dir?: boolean;
  data?: Buffer;
  file?: string;
  mtime: number;
}

/** Build a layer's tar in a temp file (its size is needed before its bytes) and check its diff id. */
async function materializeLayer(root: string, chainId: string, diffId: string, path: string): Promise<void> {
  const src = await layerTarSource(root, chainId);
  const chunks = src.tarSplit ? assembleTar(src.tarSplit, src.diffDir) : layerTarChunks(src.diffDir);
  const hash = createHash('sha256');
  const out = createWriteStream(path, {mode: 0o600});
  for await (const chunk of chunks) {
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  out.end();
  await finished(out);
  const got = `sha256:${hash.digest('hex')}`;
  if (got !== diffId) throw new Error(`layer ${chainId} no longer matches its diff id (${got} != ${diffId}): its diff dir was modified`);
}

async function writeArchive(entries: ArchiveEntry[], output: string): Promise<void> {
  const out = createWriteStream(output, {mode: 0o644});
  const put = async (buf: Buffer): Promise<void> => {
    if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
  };
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const size = e.data ? e.data.length : e.file ? (await fsp.stat(e.file)).size : 0;
    const h: TarHeader = {
      name: e.dir ? `${e.name}/` : e.name,
      type: e.dir ? 'dir' : 'file',
      mode: e.dir ? 0o755 : 0o644,
      uid: 0,
      gid: 0,
      size,
      mtime: e.mtime,
      linkname: '',
      devmajor: 0,
      devminor: 0,
      xattrs: {},
    };
    await put(encodeHeader(h));
    if (e.data) await put(e.data);
    if (e.file) for await (const chunk of createReadStream(e.file) as AsyncIterable<Buffer>) await put(chunk);
    if (size % 512) await put(Buffer.alloc(512 - (size % 512)));
  }
  await put(Buffer.alloc(1024));
  out.end();
  await finished(out);
}

/** Write the images (with the tags they were named by, or all their tags when named by id). */
export async function save(opts: SaveOptions): Promise<void> {
  if (within(realish(opts.output), realish(opts.root))) throw new Error(`output ${opts.output} lies inside the store ${opts.root}; refusing to write there`);
  // Temp files (layer tars, whose sizes the archive needs before their bytes) go into a transaction of
  // our own root, which the next command sweeps after a kill; never into a root we did not create.
  if (isEngineRoot(opts.root)) {
    const engine = await EngineRoot.open(opts.root);
    return engine.transaction(async (txn) => writeSave(opts, await txn.scratch('save')));
  }
  const tmp = await fsp.mkdtemp(join(tmpdir(), 'layerscope-save-'));
  try {
    await writeSave(opts, tmp);
  } finally {
    await fsp.rm(tmp, {recursive: true, force: true});
  }
}

async function writeSave(opts: SaveOptions, tmp: string): Promise<void> {
  const repos = await readRepositories(opts.root);
  const entries = new Map<string, ArchiveEntry>();
  const manifest: Array<{Config: string; RepoTags: string[] | null; Layers: string[]}> = [];
  const legacyRepos: Record<string, Record<string, string>> = {};
  for (const ref of opts.images) {
    const id = await resolveImage(opts.root, ref);
    const {bytes, config} = await readImageConfig(opts.root, id);
    // Named by id, Docker saves no tag; named by NAME[:TAG], exactly that tag.
    const byName = !isIdLike(ref) && repos[parseReference(ref).name]?.[parseReference(ref).full] === id;
    const tags = byName ? [parseReference(ref).full] : [];
    const created = Math.floor(Date.parse(config.created) / 1000);
    const chains = chainIds(config.rootfs.diff_ids);
    const layers: string[] = [];
    let parent: string | undefined;
    for (const [i, chain] of chains.entries()) {
      const last = i === chains.length - 1;
      const v1: V1Image = last ? v1ImageOf(config) : {created: EPOCH};
      const v1id = v1Id(v1, chain, parent);
      const dir = hex(v1id);
      if (!entries.has(dir)) {
        const layerFile = join(tmp, `${dir}.tar`);
        await materializeLayer(opts.root, chain, config.rootfs.diff_ids[i]!, layerFile);
        const json = goJson(v1Object({...v1, id: dir, parent: parent ? hex(parent) : undefined, os: config.os}));
        entries.set(dir, {name: dir, dir: true, mtime: created});
        entries.set(`${dir}/VERSION`, {name: `${dir}/VERSION`, data: Buffer.from('1.0'), mtime: created});
        entries.set(`${dir}/json`, {name: `${dir}/json`, data: Buffer.from(json), mtime: created});
        entries.set(`${dir}/layer.tar`, {name: `${dir}/layer.tar`, file: layerFile, mtime: created});
      }
      layers.push(`${dir}/layer.tar`);
      parent = v1id;
    }
    const configName = `${hex(id)}.json`;
    entries.set(configName, {name: configName, data: bytes, mtime: created});
    manifest.push({Config: configName, RepoTags: tags.length ? tags : null, Layers: layers});
    for (const t of tags) {
      const colon = t.lastIndexOf(':');
      (legacyRepos[t.slice(0, colon)] ??= {})[t.slice(colon + 1)] = hex(parent!);
    }
    opts.out?.write(`Saved ${tags.join(', ') || id}\n`);
  }
  entries.set('manifest.json', {name: 'manifest.json', data: Buffer.from(goJson(manifest) + '\n'), mtime: 0});
  if (Object.keys(legacyRepos).length) {
    entries.set('repositories', {name: 'repositories', data: Buffer.from(goJson(sortedKeys(legacyRepos)) + '\n'), mtime: 0});
  }
  await writeArchive([...entries.values()], opts.output);
}

// A store read from an image archive: `docker save` output (classic `manifest.json` form or
// OCI layout with `index.json`), or an OCI image layout directory. Read-only and lazy about
// contents: the index says where each file's bytes are; `readFile` reads them by range.
import {existsSync, statSync, createReadStream} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {Readable, pipeline} from 'node:stream';
import {createGunzip} from 'node:zlib';
import {lookup, type LayerNode} from '../tree/entry.js';
import {entryNames} from './archive-layer.js';
import {indexArchive, indexBlobFile, type Blob} from './archive-index.js';
import {imageFromConfig, type RawImage} from './imagedb.js';
import {chainIds} from './layerdb.js';
import type {Container, Image, Layer, Volume} from './model.js';
import {Problems} from './problems.js';
import {LayerStore, shortId} from './store.js';

export type ArchiveFormat = 'docker-archive' | 'oci-archive' | 'oci-layout';

type RawConfig = RawImage;

interface Descriptor {
  mediaType?: string;
  digest?: string;
  annotations?: Record<string, string>;
}

/** An image as an archive's manifest describes it: where its config and layer tars are. */
interface ImageEntry {
  config: string;
  layers: string[];
  tags: string[];
  /** The document that named it, for problems. */
  source: string;
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

export class ArchiveStore extends LayerStore {
  readonly images = new Map<string, Image>();
  readonly layers = new Map<string, Layer>();
  readonly containers: Container[] = [];
  readonly volumes: Volume[] = [];
  private readonly blobOf = new Map<string, Blob>();

  private constructor(readonly root: string, readonly format: ArchiveFormat) {
    super();
  }

  /** Open an archive file or an OCI layout directory; everything is indexed before this returns. */
  static async open(path: string): Promise<ArchiveStore> {
    if (statSync(path).isDirectory()) return ArchiveStore.openDir(path);
    const problems = new Problems();
    const blobs = await indexArchive(path, problems);
    const format = blobs.has('manifest.json') || !blobs.has('index.json') ? 'docker-archive' : 'oci-archive';
    const store = new ArchiveStore(path, format);
    store.problems.list.push(...problems.list);
    const get = async (name: string) => blobs.get(name);
    const entries = format === 'docker-archive' ? classicEntries(blobs.get('manifest.json'), path, store.problems) : await ociEntries(blobs.get('index.json')!, get, store.problems);
    await store.addImages(entries, get);
    return store;
  }

  /** An OCI layout directory (or an extracted `docker save`): blobs are indexed only when named. */
  private static async openDir(dir: string): Promise<ArchiveStore> {
    const hasManifest = existsSync(join(dir, 'manifest.json'));
    if (!hasManifest && !existsSync(join(dir, 'index.json'))) throw new Error(`${dir}: not an OCI image layout (no index.json) and not a docker save directory (no manifest.json)`);
    const store = new ArchiveStore(dir, 'oci-layout');
    const cache = new Map<string, Promise<Blob | undefined>>();
    const get = (name: string): Promise<Blob | undefined> => {
      let blob = cache.get(name);
      if (!blob) {
        const safe = typeof entryNames(name) !== 'string' && existsSync(join(dir, name));
        blob = safe ? indexBlobFile(dir, name, store.problems) : Promise.resolve(undefined);
        cache.set(name, blob);
      }
      return blob;
    };
    const top = hasManifest ? 'manifest.json' : 'index.json';
    const doc: Blob = {name: top, file: join(dir, top), offset: 0, size: 0, digest: '', json: await readFile(join(dir, top))};
    const entries = hasManifest ? classicEntries(doc, dir, store.problems) : await ociEntries(doc, get, store.problems);
    await store.addImages(entries, get);
    return store;
  }

  protected loadTree(layer: Layer): LayerNode {
    return this.layerBlob(layer).layer!.tree;
  }

  protected filePath(): string | undefined {
    return undefined;
  }

  /** The bytes of a regular file of one layer (hard links followed), streamed from the archive. */
  readFile(layerId: string, path: string): Readable {
    const layer = this.layers.get(layerId);
    if (!layer) throw new Error(`no layer ${layerId}`);
    const node = lookup(this.tree(layerId), path);
    if (!node || node.whiteout || node.meta.kind !== 'file') throw new Error(`${path}: not a regular file in layer ${shortId(layerId)}`);
    const blob = this.layerBlob(layer);
    // A hard link's bytes are its target's, an earlier file of the same layer.
    const file = node.meta.target ? lookup(this.tree(layerId), node.meta.target) : node;
    return file?.data !== undefined ? rangeStream(blob, file.data, file.meta.size) : Readable.from([]);
  }

  private layerBlob(layer: Layer): Blob {
    const blob = this.blobOf.get(layer.id);
    if (!blob?.layer) throw new Error(`${layer.dir}: not a layer tar`);
    return blob;
  }

  private async addImages(entries: ImageEntry[], get: (name: string) => Promise<Blob | undefined>): Promise<void> {
    for (const entry of entries) {
      const configBlob = await get(entry.config);
      const item = `${this.root}:${entry.config}`;
      const name = entry.tags[0] ?? entry.config;
      if (!configBlob?.json) {
        this.problems.add(item, `${configBlob ? 'not a JSON document' : 'missing from the archive'} (the image config of ${name}, named by ${entry.source}); image skipped`);
        continue;
      }
      let raw: RawConfig;
      try {
        raw = JSON.parse(configBlob.json.toString('utf8')) as RawConfig;
      } catch (err) {
        this.problems.add(item, `image config is not valid JSON: ${(err as Error).message}; image skipped`);
        continue;
      }
      const blobs: Blob[] = [];
      for (const layerName of entry.layers) {
        const blob = await get(layerName);
        if (!blob) this.problems.add(`${this.root}:${layerName}`, `missing from the archive (a layer of ${name}, named by ${entry.source})`);
        else if (!blob.layer || blob.error) this.problems.add(`${this.root}:${layerName}`, `${blob.error ?? 'not a layer tar'} (a layer of ${name})`);
        if (blob?.layer) blobs.push(blob);
      }
      if (blobs.length !== entry.layers.length) {
        this.problems.add(item, `image ${name} skipped: ${entry.layers.length - blobs.length} of its layers cannot be read`);
        continue;
      }
      this.addImage(configBlob.digest, raw, blobs, entry.tags, item);
    }
    for (const image of this.images.values()) image.dangling = image.tags.length === 0;
  }

  private addImage(id: string, raw: RawConfig, blobs: Blob[], tags: string[], item: string): void {
    const known = this.images.get(id);
    if (known) {
      for (const t of tags) if (!known.tags.includes(t)) known.tags.push(t);
      return;
    }
    const configured = raw.rootfs?.diff_ids ?? [];
    if (configured.length !== blobs.length) this.problems.add(item, `config lists ${configured.length} layers, the manifest ${blobs.length}`);
    blobs.forEach((b, i) => {
      if (configured[i] && configured[i] !== b.layer!.diffId) this.problems.add(`${this.root}:${b.name}`, `content digest ${b.layer!.diffId} differs from the config's diff_id ${configured[i]}`);
    });
    // Layer ids as Docker computes them, from the config's diff ids (what `docker load` would use).
    const diffIds = blobs.map((b, i) => configured[i] ?? b.layer!.diffId);
    const chain = chainIds(diffIds);
    let size = 0;
    chain.forEach((layerId, i) => {
      const blob = blobs[i]!;
      let layer = this.layers.get(layerId);
      if (!layer) {
        layer = {id: layerId, kind: 'image', diffId: diffIds[i], parent: chain[i - 1], cacheId: blob.name, dir: `${this.root}:${blob.name}`, full: false, size: blob.layer!.size, images: []};
        this.layers.set(layerId, layer);
        this.blobOf.set(layerId, blob);
      }
      layer.images.push(id);
      size += layer.size ?? 0;
    });
    // diff ids may come from the blobs when the config lacks them
    this.images.set(id, {...imageFromConfig(id, raw, {size, tags: [...tags]}), layers: chain, diffIds});
  }
}

/** `manifest.json` of `docker save`: one entry per image, layers as paths in the archive. */
function classicEntries(manifest: Blob | undefined, where: string, problems: Problems): ImageEntry[] {
  if (!manifest?.json) {
    problems.add(where, 'no manifest.json and no index.json: not a docker save archive or OCI layout');
    return [];
  }
  const list = parseJson<{Config?: string; RepoTags?: string[] | null; Layers?: string[]}[]>(manifest.json, `${where}:manifest.json`, problems);
  if (!Array.isArray(list)) return [];
  return list.flatMap((m) => {
    if (typeof m?.Config !== 'string' || !Array.isArray(m.Layers)) {
      problems.add(`${where}:manifest.json`, 'an entry without Config or Layers; skipped');
      return [];
    }
    return [{config: m.Config, layers: m.Layers, tags: m.RepoTags ?? [], source: 'manifest.json'}];
  });
}

/** `index.json` of an OCI layout: manifests (or nested indexes) by digest, names in annotations. */
async function ociEntries(index: Blob, get: (name: string) => Promise<Blob | undefined>, problems: Problems, depth = 0): Promise<ImageEntry[]> {
  const doc = index.json ? parseJson<{manifests?: Descriptor[]}>(index.json, index.name, problems) : undefined;
  const out: ImageEntry[] = [];
  for (const d of doc?.manifests ?? []) {
    const name = blobName(d.digest);
    const blob = name ? await get(name) : undefined;
    if (!name || !blob?.json) {
      problems.add(`${index.name}`, `manifest ${d.digest ?? '(no digest)'} is ${name ? 'missing from the archive' : 'not a sha256 digest'}; skipped`);
      continue;
    }
    if (blob.digest !== d.digest) problems.add(name, `content digest ${blob.digest} differs from its name`);
    if (INDEX_TYPES.has(d.mediaType ?? '') && depth < 4) {
      out.push(...(await ociEntries(blob, get, problems, depth + 1)));
      continue;
    }
    const m = parseJson<{config?: Descriptor; layers?: Descriptor[]}>(blob.json, name, problems);
    const config = blobName(m?.config?.digest);
    if (!m || !config) continue;
    const tag = refName(d.annotations);
    out.push({config, layers: (m.layers ?? []).map((l) => blobName(l.digest) ?? String(l.digest)), tags: tag ? [tag] : [], source: name});
  }
  return out;
}

/** The familiar `repo:tag` an OCI descriptor's annotations give, if any. */
function refName(annotations: Record<string, string> | undefined): string | undefined {
  const full = annotations?.['io.containerd.image.name'] ?? annotations?.['org.opencontainers.image.ref.name'];
  if (!full || !/[:/]/.test(full)) return undefined; // a bare tag names no repository
  return full.replace(/^docker\.io\/(library\/)?/, '');
}

function blobName(digest: string | undefined): string | undefined {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest ?? '');
  return m ? `blobs/sha256/${m[1]}` : undefined;
}

function parseJson<T>(buf: Buffer, item: string, problems: Problems): T | undefined {
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch (err) {
    problems.add(item, `not valid JSON: ${(err as Error).message}`);
    return undefined;
  }
}

/** A file's bytes: a direct range of an uncompressed layer, or a window of a gunzipped one. */
function rangeStream(blob: Blob, offset: number, size: number): Readable {
  if (blob.layer!.compression === 'none') {
    const start = blob.offset + offset;
    return createReadStream(blob.file, {start, end: start + size - 1});
  }
  const raw = createReadStream(blob.file, {start: blob.offset, end: blob.offset + blob.size - 1});
  const gunzip = pipeline(raw, createGunzip(), () => {});
  return Readable.from(window(gunzip, offset, size));
}

async function* window(source: Readable, start: number, size: number): AsyncGenerator<Buffer> {
  let pos = 0;
  const end = start + size;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    const from = Math.max(start - pos, 0);
    const to = Math.min(end - pos, chunk.length);
    if (to > from) yield chunk.subarray(from, to);
    pos += chunk.length;
    if (pos >= end) break;
  }
  if (pos < end) throw new Error(`layer ended before the file's ${size} bytes`);
}

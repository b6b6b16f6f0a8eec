// A store read from an image archive: `docker save` output (classic `manifest.json` form, or
// the containerd image store's OCI layout with `index.json` beside a legacy `manifest.json`),
// podman's and skopeo's `docker-archive` / `oci-archive`, BuildKit's OCI export, an OCI image
// layout directory or an extracted `docker save` directory; any of them gzip-compressed. Image
// indexes give the host's platform (or the one asked for); attestation manifests are not images
// but layers of kind `attestation` whose files are their in-toto statements. Read-only and lazy
// about contents: the index says where each file's bytes are; `readFile` reads them by range.
import {closeSync, existsSync, openSync, readSync, statSync, createReadStream} from 'node:fs';
import {join} from 'node:path';
import {Readable, pipeline} from 'node:stream';
import {lookup, type LayerNode} from '../tree/entry.js';
import {entryNames} from './archive-layer.js';
import {attestationLayer, PREDICATE_TYPE, REFERENCE_DIGEST, REFERENCE_TYPE} from './attestations.js';
import {JSON_FILE, readInside} from './confine.js';
import {indexArchive, indexBlobFile, type Blob} from './archive-index.js';
import {decompressor, syncDecoder} from './decompress.js';
import {imageFromConfig, type RawImage} from './imagedb.js';
import {chainIds} from '../docker/chain-id.js';
import {shortId} from '../docker/digest.js';
import {blobPath, isIndexType, type ClassicManifestEntry, type Descriptor, type Index, type Manifest, type Platform} from '../docker/oci.js';
import {formatPlatform, hostPlatform, parsePlatform, platformMatches} from '../docker/platform.js';
import {annotatedReference} from '../docker/reference.js';
import type {OpenOptions} from './backend.js';
import type {Attestation, Container, Image, Layer, PlatformEntry, Volume} from './model.js';
import {Problems} from './problems.js';
import {LayerStore} from './layer-store.js';

export type ArchiveFormat = 'docker-archive' | 'oci-archive' | 'oci-layout';

type RawConfig = RawImage;

/** An image as an archive's manifest describes it: where its config and layer tars are. */
interface ImageEntry {
  config: string;
  layers: string[];
  tags: string[];
  /** The document that named it, for problems. */
  source: string;
  /** The id the writing tool shows when it is not the config digest. */
  id?: string;
  idKind: NonNullable<Image['idKind']>;
  platform?: string;
  platforms?: PlatformEntry[];
  attestations?: AttestationEntry[];
}

interface AttestationEntry {
  digest: string;
  statements: {predicateType: string; bytes: Buffer}[];
}

export class ArchiveStore extends LayerStore {
  readonly kind = 'archive';
  readonly images = new Map<string, Image>();
  readonly layers = new Map<string, Layer>();
  readonly containers: Container[] = [];
  readonly volumes: Volume[] = [];
  private readonly blobOf = new Map<string, Blob>();
  private readonly platform: Platform;
  private readonly platformAsked: boolean;

  private constructor(
    readonly root: string,
    readonly format: ArchiveFormat,
    opts: OpenOptions,
  ) {
    super();
    this.platformAsked = opts.platform !== undefined;
    this.platform = opts.platform === undefined ? hostPlatform() : parsePlatform(opts.platform);
  }

  /**
   * Open an archive file or an OCI layout directory; everything is indexed before this returns.
   * Where there is an `index.json` it is what the archive means (a containerd-store `docker
   * save` also writes a legacy `manifest.json`); the classic `manifest.json` otherwise.
   */
  static async open(path: string, opts: OpenOptions = {}): Promise<ArchiveStore> {
    if (statSync(path).isDirectory()) return ArchiveStore.openDir(path, opts);
    const problems = new Problems();
    const blobs = await indexArchive(path, problems);
    const oci = blobs.has('index.json');
    const store = new ArchiveStore(path, oci && !blobs.has('manifest.json') ? 'oci-archive' : 'docker-archive', opts);
    for (const p of problems.list) store.problems.list.push(p); // no spread: there may be 100k+
    const get = async (name: string) => blobs.get(name);
    const entries = oci
      ? await store.ociEntries(blobs.get('index.json')!, get, blobs.has('manifest.json'))
      : classicEntries(blobs.get('manifest.json'), path, store.problems);
    await store.addImages(entries, get);
    return store;
  }

  /** An OCI layout directory (or an extracted `docker save`): blobs are indexed only when named. */
  private static async openDir(dir: string, opts: OpenOptions): Promise<ArchiveStore> {
    const hasIndex = existsSync(join(dir, 'index.json'));
    if (!hasIndex && !existsSync(join(dir, 'manifest.json')))
      throw new Error(`${dir}: not an OCI image layout (no index.json) and not a docker save directory (no manifest.json)`);
    const store = new ArchiveStore(dir, 'oci-layout', opts);
    const cache = new Map<string, Promise<Blob | undefined>>();
    const get = (name: string): Promise<Blob | undefined> => {
      let blob = cache.get(name);
      if (!blob) {
        // An extracted `docker save` links shared layers (`<v1>/layer.tar -> ../<id>.tar`): followed
        // only inside the directory (confine.ts, in indexBlobFile).
        const safe = typeof entryNames(name) !== 'string' && existsSync(join(dir, name));
        blob = safe
          ? indexBlobFile(dir, name, store.problems).catch((err: unknown) => {
              store.problems.fromError(join(dir, name), err);
              return undefined;
            })
          : Promise.resolve(undefined);
        cache.set(name, blob);
      }
      return blob;
    };
    const top = hasIndex ? 'index.json' : 'manifest.json';
    const doc: Blob = {name: top, file: join(dir, top), offset: 0, size: 0, digest: '', json: readInside(dir, join(dir, top), JSON_FILE)};
    const entries = hasIndex ? await store.ociEntries(doc, get, existsSync(join(dir, 'manifest.json'))) : classicEntries(doc, dir, store.problems);
    await store.addImages(entries, get);
    return store;
  }

  override get label(): string {
    return this.format;
  }

  protected loadTree(layer: Layer): LayerNode {
    return this.layerBlob(layer).layer!.tree;
  }

  protected filePath(): string | undefined {
    return undefined;
  }

  override readDirect(layerId: string, path: string, offset: number, length: number): Buffer | undefined {
    const statement = super.readDirect(layerId, path, offset, length);
    if (statement) return statement;
    const layer = this.layers.get(layerId);
    const blob = layer && this.blobOf.get(layer.id);
    if (!blob?.layer) return undefined;
    const node = lookup(this.tree(layerId), path);
    const file = node?.meta.link !== undefined ? lookup(this.tree(layerId), node.meta.link) : node;
    if (!file || file.meta.kind !== 'file') return undefined;
    const want = Math.max(0, Math.min(length, file.meta.size - offset));
    if (file.data === undefined || want === 0) return Buffer.alloc(0);
    if (blob.packed || blob.layer.compression !== 'none') {
      // Decompressed from the start each time: how far in says how long a page takes.
      const depth = (blob.packed ? blob.offset : 0) + file.data + offset;
      return depth <= MAX_DIRECT_SKIP ? decompressedRange(blob, file.data + offset, want) : undefined;
    }
    const bytes = Buffer.alloc(want);
    const fd = openSync(blob.file, 'r');
    try {
      return bytes.subarray(0, readSync(fd, bytes, 0, want, blob.offset + file.data + offset));
    } finally {
      closeSync(fd);
    }
  }

  /** The bytes of a regular file of one layer (hard links followed), streamed from the archive. */
  readFile(layerId: string, path: string): Readable {
    const layer = this.layers.get(layerId);
    if (!layer) throw new Error(`no layer ${layerId}`);
    const statement = this.statement(layerId, path);
    if (statement) return Readable.from([statement]);
    const node = lookup(this.tree(layerId), path);
    if (!node || node.whiteout || node.meta.kind !== 'file') throw new Error(`${path}: not a regular file in layer ${shortId(layerId)}`);
    const blob = this.layerBlob(layer);
    // A hard link's bytes are its target's, an earlier file of the same layer.
    const file = node.meta.link ? lookup(this.tree(layerId), node.meta.link) : node;
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
        this.problems.add(
          item,
          `${configBlob ? 'not a JSON document' : 'missing from the archive'} (the image config of ${name}, named by ${entry.source}); image skipped`,
        );
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
      this.addImage(entry.id ?? configBlob.digest, raw, blobs, entry, item);
    }
    for (const image of this.images.values()) image.dangling = image.tags.length === 0;
    this.describe();
  }

  /** Notes on what the ids are and where the attestations are, once per source. */
  private describe(): void {
    const kinds = new Set([...this.images.values()].map((i) => i.idKind).filter((k) => k !== 'config digest'));
    if (kinds.size) this.notices.push(`${this.root}: image ids are ${[...kinds].join(' / ')}s, as Docker's containerd image store shows them`);
    for (const image of this.images.values()) {
      const name = `${image.tags[0] ?? shortId(image.id)}${image.platform ? ` (${image.platform})` : ''}`;
      if (image.platforms && image.platforms.length > 1)
        this.notices.push(
          `${this.root}: ${name} is one platform of an image index listing ${image.platforms.map((p) => p.platform + (p.present ? '' : ' (not in the archive)')).join(', ')}; --platform to choose`,
        );
      for (const a of image.attestations ?? [])
        this.notices.push(
          `${this.root}: ${name} has an attestation manifest ${shortId(a.digest)} (${a.predicateTypes.join(', ')}); its statements: layerscope ls ${this.root}:${a.digest.slice(7, 19)}`,
        );
    }
  }

  private addImage(id: string, raw: RawConfig, blobs: Blob[], entry: ImageEntry, item: string): void {
    const {tags} = entry;
    const known = this.images.get(id);
    if (known) {
      for (const t of tags) if (!known.tags.includes(t)) known.tags.push(t);
      return;
    }
    const configured = raw.rootfs?.diff_ids ?? [];
    if (configured.length !== blobs.length) this.problems.add(item, `config lists ${configured.length} layers, the manifest ${blobs.length}`);
    blobs.forEach((b, i) => {
      // (a layer that could not be read whole was reported already)
      if (b.error || !configured[i] || configured[i] === b.layer!.diffId || configured[i] === b.layer!.paddedDiffId) return;
      this.problems.add(`${this.root}:${b.name}`, `the uncompressed layer's digest ${b.layer!.diffId} differs from the config's diff_id ${configured[i]}`);
    });
    // Layer ids as Docker computes them, from the config's diff ids (what `docker load` would use).
    const diffIds = blobs.map((b, i) => configured[i] ?? b.layer!.diffId);
    const chain = chainIds(diffIds);
    let size = 0;
    chain.forEach((layerId, i) => {
      const blob = blobs[i]!;
      let layer = this.layers.get(layerId);
      if (!layer) {
        layer = {
          id: layerId,
          kind: 'image',
          diffId: diffIds[i],
          parent: chain[i - 1],
          cacheId: blob.name,
          dir: `${this.root}:${blob.name}`,
          full: false,
          size: blob.layer!.size,
          images: [],
        };
        this.layers.set(layerId, layer);
        this.blobOf.set(layerId, blob);
      }
      layer.images.push(id);
      size += layer.size ?? 0;
    });
    // diff ids may come from the blobs when the config lacks them
    const image: Image = {...imageFromConfig(id, raw, {size, tags: [...tags]}), layers: chain, diffIds, idKind: entry.idKind};
    if (entry.platform) image.platform = entry.platform;
    if (entry.platforms) image.platforms = entry.platforms;
    if (entry.attestations?.length) image.attestations = entry.attestations.map((a) => this.addAttestation(a, id));
    this.images.set(id, image);
  }

  /** An attestation manifest becomes a layer of kind `attestation` holding its statements as files. */
  private addAttestation(a: AttestationEntry, imageId: string): Attestation {
    const {layer, files, attestation} = attestationLayer(a.digest, a.statements, imageId, `${this.root}:${blobPath(a.digest)}`);
    this.statements.set(a.digest, files);
    this.layers.set(a.digest, layer);
    return attestation;
  }

  /**
   * `index.json` of an OCI layout: each descriptor is an image manifest or an image index (the
   * platform asked for, else the host's, is read; attestation manifests pointing at it are kept
   * aside). Ids as the writer shows them: an index's digest; a manifest's digest when Docker's
   * containerd store wrote the archive (a legacy `manifest.json` beside, or containerd's name
   * annotation), else the config digest (podman, skopeo).
   */
  private async ociEntries(index: Blob, get: (name: string) => Promise<Blob | undefined>, legacyManifest: boolean): Promise<ImageEntry[]> {
    const doc = index.json ? parseJson<Index>(index.json, index.name, this.problems) : undefined;
    const out: ImageEntry[] = [];
    for (const d of doc?.manifests ?? []) {
      const blob = await this.document(d, index.name, get);
      if (!blob) continue;
      const tag = annotatedReference(d.annotations);
      const tags = tag ? [tag] : [];
      if (isIndexType(d.mediaType) || isIndexDoc(blob)) {
        const entry = await this.indexEntry(blob, d.digest!, get);
        if (entry) out.push({...entry, tags});
        continue;
      }
      const image = manifestEntry(blob, this.problems);
      const containerd = legacyManifest || d.annotations?.['io.containerd.image.name'] !== undefined;
      if (image) out.push(containerd ? {...image, tags, id: d.digest!, idKind: 'manifest digest'} : {...image, tags, idKind: 'config digest'});
    }
    return out;
  }

  /** The blob a descriptor names, when it is there and is JSON. */
  private async document(d: Descriptor, parent: string, get: (name: string) => Promise<Blob | undefined>): Promise<Blob | undefined> {
    const name = blobPath(d.digest);
    const blob = name ? await get(name) : undefined;
    if (!name || !blob?.json) {
      const why = !name ? 'not a sha256 digest' : !blob ? 'missing from the archive' : 'not a JSON document of at most 16 MiB';
      this.problems.add(parent, `${d.digest ?? '(no digest)'} (${d.mediaType ?? 'no media type'}) is ${why}; skipped`);
      return undefined;
    }
    if (blob.digest !== d.digest) this.problems.add(name, `content digest ${blob.digest} differs from its name`);
    return blob;
  }

  /** One image from an image index: the wanted platform's manifest, with the index's platforms and attestations. */
  private async indexEntry(blob: Blob, digest: string, get: (name: string) => Promise<Blob | undefined>): Promise<Omit<ImageEntry, 'tags'> | undefined> {
    const descriptors = await flatten(blob, get, this.problems);
    const isAttestation = (d: Descriptor) => d.annotations?.[REFERENCE_TYPE] === 'attestation-manifest';
    const images = descriptors.filter((d) => !isAttestation(d));
    const platforms: PlatformEntry[] = [];
    for (const d of images) {
      const name = blobPath(d.digest);
      platforms.push({platform: formatPlatform(d.platform), digest: d.digest ?? '', present: !!(name && (await get(name))?.json)});
    }
    const present = images.filter((_, i) => platforms[i]!.present);
    const wanted = formatPlatform(this.platform);
    let chosen = present.find((d) => platformMatches(d.platform, this.platform));
    const list = platforms.map((p) => `${p.platform}${p.present ? '' : ' (not in the archive)'}`).join(', ');
    if (!chosen && this.platformAsked) {
      this.problems.add(`${this.root}:${blob.name}`, `the image index has no ${wanted} image (it lists ${list || 'none'})`);
      return undefined;
    }
    if (!chosen) {
      chosen = present[0];
      if (!chosen) {
        this.problems.add(`${this.root}:${blob.name}`, `none of the image index's manifests is in the archive (it lists ${list || 'none'})`);
        return undefined;
      }
      this.notices.push(
        `${this.root}: the image index ${digest.slice(0, 19)} has no ${wanted} image; showing ${formatPlatform(chosen.platform)} (--platform to choose; it lists ${list})`,
      );
    }
    const manifest = await this.document(chosen, blob.name, get);
    const image = manifest && manifestEntry(manifest, this.problems);
    if (!image) return undefined;
    const attestations: AttestationEntry[] = [];
    for (const d of descriptors.filter((a) => isAttestation(a) && a.annotations?.[REFERENCE_DIGEST] === chosen.digest)) {
      const att = await this.attestationEntry(d, blob.name, get);
      if (att) attestations.push(att);
    }
    return {...image, id: digest, idKind: 'index digest', platform: formatPlatform(chosen.platform), platforms, attestations};
  }

  /** An attestation manifest's statements (its layers are in-toto JSON documents). */
  private async attestationEntry(d: Descriptor, parent: string, get: (name: string) => Promise<Blob | undefined>): Promise<AttestationEntry | undefined> {
    const name = blobPath(d.digest);
    if (!name || !(await get(name))?.json) return undefined; // a save keeps attestations only when they were pulled
    const doc = await this.document(d, parent, get);
    const m = doc && parseJson<Manifest>(doc.json!, doc.name, this.problems);
    if (!m) return undefined;
    const statements: AttestationEntry['statements'] = [];
    for (const l of m.layers ?? []) {
      const statement = await this.document(l, doc.name, get);
      if (!statement) continue;
      statements.push({predicateType: l.annotations?.[PREDICATE_TYPE] ?? l.mediaType ?? 'statement', bytes: statement.json!});
    }
    return {digest: d.digest!, statements};
  }
}

/** The manifests an index lists, nested indexes opened (a few levels at most). */
async function flatten(index: Blob, get: (name: string) => Promise<Blob | undefined>, problems: Problems, depth = 0): Promise<Descriptor[]> {
  const doc = parseJson<Index>(index.json!, index.name, problems);
  const out: Descriptor[] = [];
  for (const d of doc?.manifests ?? []) {
    const name = blobPath(d.digest);
    const nested = isIndexType(d.mediaType) && name ? await get(name) : undefined;
    if (nested?.json && depth < 4) for (const m of await flatten(nested, get, problems, depth + 1)) out.push(m);
    else out.push(d);
  }
  return out;
}

/** An index document whose descriptor did not say so (`mediaType` is optional in index.json). */
function isIndexDoc(blob: Blob): boolean {
  const head = blob.json!.subarray(0, 4096).toString('utf8');
  return head.includes('"manifests"') && !head.includes('"config"');
}

function manifestEntry(blob: Blob, problems: Problems): Omit<ImageEntry, 'tags' | 'idKind'> | undefined {
  const m = parseJson<Manifest>(blob.json!, blob.name, problems);
  const config = blobPath(m?.config?.digest);
  if (!m || !config) {
    if (m) problems.add(blob.name, 'a manifest without a sha256 config digest; skipped');
    return undefined;
  }
  const layers = m.layers ?? [];
  return {config, layers: layers.map((l) => blobPath(l.digest) ?? String(l.digest)), source: blob.name};
}

/** A file name for a statement: its predicate type without the scheme, `/` as `_` (`slsa.dev_provenance_v0.2.json`). */
/** `manifest.json` of `docker save`: one entry per image, layers as paths in the archive. */
function classicEntries(manifest: Blob | undefined, where: string, problems: Problems): ImageEntry[] {
  if (!manifest?.json) {
    problems.add(where, 'no manifest.json and no index.json: not a docker save archive or OCI layout');
    return [];
  }
  const list = parseJson<ClassicManifestEntry[]>(manifest.json, `${where}:manifest.json`, problems);
  if (!Array.isArray(list)) return [];
  return list.flatMap((m) => {
    if (typeof m?.Config !== 'string' || !Array.isArray(m.Layers)) {
      problems.add(`${where}:manifest.json`, 'an entry without Config or Layers; skipped');
      return [];
    }
    return [{config: m.Config, layers: m.Layers, tags: m.RepoTags ?? [], source: 'manifest.json', idKind: 'config digest' as const}];
  });
}

function parseJson<T>(buf: Buffer, item: string, problems: Problems): T | undefined {
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch (err) {
    problems.add(item, `not valid JSON: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * How far into a compressed layer or archive the file view decompresses to show a page (it starts
 * from the first byte each time); files deeper than this are copied out with `export`.
 */
const MAX_DIRECT_SKIP = 256 << 20;

/**
 * `want` bytes at `start` of a layer's tar, decompressed synchronously in 1 MiB reads: through the
 * layer's compression, the whole archive's (`docker save | gzip`), or both; memory stays a few
 * MiB whatever the depth.
 */
function decompressedRange(blob: Blob, start: number, want: number): Buffer | undefined {
  const out = Buffer.alloc(want);
  let got = 0;
  let pos = 0;
  const tar = (c: Buffer) => {
    const from = Math.max(start - pos, 0);
    const to = Math.min(start + want - pos, c.length);
    if (to > from) got += c.copy(out, got, from, to);
    pos += c.length;
  };
  const compression = blob.layer!.compression;
  const layerDecoder = compression === 'none' ? undefined : syncDecoder(compression, tar);
  const layer = layerDecoder ? (c: Buffer) => layerDecoder.write(c) : tar;
  // In a packed archive the layer is a window of the decompressed stream; else of the file.
  let at = 0;
  const archiveDecoder =
    blob.packed &&
    syncDecoder(blob.packed, (c) => {
      const from = Math.max(blob.offset - at, 0);
      const to = Math.min(blob.offset + blob.size - at, c.length);
      if (to > from) layer(c.subarray(from, to));
      at += c.length;
    });
  const archive = archiveDecoder ? (c: Buffer) => archiveDecoder.write(c) : layer;
  const [first, end] = blob.packed ? [0, Infinity] : [blob.offset, blob.offset + blob.size];
  const chunk = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(blob.file, 'r');
  try {
    for (let read = first; got < want && read < end;) {
      const n = readSync(fd, chunk, 0, Math.min(chunk.length, end - read), read);
      if (n === 0) break;
      read += n;
      archive(chunk.subarray(0, n));
    }
  } catch {
    return undefined; // damaged data: the layer's problem was reported when it was indexed
  } finally {
    closeSync(fd);
  }
  return out.subarray(0, got);
}

/**
 * A file's bytes: a direct range of an uncompressed layer in a plain archive, else a window of
 * the decompressed stream (of the layer, of the archive, or both).
 */
function rangeStream(blob: Blob, offset: number, size: number): Readable {
  const compression = blob.layer!.compression;
  if (!blob.packed) {
    if (compression === 'none') {
      const start = blob.offset + offset;
      return createReadStream(blob.file, {start, end: start + size - 1});
    }
    const raw = createReadStream(blob.file, {start: blob.offset, end: blob.offset + blob.size - 1});
    return Readable.from(
      window(
        pipeline(raw, decompressor(compression), () => {}),
        offset,
        size,
      ),
    );
  }
  const archive = pipeline(createReadStream(blob.file), decompressor(blob.packed), () => {});
  if (compression === 'none') return Readable.from(window(archive, blob.offset + offset, size));
  const layer = pipeline(Readable.from(window(archive, blob.offset, blob.size)), decompressor(compression), () => {});
  return Readable.from(window(layer, offset, size));
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

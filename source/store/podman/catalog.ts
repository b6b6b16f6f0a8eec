// containers-storage's catalog (github.com/containers/storage images.go, layers.go, containers.go):
// `<driver>-images/images.json`, `<driver>-layers/layers.json`, `<driver>-containers/containers.json`,
// and each image's "big data" files (its config, manifests) in `<driver>-images/<id>/`. Every read
// is confined to the graph root (a catalog directory symlinked out of it is not followed).
import {join} from 'node:path';
import {isIndexType, type Index} from '../../docker/oci.js';
import {pickManifest} from '../../docker/platform.js';
import type {RawImage} from '../imagedb.js';
import {RootFiles} from '../files.js';
import type {Problems} from '../problems.js';

export interface CsLayer {
  id: string;
  parent?: string;
  names?: string[];
  created?: string;
  'diff-digest'?: string;
  /** The uncompressed size of the layer tar (UncompressedSize); absent for container layers. */
  'diff-size'?: number;
  'compressed-diff-digest'?: string;
}

export interface CsImage {
  id: string;
  digest?: string;
  digests?: string[];
  names?: string[];
  /** The top layer. */
  layer?: string;
  created?: string;
  'big-data-names'?: string[];
  'big-data-sizes'?: Record<string, number>;
}

export interface CsContainer {
  id: string;
  names?: string[];
  image?: string;
  layer?: string;
  /** JSON text: image-name, image-id, name, created-at. */
  metadata?: string;
  created?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** A JSON array of records with a well-formed id (it becomes a path), each bad record reported; a missing file is none. */
function readList<T extends {id: string}>(files: RootFiles, path: string, what: string): T[] {
  const raw = files.json<unknown>(path, true);
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    files.problems.add(path, `not a JSON array of ${what}s`);
    return [];
  }
  return raw.filter((r): r is T => {
    const ok = typeof r === 'object' && r !== null && typeof (r as T).id === 'string' && HEX64.test((r as T).id);
    if (!ok) files.problems.add(path, `${what} record without a valid id skipped: ${JSON.stringify(r).slice(0, 80)}`);
    return ok;
  });
}

/**
 * Newer containers-storage keeps volatile layers and containers (`podman run --rm`) in
 * `volatile-layers.json` / `volatile-containers.json` beside the main files (in the run root for
 * a transient store, which is not read here).
 */
export function readCatalog(root: string, driver: string, problems: Problems): {images: CsImage[]; layers: CsLayer[]; containers: CsContainer[]} {
  const files = new RootFiles(root, problems);
  const both = <T extends {id: string}>(dir: string, name: string, what: string): T[] =>
    [name, `volatile-${name}`].flatMap((f) => readList<T>(files, join(root, dir, f), what));
  return {
    images: readList<CsImage>(files, join(root, `${driver}-images`, 'images.json'), 'image'),
    layers: both<CsLayer>(`${driver}-layers`, 'layers.json', 'layer'),
    containers: both<CsContainer>(`${driver}-containers`, 'containers.json', 'container'),
  };
}

/** The file name containers-storage gives a big-data key: itself when only [.0-9a-z], else `=` + base64. */
export function bigDataFileName(key: string): string {
  return /^[.0-9a-z]*$/.test(key) ? key : `=${Buffer.from(key, 'utf8').toString('base64')}`;
}

/** An image's config: the big-data item keyed by the image's own digest (`sha256:<id>`). */
export function readImageConfig(root: string, driver: string, image: CsImage, problems: Problems): RawImage | undefined {
  const key = `sha256:${image.id}`;
  const path = join(root, `${driver}-images`, image.id, bigDataFileName(key));
  if (!(image['big-data-names'] ?? []).includes(key)) {
    // A manifest list has no config of its own (and no layer): nothing is missing.
    if (!image.layer && (image['big-data-names'] ?? []).includes('manifest')) return undefined;
    problems.add(join(root, `${driver}-images`, image.id), `image ${image.id.slice(0, 12)} has no config (big-data ${key}); shown without history`);
    return undefined;
  }
  const raw = new RootFiles(root, problems).json<RawImage>(path);
  if (raw !== undefined && (typeof raw !== 'object' || raw === null)) {
    problems.add(path, 'not an image config');
    return undefined;
  }
  return raw;
}

/**
 * The image a manifest list stands for on this machine: the instance for the host platform, as
 * libimage resolves a list's name (`podman history LIST` shows that image's history).
 */
export function listInstanceDigest(root: string, driver: string, image: CsImage, problems: Problems): string | undefined {
  if (image.layer || !(image['big-data-names'] ?? []).includes('manifest')) return undefined;
  const path = join(root, `${driver}-images`, image.id, 'manifest');
  const doc = new RootFiles(root, problems).json<Index>(path);
  if (!doc || !isIndexType(doc.mediaType) || !Array.isArray(doc.manifests)) return undefined;
  return pickManifest(doc.manifests)?.digest;
}

/** The metadata string of a container record, parsed. */
export function containerMetadata(c: CsContainer, path: string, problems: Problems): {'image-name'?: string; name?: string} {
  if (!c.metadata) return {};
  try {
    const m = JSON.parse(c.metadata) as unknown;
    return typeof m === 'object' && m !== null ? m : {};
  } catch {
    problems.add(path, `container ${c.id.slice(0, 12)}: metadata is not JSON`);
    return {};
  }
}

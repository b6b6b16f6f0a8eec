// Images from `image/<driver>/imagedb` and their references from `repositories.json`.
import {join} from 'node:path';
import {chainIds} from '../docker/chain-id.js';
import {HEX64} from './confine.js';
import {RootFiles} from './files.js';
import {byNormalizedName} from '../docker/reference.js';
import type {HistoryEntry, Image, ImageConfig, Layer} from './model.js';
import type {Problems} from './problems.js';

export interface RawImage {
  created?: string;
  author?: string;
  comment?: string;
  os?: string;
  architecture?: string;
  config?: ImageConfig;
  container_config?: ImageConfig;
  rootfs?: {type?: string; diff_ids?: string[]};
  history?: {created?: string; created_by?: string; comment?: string; author?: string; empty_layer?: boolean}[];
}

interface Repositories {
  Repositories?: Record<string, Record<string, string>>;
}

export function readImages(root: string, driver: string, layers: Map<string, Layer>, problems: Problems): Map<string, Image> {
  const base = join(root, 'image', driver, 'imagedb');
  const images = new Map<string, Image>();
  const files = new RootFiles(root, problems);
  for (const hex of files.list(join(base, 'content', 'sha256'), HEX64)) {
    const path = join(base, 'content', 'sha256', hex);
    const raw = files.json<RawImage>(path);
    if (!raw || typeof raw !== 'object' || !raw.rootfs) {
      if (raw !== undefined) problems.add(path, 'not an image config (no rootfs)');
      problems.leftOut.add(hex);
      continue;
    }
    const diffIds = raw.rootfs.diff_ids ?? [];
    const chain = chainIds(diffIds);
    const id = `sha256:${hex}`;
    let size = 0;
    for (const c of chain) {
      const layer = layers.get(c);
      if (!layer) problems.add(path, `image ${hex.slice(0, 12)} needs layer ${c}, which is not in the layerdb`);
      else {
        size += layer.size ?? 0;
        layer.images.push(id);
      }
    }
    const parent = files.optionalText(join(base, 'metadata', 'sha256', hex, 'parent'))?.trim() || undefined;
    images.set(id, imageFromConfig(id, raw, {parent, size}));
  }
  for (const image of images.values()) {
    if (image.parent) images.get(image.parent)?.children.push(image.id);
  }
  readReferences(files, join(root, 'image', driver, 'repositories.json'), images);
  for (const image of images.values()) {
    image.dangling = image.tags.length === 0 && image.digests.length === 0 && image.children.length === 0;
  }
  return images;
}

/** The Image record of a config, before references and children are known. */
export function imageFromConfig(id: string, raw: RawImage, extra: {parent?: string; size: number; tags?: string[]}): Image {
  const diffIds = raw.rootfs?.diff_ids ?? [];
  return {
    id,
    tags: extra.tags ?? [],
    digests: [],
    created: raw.created,
    parent: extra.parent,
    layers: chainIds(diffIds),
    diffIds,
    history: (raw.history ?? []).map((h): HistoryEntry => ({
      created: h.created,
      createdBy: h.created_by ?? '',
      comment: h.comment,
      author: h.author,
      emptyLayer: h.empty_layer === true,
    })),
    config: raw.config ?? {},
    os: raw.os,
    architecture: raw.architecture,
    author: raw.author,
    comment: raw.comment,
    size: extra.size,
    children: [],
    dangling: false,
  };
}

function readReferences(files: RootFiles, path: string, images: Map<string, Image>): void {
  const {problems} = files;
  const repos = files.json<Repositories>(path, true);
  if (repos === undefined) return;
  for (const refs of Object.values(repos.Repositories ?? {})) {
    for (const [ref, id] of Object.entries(refs ?? {})) {
      const image = images.get(id);
      if (!image) {
        problems.add(path, `reference ${ref} points to missing image ${id}`);
        continue;
      }
      (ref.includes('@') ? image.digests : image.tags).push(ref);
    }
  }
  for (const image of images.values()) image.tags.sort(byNormalizedName);
}

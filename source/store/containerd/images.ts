// From an image record's target (manifest or index) to what the image is: the manifest for the
// host platform, its config, and the content size containerd counts.
import {lstatSync} from 'node:fs';
import {isIndexType, type Index, type Manifest} from '../../docker/oci.js';
import {formatPlatform, hostPlatform, platformMatches} from '../../docker/platform.js';
import type {Platform} from '../../docker/oci.js';
import type {RawImage} from '../imagedb.js';
import {REFERENCE_DIGEST, REFERENCE_TYPE} from '../attestations.js';
import type {ContentStore} from './content.js';
import type {Descriptor} from './meta.js';

export interface ResolvedImage {
  manifest: Descriptor;
  config: RawImage;
  /** Index (if any) + manifest + config + layers, as their descriptors give them (`docker inspect`'s Size). */
  contentSize: number;
  /** The same without the index: what `docker images` counts of the content. */
  platformSize: number;
  /** Attestation manifests the index lists about the chosen image (BuildKit's sit beside the images, with no platform of their own). */
  attestations: string[];
  /** Platforms the index offers besides the one chosen. */
  otherPlatforms: string[];
  /** The platform chosen from an index (`os/arch[/variant]`), when the target is an index. */
  platform?: string;
}

/** Resolve `target`; undefined (with problems recorded by the content store) when it cannot be. */
export function resolveImage(content: ContentStore, target: Descriptor, name: string, want: Platform = hostPlatform(), depth = 0): ResolvedImage | undefined {
  const doc = content.json<Manifest & Index>(target.digest, `${isIndexType(target.mediaType) ? 'index' : 'manifest'} of ${name}`);
  if (!doc) return undefined;
  if (isIndexType(target.mediaType) || (doc.manifests && !doc.layers)) {
    if (depth > 3) return undefined;
    const all = doc.manifests ?? [];
    const attestations = all.filter((m) => m.annotations?.[REFERENCE_TYPE]);
    const images = all.filter((m) => !m.annotations?.[REFERENCE_TYPE] && m.digest);
    // The platform asked for (the host's by default) first; then any manifest whose content is
    // here (as docker lists it).
    const ordered = [...images.filter((m) => platformMatches(m.platform, want)), ...images.filter((m) => !platformMatches(m.platform, want))];
    for (const m of ordered) {
      if (!isBlob(content, m.digest!)) continue;
      const inner = resolveImage(content, {mediaType: m.mediaType ?? '', digest: m.digest!, size: m.size ?? 0}, name, want, depth + 1);
      if (!inner) continue;
      return {
        ...inner,
        contentSize: target.size + inner.contentSize,
        attestations: attestations.filter((a) => a.annotations?.[REFERENCE_DIGEST] === m.digest && a.digest).map((a) => a.digest!),
        otherPlatforms: images.filter((o) => o !== m).map((o) => formatPlatform(o.platform)),
        platform: formatPlatform(m.platform),
      };
    }
    return undefined;
  }
  if (!doc.config?.digest) return undefined;
  const config = content.json<RawImage>(doc.config.digest, `config of ${name}`);
  if (!config) return undefined;
  const contentSize = target.size + (doc.config.size ?? 0) + (doc.layers ?? []).reduce((sum, l) => sum + (l.size ?? 0), 0);
  return {manifest: target, config, contentSize, platformSize: contentSize, attestations: [], otherPlatforms: []};
}

/** Whether the content store holds the blob (a platform of an index, an attestation, may not have been pulled). */
export function isBlob(content: ContentStore, digest: string): boolean {
  const path = content.path(digest);
  try {
    return !!path && lstatSync(path).isFile();
  } catch {
    return false;
  }
}

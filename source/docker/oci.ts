// OCI image-spec and Docker distribution documents: descriptors, manifests, indexes, media types.
import {isSha256Digest, hexOf} from './digest.js';

export interface Platform {
  os?: string;
  architecture?: string;
  variant?: string;
}

export interface Descriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface Manifest {
  schemaVersion?: number;
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  annotations?: Record<string, string>;
}

export interface Index {
  schemaVersion?: number;
  mediaType?: string;
  manifests?: Descriptor[];
  annotations?: Record<string, string>;
}

/** One image of a classic `docker save` archive's `manifest.json`. */
export interface ClassicManifestEntry {
  Config?: string;
  RepoTags?: string[] | null;
  Layers?: string[];
}

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

const INDEX_TYPES: ReadonlySet<string> = new Set([MEDIA.ociIndex, MEDIA.dockerList]);

export function isIndexType(mediaType: string | undefined): boolean {
  return INDEX_TYPES.has(mediaType ?? '');
}

/** `blobs/sha256/<hex>` of an OCI layout, or undefined for a digest that is not a safe sha256. */
export function blobPath(digest: string | undefined): string | undefined {
  return isSha256Digest(digest) ? `blobs/sha256/${hexOf(digest)}` : undefined;
}

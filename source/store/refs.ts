// Resolving what users type (names, tags, full or short ids, `REF@N`) to something with
// layers, the way docker resolves names and ids.
import type {Container, Image, Layer} from './model.js';
import {hexOf, isIdPrefix, shortId} from '../docker/digest.js';
import {familiarName, withDefaultTag} from '../docker/reference.js';
import type {LayerStore} from './store.js';

export interface Target {
  kind: 'image' | 'container' | 'layer';
  /** What to call it in output. */
  label: string;
  /** The top layer of the view (undefined: an image with no layers). */
  top?: string;
  image?: Image;
  container?: Container;
  layer?: Layer;
}

export class RefError extends Error {}

/** An object an id or id prefix can name. */
interface Candidate {
  kind: 'image' | 'container' | 'layer';
  image?: Image;
  container?: Container;
  layer?: Layer;
  /** Whether the ref is the object's whole id (not a prefix). */
  exact: boolean;
  label: string;
}

/**
 * Every image, container and image layer whose id (or a layer's diff id or cache id) starts with
 * `ref`. One function for every command, so a prefix means the same everywhere.
 */
function idCandidates(store: LayerStore, ref: string): Candidate[] {
  if (!isIdPrefix(ref)) return [];
  const hex = hexOf(ref);
  const out: Candidate[] = [];
  for (const image of store.images.values()) {
    if (hexOf(image.id).startsWith(hex))
      out.push({kind: 'image', image, exact: hexOf(image.id) === hex, label: `image ${shortId(image.id)}${image.tags[0] ? ` (${image.tags[0]})` : ''}`});
  }
  for (const container of store.containers) {
    if (container.id.startsWith(hex))
      out.push({
        kind: 'container',
        container,
        exact: container.id === hex,
        label: `container ${shortId(container.id)}${container.name ? ` (${container.name})` : ''}`,
      });
  }
  for (const layer of store.layers.values()) {
    if (layer.kind === 'rw' || layer.kind === 'init') continue; // a container's layers are reached through the container
    const ids = [layer.id, layer.diffId ?? '', layer.cacheId].map(hexOf);
    if (ids.some((id) => id.startsWith(hex))) out.push({kind: 'layer', layer, exact: ids.includes(hex), label: `layer ${shortId(layer.id)}`});
  }
  return out;
}

/** The one object an id prefix names; undefined for none; an error listing them for several. */
function byId(store: LayerStore, ref: string): Candidate | undefined {
  const all = idCandidates(store, ref);
  const exact = all.filter((c) => c.exact);
  if (exact.length === 1) return exact[0];
  if (all.length <= 1) return all[0];
  const shown = all
    .slice(0, 10)
    .map((c) => c.label)
    .join(', ');
  throw new RefError(`${ref}: ambiguous id prefix, it matches ${all.length}: ${shown}${all.length > 10 ? ', …' : ''}`);
}

function byTag(store: LayerStore, ref: string): Image | undefined {
  const full = withDefaultTag(familiarName(ref));
  for (const image of store.images.values()) {
    if (image.tags.includes(full) || image.digests.includes(ref)) return image;
  }
  // containers-storage keeps fully qualified names: a short name means localhost/ or docker.io/.
  const qualified = [`localhost/${full}`, `docker.io/${full.includes('/') ? '' : 'library/'}${full}`];
  for (const image of store.images.values()) {
    if (qualified.some((q) => image.tags.includes(q))) return image;
  }
  return undefined;
}

function byName(store: LayerStore, ref: string): Container | undefined {
  const name = ref.replace(/^\//, '');
  return store.containers.find((c) => c.name === name);
}

/** The image `ref` names (a tag, a digest, an id or unambiguous id prefix). */
export function findImage(store: LayerStore, ref: string): Image | undefined {
  const tagged = byTag(store, ref);
  if (tagged) return tagged;
  const c = byId(store, ref);
  if (c && c.kind !== 'image') throw new RefError(`${ref}: not an image, it is ${c.label}`);
  return c?.image;
}

/** The container `ref` names (a name, an id or unambiguous id prefix). */
export function findContainer(store: LayerStore, ref: string): Container | undefined {
  const named = byName(store, ref);
  if (named) return named;
  const c = byId(store, ref);
  if (c && c.kind !== 'container') throw new RefError(`${ref}: not a container, it is ${c.label}`);
  return c?.container;
}

export function imageTarget(image: Image): Target {
  return {kind: 'image', label: image.tags[0] ?? shortId(image.id), top: image.layers.at(-1), image};
}

export function containerTarget(c: Container): Target {
  return {kind: 'container', label: c.name || shortId(c.id), top: c.rwLayer ?? c.initLayer ?? c.parentLayer, container: c};
}

/** Resolve REF or REF@N (N counts layers from 0 at the bottom). */
export function resolve(store: LayerStore, ref: string, prefer: 'image' | 'container' = 'image'): Target {
  const at = /^(.*)@(\d+)$/.exec(ref);
  if (at) {
    const base = resolve(store, at[1]!, prefer);
    const chain = base.top ? store.chain(base.top) : [];
    const n = Number(at[2]);
    const layer = chain[n];
    if (!layer) throw new RefError(`${ref}: ${base.label} has ${chain.length === 1 ? '1 layer (0)' : `${chain.length} layers (0-${chain.length - 1})`}`);
    return {kind: 'layer', label: `${base.label}@${n}`, top: layer.id, layer, image: base.image, container: base.container};
  }
  // Names first (the command's kind wins when an image tag and a container name are equal), then ids.
  const image = byTag(store, ref);
  const container = byName(store, ref);
  if (image && (prefer === 'image' || !container)) return imageTarget(image);
  if (container) return containerTarget(container);
  const c = byId(store, ref);
  if (c?.image) return imageTarget(c.image);
  if (c?.container) return containerTarget(c.container);
  if (c?.layer) return {kind: 'layer', label: shortId(c.layer.id), top: c.layer.id, layer: c.layer};
  throw new RefError(`${ref}: no such image, container or layer`);
}

/**
 * The IMAGE column of `docker ps` / `docker system df -v`: the reference the container was created
 * from while it still names the container's image, else the image's short id (the tag moved on).
 */
export function containerImageLabel(store: LayerStore, c: Container): string {
  const ref = c.imageRef;
  if (!ref || /^(sha256:)?[0-9a-f]{64}$/.test(ref)) return shortId(c.imageId || ref);
  return byTag(store, ref)?.id === c.imageId ? ref : shortId(c.imageId);
}

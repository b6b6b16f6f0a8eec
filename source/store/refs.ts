// Resolving what users type (names, tags, full or short ids, `REF@N`) to something with
// layers, the way docker resolves names and ids.
import type {Container, Image, Layer} from './model.js';
import {shortId, type LayerStore} from './store.js';

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

const HEX = /^(sha256:)?[0-9a-f]+$/;

/** Normalise a familiar image reference: `name` means `name:latest`. */
export function withDefaultTag(ref: string): string {
  const lastSlash = ref.lastIndexOf('/');
  const hasTag = ref.slice(lastSlash + 1).includes(':');
  return ref.includes('@') || hasTag ? ref : `${ref}:latest`;
}

export function findImage(store: LayerStore, ref: string): Image | undefined {
  const full = withDefaultTag(ref.replace(/^docker\.io\/(library\/)?/, ''));
  for (const image of store.images.values()) {
    if (image.tags.includes(full) || image.digests.includes(ref)) return image;
  }
  return uniquePrefix([...store.images.values()], ref, (i) => i.id, 'image');
}

export function findContainer(store: LayerStore, ref: string): Container | undefined {
  const name = ref.replace(/^\//, '');
  const byName = store.containers.find((c) => c.name === name);
  if (byName) return byName;
  return uniquePrefix(store.containers, ref, (c) => c.id, 'container');
}

export function findLayer(store: LayerStore, ref: string): Layer | undefined {
  const layers = [...store.layers.values()];
  const exact = layers.find((l) => l.id === ref || l.diffId === ref || l.cacheId === ref);
  if (exact) return exact;
  return uniquePrefix(layers, ref, (l) => l.id, 'layer') ?? uniquePrefix(layers, ref, (l) => l.cacheId, 'layer');
}

function uniquePrefix<T>(items: T[], ref: string, id: (t: T) => string, what: string): T | undefined {
  if (!HEX.test(ref)) return undefined;
  const hex = ref.replace(/^sha256:/, '');
  const matches = items.filter((t) => id(t).replace(/^sha256:/, '').startsWith(hex));
  if (matches.length > 1) throw new RefError(`${ref}: ambiguous ${what} id prefix (${matches.length} matches)`);
  return matches[0];
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
    if (!layer) throw new RefError(`${ref}: ${base.label} has ${chain.length} layers (0-${chain.length - 1})`);
    return {kind: 'layer', label: `${base.label}@${n}`, top: layer.id, layer, image: base.image, container: base.container};
  }
  const container = () => findContainer(store, ref);
  const image = () => findImage(store, ref);
  const first = prefer === 'container' ? container() ?? image() : image() ?? container();
  if (first) return 'mounts' in first ? containerTarget(first) : imageTarget(first);
  const layer = findLayer(store, ref);
  if (layer) return {kind: 'layer', label: shortId(layer.id), top: layer.id, layer};
  throw new RefError(`${ref}: no such image, container or layer`);
}

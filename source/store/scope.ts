// What an answer is made of, and whether a problem reading the store concerns it. A command about
// one image or container is whole when every problem is about other items of the store; a
// problem it cannot attribute (a damaged catalog file, an item naming no known id) concerns it.
import {basename, dirname} from 'node:path';
import type {Container, Image, Layer, Volume} from './model.js';
import type {Problem} from './problems.js';
import type {Target} from './refs.js';
import type {LayerStore} from './store.js';

/** Ids in any form (`sha256:…`, `<id>-init`) are named by their runs of hex digits; shorter names are too common to tell an item by. */
const HEX_RUN = /[0-9a-f]{32,}/g;

/** The ids or the absolute path by which a problem can name an item. */
function tokensOf(name: string | undefined): string[] {
  if (!name) return [];
  if (name.startsWith('/')) return [name];
  return name.match(HEX_RUN) ?? [];
}

/** Where a layer's files are, and the directory holding them with its siblings (overlay2 `<cache>/diff` and `lower`, containerd `snapshots/<n>/fs`). */
function layerNames(layer: Layer): string[] {
  const holder = ['diff', 'fs'].includes(basename(layer.dir)) ? [dirname(layer.dir)] : [];
  return [layer.id, layer.diffId, layer.cacheId, layer.dir, ...holder].flatMap(tokensOf);
}

function imageNames(image: Image): string[] {
  // An image read from an index: the platforms' manifests and attestations are its blobs too.
  const digests = [...(image.platforms ?? []).map((p) => p.digest), ...(image.attestations ?? []).flatMap((a) => [a.digest, a.layer])];
  return [image.id, ...digests].flatMap(tokensOf);
}

function volumeNames(volume: Volume): string[] {
  const holder = volume.mountpoint && basename(volume.mountpoint) === '_data' ? [dirname(volume.mountpoint)] : [];
  return [volume.anonymous ? volume.name : undefined, volume.mountpoint, ...holder].flatMap(tokensOf);
}

/** Names of items: ids (whole runs of hex digits) and paths, looked up in a problem's text. */
class Names {
  readonly ids = new Set<string>();
  readonly paths = new Set<string>();

  add(list: string[]): void {
    for (const n of list) (n.startsWith('/') ? this.paths : this.ids).add(n);
  }

  /** Whether `text` names one of these, besides those of `except`: an id by its whole run of hex digits, a path as a whole (not the start of a longer name). */
  namedIn(text: string, except?: Names): boolean {
    for (const run of text.match(HEX_RUN) ?? []) if (this.ids.has(run) && !except?.ids.has(run)) return true;
    for (const path of this.paths) {
      if (except?.paths.has(path)) continue;
      for (let i = text.indexOf(path); i >= 0; i = text.indexOf(path, i + 1)) if (!/[\w.-]/.test(text[i + path.length] ?? '')) return true;
    }
    return false;
  }
}

/** Every name of every item of the store: images, layers, containers, volumes, plugins, and the entries readers left out. */
function storeNames(store: LayerStore): Names {
  const names = new Names();
  for (const id of store.problems.leftOut) names.add(tokensOf(id));
  for (const image of store.images.values()) names.add(imageNames(image));
  for (const layer of store.layers.values()) names.add(layerNames(layer));
  for (const c of store.containers) names.add(tokensOf(c.id));
  for (const v of store.volumes) names.add(volumeNames(v));
  for (const p of store.plugins) names.add(tokensOf(p.id));
  return names;
}

/** The items one answer of a store is made of: what a command looked up and read. */
export class AnswerScope {
  private readonly names = new Names();

  constructor(readonly store: LayerStore) {}

  image(image: Image): void {
    this.names.add(imageNames(image));
    // Layers the store could not read are still the image's: a problem naming one concerns it.
    for (const id of image.layers) this.names.add(tokensOf(id));
    this.layers(image.layers.at(-1));
  }

  /** The container's own records (not its layers: `target` adds those when they are read). */
  container(c: Container): void {
    this.names.add(tokensOf(c.id));
  }

  volume(v: Volume): void {
    this.names.add(volumeNames(v));
  }

  /** The layer chain from the bottom up to `top`. */
  layers(top: string | undefined): void {
    for (const layer of top ? this.store.chain(top) : []) this.names.add(layerNames(layer));
  }

  /** An image or container view (its records and every layer of its chain), or a layer's view (`REF@N`: the chain up to it). */
  target(t: Target): void {
    if (t.kind === 'image' && t.image) this.image(t.image);
    if (t.kind === 'container' && t.container) this.container(t.container);
    this.layers(t.top);
  }

  /**
   * Whether `p` may concern this answer: it does unless it names an item of the store outside the
   * answer and nothing inside it. When in doubt, it does.
   */
  concerns(p: Problem, others: Names = storeNames(this.store)): boolean {
    const text = `${p.item}\n${p.message}`;
    return this.names.namedIn(text) || !others.namedIn(text, this.names);
  }

  /** The store's problems that concern this answer. */
  problems(): Problem[] {
    const others = storeNames(this.store);
    return this.store.problemList.filter((p) => this.concerns(p, others));
  }
}

// Swapping a freshly re-read catalog into an open store (the live watcher's re-reads): what is
// gone is forgotten with its cached trees, what stays keeps them.
import type {Container, Layer} from './model.js';
import type {LayerStore} from './store.js';

/** Swap in freshly read image layers (and attestations): layers gone are forgotten, the others keep their trees. */
export function replaceImageLayers(store: LayerStore, fresh: Map<string, Layer>): void {
  for (const [id, layer] of [...store.layers]) {
    if ((layer.kind !== 'image' && layer.kind !== 'attestation') || fresh.has(id)) continue;
    store.invalidate(id);
    store.layers.delete(id);
  }
  for (const [id, layer] of fresh) store.layers.set(id, layer);
}

/** Swap in freshly read containers: the layers of containers gone are forgotten. */
export function replaceContainers(store: LayerStore, fresh: Container[]): void {
  const live = new Set(fresh.map((c) => c.id));
  for (const c of store.containers) {
    if (live.has(c.id)) continue;
    for (const id of [c.rwLayer, c.initLayer]) {
      if (!id) continue;
      store.invalidate(id);
      store.layers.delete(id);
    }
  }
  replaceArray(store.containers, fresh);
}

/** Swap an array's items in place: a loop, as splice(0, n, ...fresh) spreads 130k+ items onto the stack. */
export function replaceArray<T>(target: T[], fresh: readonly T[]): void {
  target.length = 0;
  for (const item of fresh) target.push(item);
}

export function replaceMap<K, V>(target: Map<K, V>, fresh: Map<K, V>): void {
  target.clear();
  for (const [k, v] of fresh) target.set(k, v);
}

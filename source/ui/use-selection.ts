// What the store and layers panes select: the image or container (the target), its layers and
// the selected layer, derived from the state and memoised on the store's version.
import {useEffect, useMemo, useState} from 'react';
import type {Container, Image} from '../store/model.js';
import {shortId} from '../docker/digest.js';
import type {LayerStore} from '../store/store.js';
import {imageLabel, layerRows, storeRows, type LayerRow, type StoreRow} from './rows.js';
import type {State} from './state.js';
import type {StoreAt} from './use-store-at.js';

export interface Selection {
  listRows: StoreRow[];
  storeCursor: number;
  targetId?: string;
  image?: Image;
  container?: Container;
  targetLabel: string;
  /** Top layer of the target's view (a container: its writable layer). */
  top?: string;
  /** Set while the target's layers are read: what is being read. */
  loading?: string;
  layers: LayerRow[];
  layerCursor: number;
  layerRow?: LayerRow;
  layerId?: string;
  /** `name@N` */
  layerLabel: string;
}

/** Read the trees of `ids` one per tick, so a frame saying so is drawn while a big layer is read. */
function useIndexing(store: LayerStore, ids: string[]): string | undefined {
  const [, tick] = useState(0);
  const missing = ids.find((id) => store.layers.has(id) && !store.cachedTree(id));
  useEffect(() => {
    if (!missing) return;
    const timer = setTimeout(() => {
      store.tree(missing);
      tick((n) => n + 1);
    }, 0);
    return () => clearTimeout(timer);
  }, [store, missing]);
  if (!missing) return undefined;
  return `reading layer ${ids.indexOf(missing) + 1}/${ids.length} (${shortId(store.layers.get(missing)!.cacheId)})…`;
}

export function useSelection(at: StoreAt, state: State): Selection {
  const {store} = at;
  const listRows = useMemo(() => storeRows(at.store, state.list), [at, state.list]);
  const storeCursor = Math.max(
    0,
    listRows.findIndex((r) => r.id === state.selected[state.list]),
  );
  const targetRows = useMemo(() => (state.target === state.list ? listRows : storeRows(at.store, state.target)), [at, state.target, state.list, listRows]);
  const targetId = state.selected[state.target] ?? targetRows[0]?.id;
  const container = state.target === 'containers' ? store.containers.find((c) => c.id === targetId) : undefined;
  const image = state.target === 'images' ? store.images.get(targetId ?? '') : container && store.imageOf(container);
  const targetLabel = container ? container.name : image ? imageLabel(image) : '';
  const top = container ? (container.rwLayer ?? container.initLayer ?? container.parentLayer) : image?.layers.at(-1);
  const chainIds = useMemo(() => (top ? at.store.chain(top).map((l) => l.id) : []), [at, top]);
  const loading = useIndexing(store, chainIds);
  const layers = useMemo(() => layerRows(at.store, image, container, !loading), [at, image, container, loading]);
  // A row chosen in another image or container does not apply: the top layer (a container's writable one).
  // (attestation rows have a layer but no index: they are not the image's top)
  const defaultRow = layers.findLastIndex((r) => r.layer !== undefined && r.index !== undefined);
  const chosen = state.layer && state.layer.of === targetId ? state.layer.row : defaultRow;
  const layerCursor = Math.max(0, Math.min(chosen, layers.length - 1));
  const layerRow = layers[layerCursor];
  const layerId = layerRow?.layer?.id;
  const layerLabel = layerRow?.index !== undefined ? `${targetLabel}@${layerRow.index}` : targetLabel;
  return {listRows, storeCursor, targetId, image, container, targetLabel, top, loading, layers, layerCursor, layerRow, layerId, layerLabel};
}

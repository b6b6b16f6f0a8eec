// `docker history` rows for an image (moby daemon/images/image_history.go).
import {humanSize} from '../tree/human.js';
import type {Image} from './model.js';
import {rfc3339} from './volumes.js';
import type {LayerStore} from './store.js';

export interface HistoryRow {
  ID: string;
  CreatedAt?: string;
  CreatedBy: string;
  Comment: string;
  Size: number;
  SizeHuman: string;
  EmptyLayer: boolean;
  /** Index of the layer this entry made (bottom = 0), for `IMAGE@N`. */
  Layer?: number;
}

/** `docker history`: newest first; ids of the image and its parents fill the first rows. */
export function historyRows(store: LayerStore, image: Image): HistoryRow[] {
  let layer = 0;
  const rows = image.history.map((h): HistoryRow => {
    const index = h.emptyLayer ? undefined : layer++;
    const size = index === undefined ? 0 : (store.layers.get(image.layers[index] ?? '')?.size ?? 0);
    return {
      ID: '<missing>',
      CreatedAt: h.created ? rfc3339(new Date(h.created)) : undefined,
      CreatedBy: h.createdBy,
      Comment: h.comment ?? '',
      Size: size,
      SizeHuman: humanSize(size, 3),
      EmptyLayer: h.emptyLayer,
      Layer: index,
    };
  });
  rows.reverse();
  let current: Image | undefined = image;
  for (const row of rows) {
    if (!current) break;
    row.ID = current.id;
    current = current.parent ? store.images.get(current.parent) : undefined;
  }
  return rows;
}

// Where the panes go for a terminal size, from 60x20 to 250x70: header, a top row (store |
// layers), the detail pane, one status line and a footer. Panes collapse by priority: below
// TWO_COLUMNS columns the top row shows only the store or the layers (the focused one; layers
// otherwise), and on short terminals the top row gives rows to the detail pane first.
import type {PaneId} from './state.js';

export interface Layout {
  columns: number;
  rows: number;
  topHeight: number;
  detailHeight: number;
  storeWidth: number;
  layersWidth: number;
}

const TWO_COLUMNS = 70;
/** Header, status line and footer. */
const CHROME = 3;

export function layout(columns: number, rows: number, focus: PaneId): Layout {
  const body = Math.max(8, rows - CHROME);
  const topHeight = Math.max(6, Math.min(Math.floor(body * 0.38), 16));
  const detailHeight = Math.max(5, body - topHeight);
  let storeWidth = 0;
  let layersWidth = columns;
  if (columns >= TWO_COLUMNS) {
    storeWidth = Math.max(31, Math.min(Math.floor(columns * 0.34), 60));
    layersWidth = columns - storeWidth;
  } else if (focus === 'store') {
    storeWidth = columns;
    layersWidth = 0;
  }
  return {columns, rows, topHeight, detailHeight, storeWidth, layersWidth};
}

// The explorer's state and its reducer: what is selected and how each pane is shown. Selections
// are ids and paths, not row numbers, so live updates that add or remove rows keep them.
import {BIT, DEFAULT_VIEW, revealPath, type Mark, type TreeView} from './file-tree.js';
import type {StoreList} from './rows.js';

export const PANES = ['store', 'layers', 'files', 'writable', 'mounts', 'view', 'compare'] as const;
export type PaneId = (typeof PANES)[number];
export const PANE_TITLES: Record<PaneId, string> = {store: 'Store', layers: 'Layers', files: 'Files', writable: 'Writable', mounts: 'Mounts', view: 'View', compare: 'Compare'};
/** Panes shown in the large bottom area, one at a time. */
export type DetailPane = Exclude<PaneId, 'store' | 'layers'>;

export interface TreeState {
  view: TreeView;
  /** 'changes': the layer's own changes; 'merged': the whole view up to the layer. */
  mode: 'changes' | 'merged';
  cursor: number;
  /** The path under the cursor: the cursor follows it when rows change. */
  path?: string;
  filter: string;
  search: string;
}

/** Something with layers to compare: its label and the top layer of its view. */
export interface Side {
  label: string;
  top?: string;
}

export interface FileView {
  path: string;
  /** Top layer of the view the file is read from, and its label. */
  top: string;
  label: string;
  offset: number;
  hex: boolean;
  /** Showing a diff against this view instead of the content. */
  diff?: Side;
  diffScroll: number;
}

export interface State {
  focus: PaneId;
  detail: DetailPane;
  list: StoreList;
  /** The list whose selection the layer and file panes show (volumes have no layers). */
  target: 'images' | 'containers';
  /** Selected id in each store list. */
  selected: Record<StoreList, string | undefined>;
  /** Row of the layers pane; undefined: the top layer. */
  layerRow?: number;
  trees: {files: TreeState; compare: TreeState};
  writableRow: number;
  view?: FileView;
  mark?: Side;
  compare?: {a: Side; b: Side};
  input?: {purpose: 'search' | 'filter'; tree: 'files' | 'compare'; text: string};
  overlay?: 'help' | 'problems';
  message?: string;
}

const TREE: TreeState = {view: DEFAULT_VIEW, mode: 'changes', cursor: 0, filter: '', search: ''};

export function initialState(): State {
  return {
    focus: 'store',
    detail: 'files',
    list: 'images',
    target: 'images',
    selected: {images: undefined, containers: undefined, volumes: undefined},
    trees: {files: TREE, compare: TREE},
    writableRow: 0,
  };
}

export type Action =
  | {type: 'focus'; pane: PaneId}
  | {type: 'cyclePane'; by: 1 | -1}
  | {type: 'list'; list: StoreList}
  | {type: 'select'; list: StoreList; id: string | undefined}
  | {type: 'layerRow'; row: number | undefined}
  | {type: 'treeCursor'; tree: 'files' | 'compare'; cursor: number; path?: string}
  | {type: 'treeView'; tree: 'files' | 'compare'; view: Partial<TreeView>}
  | {type: 'toggleMark'; tree: 'files' | 'compare'; mark: Mark}
  | {type: 'toggleMode'}
  | {type: 'reveal'; tree: 'files' | 'compare'; path: string}
  | {type: 'treeText'; tree: 'files' | 'compare'; filter?: string; search?: string}
  | {type: 'writableRow'; row: number}
  | {type: 'openFile'; view: Omit<FileView, 'offset' | 'hex' | 'diffScroll'> & {hex: boolean}}
  | {type: 'viewOffset'; offset: number}
  | {type: 'viewScroll'; scroll: number}
  | {type: 'viewHex'}
  | {type: 'viewDiff'; against: Side | undefined}
  | {type: 'mark'; side: Side}
  | {type: 'compare'; a: Side; b: Side}
  | {type: 'input'; input: State['input']}
  | {type: 'overlay'; overlay: State['overlay']}
  | {type: 'message'; message: string | undefined};

function withTree(state: State, tree: 'files' | 'compare', patch: Partial<TreeState>): State {
  return {...state, trees: {...state.trees, [tree]: {...state.trees[tree], ...patch}}};
}

export function reduce(state: State, action: Action): State {
  switch (action.type) {
    case 'focus':
      return {...state, focus: action.pane, detail: isDetail(action.pane) ? action.pane : state.detail, overlay: undefined};
    case 'cyclePane': {
      const i = (PANES.indexOf(state.focus) + action.by + PANES.length) % PANES.length;
      return reduce(state, {type: 'focus', pane: PANES[i]!});
    }
    case 'list':
      return {...state, list: action.list, target: action.list === 'volumes' ? state.target : action.list};
    case 'select':
      if (state.selected[action.list] === action.id) return state;
      // A new image or container starts on its top layer with a fresh file cursor.
      return {...withTree(state, 'files', {cursor: 0, path: undefined}), selected: {...state.selected, [action.list]: action.id}, layerRow: undefined, writableRow: 0};
    case 'layerRow':
      return {...withTree(state, 'files', {cursor: 0, path: undefined}), layerRow: action.row};
    case 'treeCursor':
      return withTree(state, action.tree, {cursor: action.cursor, path: action.path});
    case 'treeView':
      return withTree(state, action.tree, {view: {...state.trees[action.tree].view, ...action.view}});
    case 'toggleMark': {
      const view = state.trees[action.tree].view;
      return withTree(state, action.tree, {view: {...view, hidden: view.hidden ^ BIT[action.mark]}});
    }
    case 'toggleMode':
      return withTree(state, 'files', {mode: state.trees.files.mode === 'changes' ? 'merged' : 'changes'});
    case 'reveal': {
      const tree = state.trees[action.tree];
      return withTree(state, action.tree, {view: {...tree.view, toggled: revealPath(tree.view, action.path)}, path: action.path});
    }
    case 'treeText': {
      const patch: Partial<TreeState> = {};
      if (action.search !== undefined) patch.search = action.search;
      if (action.filter !== undefined) patch.filter = action.filter;
      return withTree(state, action.tree, patch);
    }
    case 'writableRow':
      return {...state, writableRow: action.row};
    case 'openFile':
      return {...state, view: {...action.view, offset: 0, diffScroll: 0}, focus: 'view', detail: 'view'};
    case 'viewOffset':
      return state.view ? {...state, view: {...state.view, offset: action.offset}} : state;
    case 'viewScroll':
      return state.view ? {...state, view: {...state.view, diffScroll: action.scroll}} : state;
    case 'viewHex':
      return state.view ? {...state, view: {...state.view, hex: !state.view.hex, offset: 0}} : state;
    case 'viewDiff':
      return state.view ? {...state, view: {...state.view, diff: action.against, diffScroll: 0}} : state;
    case 'mark':
      return {...state, mark: action.side, message: `marked ${action.side.label}: select another and press c to compare`};
    case 'compare':
      return {...withTree(state, 'compare', {cursor: 0, path: undefined}), compare: {a: action.a, b: action.b}, focus: 'compare', detail: 'compare'};
    case 'input':
      return {...state, input: action.input};
    case 'overlay':
      return {...state, overlay: state.overlay === action.overlay ? undefined : action.overlay};
    case 'message':
      return {...state, message: action.message};
  }
}

export function isDetail(pane: PaneId): pane is DetailPane {
  return pane !== 'store' && pane !== 'layers';
}

/** A cursor moved by `by` rows and kept inside `count` rows (count undefined: not known yet). */
export function clampCursor(cursor: number, by: number, count: number | undefined): number {
  const next = cursor + by;
  return Math.max(0, count === undefined ? next : Math.min(next, count - 1));
}

/** The first visible row of a window of `height` rows that keeps `cursor` in view, moving as little as possible. */
export function windowStart(previous: number, cursor: number, height: number, count: number): number {
  let top = Math.min(previous, Math.max(0, count - height));
  if (cursor < top) top = cursor;
  else if (cursor >= top + height) top = cursor - height + 1;
  return Math.max(0, top);
}

// The explorer's state and its reducer: what is selected and how each pane is shown. Selections
// are ids and paths, not row numbers, so live updates that add or remove rows keep them, and a
// file stays selected while the layer, image or container under it changes.
import {BIT, DEFAULT_VIEW, revealPath, type Mark, type TreeView} from './file-tree.js';
import type {StoreList} from './rows.js';

export const PANES = ['store', 'layers', 'files', 'writable', 'mounts', 'view', 'compare', 'details', 'volume'] as const;
export type PaneId = (typeof PANES)[number];
export const PANE_TITLES: Record<PaneId, string> = {
  store: 'Store',
  layers: 'Layers',
  files: 'Files',
  writable: 'Writable',
  mounts: 'Mounts',
  view: 'View',
  compare: 'Compare',
  details: 'Details',
  volume: 'Volume',
};
/** Panes shown in the large bottom area, one at a time. */
export type DetailPane = Exclude<PaneId, 'store' | 'layers'>;
export type TreeId = 'files' | 'compare';

export interface TreeState {
  view: TreeView;
  /** 'changes': the layer's own changes; 'merged': the whole view up to the layer. */
  mode: 'changes' | 'merged';
  cursor: number;
  /**
   * The path the user selected. The cursor shows it, or its nearest shown ancestor when the
   * tree under it changed (another layer, image or container) — and finds it again later.
   */
  path?: string;
  filter: string;
  search: string;
  sort: 'name' | 'size';
}

/** Something with layers to compare: its label and the top layer of its view. */
export interface Side {
  label: string;
  top?: string;
  /** The image or container it was taken from; `layer`: one of its layers, not the whole of it. */
  of?: string;
  layer?: boolean;
}

export interface FileView {
  path: string;
  /** Top layer of the view the file is read from, and its label (for a file opened in Files: the selected layer, followed). */
  top: string;
  label: string;
  /** The pane it was opened from: q / Esc go back there, on this file. */
  from: TreeId | 'writable';
  /** Opened in Files: the view follows the selected layer. */
  follow: boolean;
  offset: number;
  hex: boolean;
  /** Showing a diff against this view instead of the content (`after`: it is the newer side). */
  diff?: Side & {after?: boolean};
  diffScroll: number;
}

export interface Input {
  purpose: 'search' | 'filter' | 'extract';
  tree: TreeId;
  text: string;
  /** For extract: the top layer and path to write out. */
  source?: {top: string; path: string};
}

export interface State {
  focus: PaneId;
  detail: DetailPane;
  list: StoreList;
  /** The list whose selection the layer and file panes show (volumes have no layers). */
  target: 'images' | 'containers';
  /** Selected id in each store list. */
  selected: Record<StoreList, string | undefined>;
  /** Row of the layers pane, for the image or container `of`; otherwise the top (writable) layer. */
  layer?: {of: string; row: number};
  trees: Record<TreeId, TreeState>;
  writableRow: number;
  detailsRow: number;
  view?: FileView;
  mark?: Side;
  compare?: {a: Side; b: Side};
  /** Attribute columns (mode, owner) in file trees: shown or not (undefined: when there is room). */
  attrs?: boolean;
  input?: Input;
  overlay?: 'help' | 'problems';
  helpScroll: number;
  message?: string;
}

const TREE: TreeState = {view: DEFAULT_VIEW, mode: 'changes', cursor: 0, filter: '', search: '', sort: 'name'};

export function initialState(): State {
  return {
    focus: 'store',
    detail: 'files',
    list: 'images',
    target: 'images',
    selected: {images: undefined, containers: undefined, volumes: undefined},
    trees: {files: TREE, compare: TREE},
    writableRow: 0,
    detailsRow: 0,
    helpScroll: 0,
  };
}

export type Action =
  | {type: 'focus'; pane: PaneId}
  | {type: 'cyclePane'; by: 1 | -1}
  | {type: 'list'; list: StoreList}
  | {type: 'select'; list: StoreList; id: string | undefined}
  | {type: 'layerRow'; of: string; row: number}
  | {type: 'treeCursor'; tree: TreeId; cursor: number; path?: string}
  | {type: 'treeView'; tree: TreeId; view: Partial<TreeView>}
  | {type: 'toggleMark'; tree: TreeId; mark: Mark}
  | {type: 'mode'; mode: TreeState['mode'] | 'toggle'}
  | {type: 'sort'; tree: TreeId}
  | {type: 'attrs'; on: boolean}
  | {type: 'reveal'; tree: TreeId; path: string; focus?: boolean}
  | {type: 'treeText'; tree: TreeId; filter?: string; search?: string}
  | {type: 'writableRow'; row: number}
  | {type: 'detailsRow'; row: number}
  | {type: 'openFile'; view: Omit<FileView, 'offset' | 'hex' | 'diffScroll'> & {hex: boolean}}
  | {type: 'closeFile'}
  | {type: 'viewOffset'; offset: number}
  | {type: 'viewScroll'; scroll: number}
  | {type: 'viewHex'}
  | {type: 'viewDiff'; against: FileView['diff']}
  | {type: 'mark'; side: Side | undefined}
  | {type: 'compare'; a: Side; b: Side}
  | {type: 'input'; input: State['input']}
  | {type: 'overlay'; overlay: State['overlay']}
  | {type: 'helpScroll'; scroll: number}
  | {type: 'message'; message: string | undefined};

function withTree(state: State, tree: TreeId, patch: Partial<TreeState>): State {
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
      // Volumes have no layers: the bottom shows the volume (pane 9); Files (3) lists its _data.
      return {
        ...state,
        list: action.list,
        target: action.list === 'volumes' ? state.target : action.list,
        detail: action.list === 'volumes' ? 'volume' : state.detail,
      };
    case 'select':
      // The layer row belongs to the image or container it was chosen in (`layer.of`): a new
      // selection shows its top layer; the selected path stays and is looked up in the new tree.
      return state.selected[action.list] === action.id
        ? state
        : {...state, selected: {...state.selected, [action.list]: action.id}, writableRow: 0, detailsRow: 0};
    case 'layerRow':
      return {...state, layer: {of: action.of, row: action.row}};
    case 'treeCursor':
      return withTree(state, action.tree, {cursor: action.cursor, path: action.path});
    case 'treeView':
      return withTree(state, action.tree, {view: {...state.trees[action.tree].view, ...action.view}});
    case 'toggleMark': {
      const view = state.trees[action.tree].view;
      return withTree(state, action.tree, {view: {...view, hidden: view.hidden ^ BIT[action.mark]}});
    }
    case 'mode': {
      const mode = action.mode === 'toggle' ? (state.trees.files.mode === 'changes' ? 'merged' : 'changes') : action.mode;
      return withTree(state, 'files', {mode});
    }
    case 'sort':
      return withTree(state, action.tree, {sort: state.trees[action.tree].sort === 'name' ? 'size' : 'name'});
    case 'attrs':
      return {...state, attrs: action.on};
    case 'reveal': {
      // A path whose directories are all expanded already keeps the view (and so its flattened rows).
      const {view} = state.trees[action.tree];
      const toggled = revealPath(view, action.path);
      const next = withTree(state, action.tree, {view: toggled === view.toggled ? view : {...view, toggled}, path: action.path});
      return action.focus ? {...next, focus: action.tree, detail: action.tree} : next;
    }
    case 'treeText': {
      const patch: Partial<TreeState> = {};
      if (action.search !== undefined) patch.search = action.search;
      if (action.filter !== undefined) patch.filter = action.filter;
      return withTree(state, action.tree, patch);
    }
    case 'writableRow':
      return {...state, writableRow: action.row};
    case 'detailsRow':
      return {...state, detailsRow: action.row};
    case 'openFile':
      return {...state, view: {...action.view, offset: 0, diffScroll: 0}, focus: 'view', detail: 'view'};
    case 'closeFile': {
      // Back to the pane the file was opened from, on that file.
      const v = state.view;
      if (!v) return state;
      if (v.from === 'writable') return {...state, focus: 'writable', detail: 'writable'};
      return reduce(state, {type: 'reveal', tree: v.from, path: v.path, focus: true});
    }
    case 'viewOffset':
      return state.view ? {...state, view: {...state.view, offset: action.offset}} : state;
    case 'viewScroll':
      return state.view ? {...state, view: {...state.view, diffScroll: action.scroll}} : state;
    case 'viewHex':
      return state.view ? {...state, view: {...state.view, hex: !state.view.hex, offset: 0}} : state;
    case 'viewDiff':
      return state.view ? {...state, view: {...state.view, diff: action.against, diffScroll: 0}} : state;
    case 'mark':
      return {
        ...state,
        mark: action.side,
        message: action.side ? `marked ${action.side.label}: select another and press c to compare` : `unmarked ${state.mark?.label}`,
      };
    case 'compare':
      return {...withTree(state, 'compare', {cursor: 0, path: undefined}), compare: {a: action.a, b: action.b}, focus: 'compare', detail: 'compare'};
    case 'input':
      return {...state, input: action.input};
    case 'overlay':
      return {...state, overlay: state.overlay === action.overlay ? undefined : action.overlay, helpScroll: 0};
    case 'helpScroll':
      return {...state, helpScroll: action.scroll};
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

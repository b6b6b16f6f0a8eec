// What a command does in each pane. Handlers get the state and what the panes show, and only
// dispatch actions (reading a file's first bytes to choose text or hex is the one store read).
import type {Dispatch} from 'react';
import {readRange} from '../store/content.js';
import type {LayerStore} from '../store/store.js';
import {lookup} from '../tree/entry.js';
import type {DetailLine} from './details.js';
import {isExpanded, type FileNode} from './file-tree.js';
import {looksBinary} from './file-page.js';
import type {Command} from './keys.js';
import {STORE_LISTS} from './rows.js';
import {searchIndex} from './search.js';
import {clampCursor, PANES, type Action, type FileView, type Side, type State, type TreeId} from './state.js';
import type {TreeModel} from './use-tree.js';
import type {Selection} from './use-selection.js';
import type {ViewData} from './use-file-view.js';
import type {Change} from '../tree/changes.js';

export interface KeyContext {
  state: State;
  dispatch: Dispatch<Action>;
  store: LayerStore;
  sel: Selection;
  trees: Record<TreeId, TreeModel>;
  viewData: ViewData;
  details: DetailLine[];
  writable?: Change[];
  /** Whether the attribute columns are shown now. */
  attrs: boolean;
  /** Rows a page moves. */
  page: number;
  exit: () => void;
}

type OpenSpec = Pick<FileView, 'path' | 'top' | 'label' | 'from' | 'follow' | 'diff'>;

/** Open a file in the file view (a link or a directory says what it is instead). */
export function openFile(ctx: KeyContext, spec: Omit<OpenSpec, 'top'> & {top?: string}): void {
  const {store, dispatch} = ctx;
  if (!spec.top) return;
  try {
    const head = readRange(store, spec.top, spec.path, 0, 8000);
    dispatch({type: 'openFile', view: {...spec, top: spec.top, hex: looksBinary(head.bytes)}});
  } catch (err) {
    const node = lookup(store.merged(spec.top), spec.path);
    dispatch({type: 'message', message: node?.meta.target !== undefined ? `${spec.path} → ${node.meta.target} (a link)` : (err as Error).message});
  }
}

function move(count: number | undefined, cursor: number, cmd: Command, page: number): number | undefined {
  if (cmd === 'home') return 0;
  if (cmd === 'end') return count === undefined ? undefined : count - 1;
  const by = {up: -1, down: 1, pageUp: -page, pageDown: page}[cmd as 'up'];
  return by === undefined ? undefined : clampCursor(cursor, by, count);
}

export function search(ctx: KeyContext, which: TreeId, text: string, from: string | undefined, backwards: boolean): void {
  const source = ctx.trees[which].source;
  if (!text || !source) return;
  const hit = searchIndex(source).seek(text, from, backwards);
  if (!hit) return ctx.dispatch({type: 'message', message: `no path matches "${text}"`});
  ctx.dispatch({type: 'reveal', tree: which, path: hit.node.path});
  ctx.dispatch({type: 'message', message: `"${text}": match ${hit.n} of ${hit.m}`});
}

/** The file or directory under the cursor of the focused pane, and the view it is read from. */
function selectedEntry(ctx: KeyContext): {top?: string; path: string; label: string} | undefined {
  const {state, sel} = ctx;
  if (state.focus === 'view') return ctx.viewData.view && {top: ctx.viewData.view.top, path: ctx.viewData.view.path, label: ctx.viewData.view.label};
  if (state.focus !== 'files' && state.focus !== 'compare') return undefined;
  const node = ctx.trees[state.focus].node;
  if (!node) return undefined;
  if (state.focus === 'files')
    return node.kind === 'D'
      ? {top: sel.layerRow?.layer?.parent, path: node.path, label: `below ${sel.layerLabel}`}
      : {top: sel.layerId, path: node.path, label: sel.layerLabel};
  const side = node.kind === 'D' ? state.compare?.a : state.compare?.b;
  return side && {top: side.top, path: node.path, label: side.label};
}

export function handleCommand(ctx: KeyContext, cmd: Command, arg?: number): void {
  const {state, dispatch, sel} = ctx;
  switch (cmd) {
    case 'quit':
      return ctx.exit();
    case 'help':
    case 'problems':
      return dispatch({type: 'overlay', overlay: cmd});
    case 'nextPane':
    case 'prevPane':
      return dispatch({type: 'cyclePane', by: cmd === 'nextPane' ? 1 : -1});
    case 'pane':
      return dispatch({type: 'focus', pane: PANES[(arg ?? 1) - 1]!});
    case 'mark':
    case 'compare': {
      const side: Side | undefined =
        state.focus === 'layers' && sel.layerRow?.layer
          ? {label: sel.layerLabel, top: sel.layerId, of: sel.targetId, layer: true}
          : sel.image || sel.container
            ? {label: sel.targetLabel, top: sel.top, of: sel.targetId}
            : undefined;
      if (!side) return;
      // m again on the marked selection takes the mark off.
      const again = state.mark?.top === side.top && state.mark?.label === side.label;
      if (cmd === 'mark') return dispatch({type: 'mark', side: again ? undefined : side});
      if (!state.mark) return dispatch({type: 'message', message: 'mark something first (m), then select another and press c'});
      return dispatch({type: 'compare', a: state.mark, b: side});
    }
    case 'extract': {
      const entry = selectedEntry(ctx);
      if (!entry?.top) return dispatch({type: 'message', message: 'select a file or directory to extract'});
      const name = entry.path.slice(entry.path.lastIndexOf('/') + 1) || 'root';
      return dispatch({type: 'input', input: {purpose: 'extract', tree: 'files', text: `./${name}`, source: {top: entry.top, path: entry.path}}});
    }
    case 'attrs':
      return dispatch({type: 'attrs', on: !ctx.attrs});
  }
  switch (state.focus) {
    case 'store':
      return storeKeys(ctx, cmd);
    case 'layers': {
      if (cmd === 'enter') return dispatch({type: 'focus', pane: 'files'});
      if (cmd === 'showMerged' || cmd === 'showChanges') return dispatch({type: 'mode', mode: cmd === 'showMerged' ? 'merged' : 'changes'});
      const to = move(sel.layers.length, sel.layerCursor, cmd, ctx.page);
      if (to !== undefined && sel.targetId) dispatch({type: 'layerRow', of: sel.targetId, row: to});
      return;
    }
    case 'files':
    case 'compare':
      return treeKeys(ctx, cmd, state.focus);
    case 'volume':
      if (cmd === 'enter') dispatch({type: 'focus', pane: 'files'});
      return;
    case 'writable': {
      const {writable} = ctx;
      const c = sel.container;
      if (!writable || !c) return;
      if (cmd === 'enter') {
        const ch = writable[state.writableRow];
        if (ch)
          openFile(ctx, {
            top: ch.kind === 'D' ? (c.initLayer ?? c.parentLayer) : c.rwLayer,
            label: ch.kind === 'D' ? `${c.name} image` : c.name,
            path: ch.path,
            from: 'writable',
            follow: false,
          });
        return;
      }
      const to = move(writable.length, state.writableRow, cmd, ctx.page);
      if (to !== undefined) dispatch({type: 'writableRow', row: to});
      return;
    }
    case 'details': {
      if (cmd === 'enter') {
        const path = ctx.details[state.detailsRow]?.path;
        if (!path) return;
        // The inefficient file in the merged view of the image's top layer.
        if (sel.targetId) dispatch({type: 'layerRow', of: sel.targetId, row: sel.layers.findLastIndex((r) => r.layer?.kind === 'image')});
        dispatch({type: 'mode', mode: 'merged'});
        return dispatch({type: 'reveal', tree: 'files', path, focus: true});
      }
      const to = move(ctx.details.length, state.detailsRow, cmd, ctx.page);
      if (to !== undefined) dispatch({type: 'detailsRow', row: to});
      return;
    }
    case 'view':
      return viewKeys(ctx, cmd);
  }
}

function storeKeys(ctx: KeyContext, cmd: Command): void {
  const {state, dispatch, sel} = ctx;
  const i = STORE_LISTS.indexOf(state.list);
  if (cmd === 'left' || cmd === 'right') return dispatch({type: 'list', list: STORE_LISTS[(i + (cmd === 'left' ? 2 : 1)) % 3]!});
  if (cmd === 'enter') {
    return dispatch({type: 'focus', pane: state.list === 'volumes' ? 'volume' : 'layers'});
  }
  const to = move(sel.listRows.length, sel.storeCursor, cmd, ctx.page);
  if (to !== undefined) dispatch({type: 'select', list: state.list, id: sel.listRows[to]?.id});
}

function treeKeys(ctx: KeyContext, cmd: Command, which: TreeId): void {
  const {state, dispatch, sel} = ctx;
  const {flat, source, cursor} = ctx.trees[which];
  const ts = state.trees[which];
  if (cmd === 'toggleMerged' && which === 'files') return dispatch({type: 'mode', mode: 'toggle'});
  // The filter prompt opens empty (Enter on empty clears the filter); search starts afresh too.
  if (cmd === 'search' || cmd === 'filter') return dispatch({type: 'input', input: {purpose: cmd, tree: which, text: ''}});
  if (cmd === 'sort') return dispatch({type: 'sort', tree: which});
  const hide = {hideA: 'A', hideD: 'D', hideC: 'C', hideU: 'U'} as const;
  if (cmd in hide) return dispatch({type: 'toggleMark', tree: which, mark: hide[cmd as keyof typeof hide]});
  if (cmd === 'toggleAll') return dispatch({type: 'treeView', tree: which, view: {collapsed: !ts.view.collapsed, toggled: new Set()}});
  if (!flat || !source) return;
  const go = (to: number) => {
    flat.ensure(to);
    const i = Math.max(0, Math.min(to, flat.rows.length - 1));
    dispatch({type: 'treeCursor', tree: which, cursor: i, path: flat.rows[i]?.path});
  };
  const node: FileNode | undefined = flat.rows[cursor];
  if (cmd === 'nextMatch' || cmd === 'prevMatch') return search(ctx, which, ts.search, node?.path, cmd === 'prevMatch');
  if (cmd === 'end') return go(flat.count() - 1);
  const to = move(undefined, cursor, cmd, ctx.page);
  if (to !== undefined) return go(to);
  if (!node) return;
  const expanded = isExpanded(flat.view, node);
  if (cmd === 'left' && !expanded) {
    for (let i = cursor - 1; i >= 0; i--) if (flat.rows[i]!.depth < node.depth) return go(i);
    return;
  }
  if ((cmd === 'right' && node.open && !expanded) || (cmd === 'left' && expanded) || cmd === 'toggleDir' || (cmd === 'enter' && node.open)) {
    if (!node.open) return;
    const toggled = new Set(ts.view.toggled);
    if (toggled.has(node.path)) toggled.delete(node.path);
    else toggled.add(node.path);
    return dispatch({type: 'treeView', tree: which, view: {toggled}});
  }
  if (cmd !== 'enter') return;
  if (which === 'files' && state.list === 'volumes') {
    dispatch({type: 'message', message: `${node.path}: a volume's files are listed, not opened (they are not in a layer)`});
  } else if (which === 'files') {
    const gone = node.kind === 'D';
    openFile(ctx, {
      top: gone ? sel.layerRow?.layer?.parent : sel.layerId,
      label: gone ? `below ${sel.layerLabel}` : sel.layerLabel,
      path: node.path,
      from: 'files',
      follow: !gone,
    });
  } else if (which === 'compare' && state.compare) {
    const {a, b} = state.compare;
    openFile(ctx, {top: node.kind === 'D' ? a.top : b.top, label: node.kind === 'D' ? a.label : b.label, path: node.path, from: 'compare', follow: false});
  }
}

function viewKeys(ctx: KeyContext, cmd: Command): void {
  const {state, dispatch, store, viewData} = ctx;
  const v = viewData.view;
  if (cmd === 'back') return dispatch({type: 'closeFile'});
  if (!v) return;
  if (cmd === 'hex') return dispatch({type: 'viewHex'});
  if (cmd === 'diff') {
    if (v.diff) return dispatch({type: 'viewDiff', against: undefined});
    // Opened in Compare: the two compared trees, older side first.
    if (v.from === 'compare' && state.compare) {
      const {a, b} = state.compare;
      return dispatch({type: 'viewDiff', against: v.top === b.top ? a : {...b, after: true}});
    }
    const below = store.layers.get(v.top)?.parent;
    const against = state.mark?.top && state.mark.top !== v.top ? state.mark : {label: below ? 'the layer below' : 'nothing (bottom layer)', top: below};
    return dispatch({type: 'viewDiff', against});
  }
  if (viewData.diff) {
    const to = move(viewData.diff.length, v.diffScroll, cmd, ctx.page);
    if (to !== undefined) dispatch({type: 'viewScroll', scroll: to});
    return;
  }
  const page = viewData.page;
  const offsets = page && {up: page.up, down: page.down, pageUp: page.pageUp, pageDown: page.pageDown, home: 0, end: page.end};
  const to = offsets?.[cmd as keyof typeof offsets];
  if (to !== undefined) dispatch({type: 'viewOffset', offset: to});
}

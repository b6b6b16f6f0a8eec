// The explorer: the store and layers panes on top, one detail pane below (files, writable layer,
// mounts, file view, compare), a status line. State lives in a reducer; everything shown is
// derived from the store and memoised on a version that live updates bump.
import {Box, Text, useApp, useInput, type Key} from 'ink';
import {useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState} from 'react';
import {ContentError, readRange, viewEntry} from '../store/content.js';
import type {Container, Image} from '../store/model.js';
import {resolve} from '../store/refs.js';
import {DockerStore, shortId, type LayerStore} from '../store/store.js';
import {watchStore} from '../store/watch.js';
import {lookup} from '../tree/entry.js';
import {humanSize, modeString} from '../tree/human.js';
import {changesSource, filterPaths, FlatTree, isExpanded, mergedSource, type FileNode, type TreeSource, type TreeView} from './file-tree.js';
import {fileDiff, hexPage, looksBinary, textPage, type Reader} from './file-page.js';
import {FileViewPane} from './FileViewPane.js';
import {commandFor, splitKeys, type Command} from './keymap.js';
import {LayersPane} from './LayersPane.js';
import {findMatch, searchIndex} from './search.js';
import {StorePane} from './StorePane.js';
import {MountsPane} from './MountsPane.js';
import {HelpOverlay, ProblemsOverlay} from './Overlay.js';
import {inner} from './Pane.js';
import {containerLine, imageLabel, layerRows, mountRows, storeRows, STORE_LISTS, type LayerRow} from './rows.js';
import {clampCursor, initialState, PANE_TITLES, PANES, reduce, type Side, type State, type TreeState} from './state.js';
import {tone} from './theme.js';
import {TreePane} from './TreePane.js';
import {useTerminalSize} from './use-terminal-size.js';
import {WritablePane} from './WritablePane.js';

export interface AppProps {
  store: LayerStore;
  /** `NAME` or `NAME@N`: open with that image, container or layer selected. */
  select?: string;
  /** Follow the root live (Docker roots only). */
  live?: boolean;
}

/** The state `--select` asks for. */
export function selectState(store: LayerStore, select: string | undefined): State {
  const state = initialState();
  if (!select) return state;
  try {
    const t = resolve(store, select);
    const list = t.container ? 'containers' : 'images';
    const id = t.container?.id ?? t.image?.id;
    if (!id) return {...state, message: `${select}: a layer without an image or container; select its image instead`};
    const base = {...state, list, target: list, selected: {...state.selected, [list]: id}, focus: 'layers'} as State;
    if (t.kind !== 'layer' || !t.layer) return base;
    const row = layerRows(store, t.image ?? (t.container && store.imageOf(t.container)), t.container, false).findIndex((r) => r.layer?.id === t.layer!.id);
    return {...base, layerRow: row >= 0 ? row : undefined};
  } catch (err) {
    return {...state, message: (err as Error).message};
  }
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

/** Keys closer together than this are typing or key repeat: background work waits for a pause. */
const IDLE_MS = 100;

/**
 * List `source` for search in short slices when no key has come for a while, so a search finds
 * it ready and the slices (and their garbage) stay out of the way of key presses.
 */
function usePreparedSearch(source: TreeSource | undefined, lastKey: {readonly current: number}): void {
  useEffect(() => {
    if (!source) return;
    const index = searchIndex(source);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const slice = (): void => {
      const wait = lastKey.current + IDLE_MS - performance.now();
      if (wait > 0) timer = setTimeout(slice, wait);
      else timer = index.build(2) ? undefined : setTimeout(slice, 0);
    };
    timer = setTimeout(slice, 0);
    return () => clearTimeout(timer);
  }, [source, lastKey]);
}

/** The visible rows of a tree; expanding or collapsing a directory keeps the rows above it. */
function useFlatTree(source: TreeSource | undefined, view: TreeView, only: ReadonlySet<string> | undefined): FlatTree | undefined {
  const last = useRef<FlatTree | undefined>(undefined);
  const flat = useMemo(() => source && FlatTree.next(last.current, source, {...view, only}), [source, view, only]);
  last.current = flat;
  return flat;
}

/** The cursor row of a tree: it follows the selected path when rows move under it. */
function treeCursor(flat: FlatTree | undefined, ts: TreeState): number {
  if (!flat) return 0;
  flat.ensure(ts.cursor);
  if (ts.path && flat.rows[ts.cursor]?.path !== ts.path) {
    const i = flat.indexOf(ts.path);
    if (i >= 0) return i;
  }
  return Math.min(ts.cursor, Math.max(0, flat.rows.length - 1));
}

/** Reads the file at `path` in the view topped by `top`, if the view has it as a file. */
function readerFor(store: LayerStore, top: string | undefined, path: string): Reader | undefined {
  if (!top) return undefined;
  try {
    if (viewEntry(store, top, path).meta.kind !== 'file') return undefined;
  } catch (err) {
    if (err instanceof ContentError) return undefined;
    throw err;
  }
  return (offset, length) => readRange(store, top, path, offset, length);
}

export function App({store, select, live = true}: AppProps) {
  const {exit} = useApp();
  const [state, dispatch] = useReducer(reduce, undefined, () => selectState(store, select));
  const [version, setVersion] = useState(0);
  const {columns, rows: termRows} = useTerminalSize();

  useEffect(() => {
    if (!live || !(store instanceof DockerStore)) return;
    const w = watchStore(store, () => setVersion((v) => v + 1));
    return () => void w.close();
  }, [store, live]);

  // Read every layer on the worker thread while the user browses: later selections are instant.
  const [indexing, setIndexing] = useState<string>();
  useEffect(() => {
    if (!live || !(store instanceof DockerStore)) return;
    const stop = new AbortController();
    const on = () => !stop.signal.aborted;
    const report = (done: number, total: number) => on() && setIndexing(done < total ? `indexing layers ${done}/${total}` : undefined);
    store
      .indexAll({background: true, signal: stop.signal, onProgress: report})
      .catch(() => undefined)
      .finally(() => on() && setIndexing(undefined));
    return () => stop.abort();
  }, [store, live]);

  // Layout: header, top row (store | layers), detail pane, two status lines.
  const topHeight = Math.max(7, Math.floor((termRows - 3) * 0.38));
  const detailHeight = Math.max(6, termRows - 3 - topHeight);
  const storeWidth = Math.max(31, Math.floor(columns * 0.36));
  const layersWidth = columns - storeWidth;
  const detailInner = inner(columns, detailHeight);
  const treeHeight = Math.max(1, detailInner.height - 1);

  // Store pane and the selected image or container.
  const listRows = useMemo(() => storeRows(store, state.list), [store, state.list, version]);
  const storeCursor = Math.max(0, listRows.findIndex((r) => r.id === state.selected[state.list]));
  const targetRows = useMemo(() => (state.target === state.list ? listRows : storeRows(store, state.target)), [store, state.target, state.list, listRows, version]);
  const targetId = state.selected[state.target] ?? targetRows[0]?.id;
  const container: Container | undefined = state.target === 'containers' ? store.containers.find((c) => c.id === targetId) : undefined;
  const image: Image | undefined = state.target === 'images' ? store.images.get(targetId ?? '') : container && store.imageOf(container);
  const targetLabel = container ? container.name : image ? imageLabel(image) : '';
  const top = container ? container.rwLayer ?? container.initLayer ?? container.parentLayer : image?.layers.at(-1);
  const chainIds = useMemo(() => (top ? store.chain(top).map((l) => l.id) : []), [store, top, version]);
  const loading = useIndexing(store, chainIds);

  // Layers pane and the selected layer.
  const layers = useMemo(() => layerRows(store, image, container, !loading), [store, image, container, loading, version]);
  const defaultRow = layers.findLastIndex((r) => r.layer !== undefined);
  const layerCursor = Math.min(state.layerRow ?? defaultRow, layers.length - 1);
  const layerRow: LayerRow | undefined = layers[layerCursor];
  const layerId = layerRow?.layer?.id;
  const layerLabel = layerRow?.index !== undefined ? `${targetLabel}@${layerRow.index}` : targetLabel;

  // Files pane.
  const files = state.trees.files;
  const filesSource = useMemo((): TreeSource | undefined => {
    if (loading || !layerId) return undefined;
    const changes = store.layerChanges(layerId);
    const tree = store.cachedTree(layerId);
    return files.mode === 'changes' ? changesSource(changes, tree) : mergedSource(store.merged(layerId), changes, tree);
  }, [store, layerId, files.mode, loading, version]);
  const filesOnly = useMemo(() => (filesSource && files.filter ? filterPaths(filesSource, files.filter) : undefined), [filesSource, files.filter]);
  const filesFlat = useFlatTree(filesSource, files.view, filesOnly);
  const filesCursor = useMemo(() => treeCursor(filesFlat, files), [filesFlat, files.cursor, files.path]);

  // Writable pane, mounts pane.
  const writable = useMemo(() => (container && !loading ? store.containerChanges(container) : undefined), [store, container, loading, version]);
  const mounts = useMemo(() => (container && state.detail === 'mounts' ? mountRows(container) : undefined), [container, state.detail, version]);

  // Compare pane.
  const cmp = state.trees.compare;
  const compareSource = useMemo(() => (state.compare ? changesSource(store.diff(state.compare.a.top, state.compare.b.top)) : undefined), [store, state.compare, version]);
  const compareOnly = useMemo(() => (compareSource && cmp.filter ? filterPaths(compareSource, cmp.filter) : undefined), [compareSource, cmp.filter]);
  const compareFlat = useFlatTree(compareSource, cmp.view, compareOnly);
  const compareCursor = useMemo(() => treeCursor(compareFlat, cmp), [compareFlat, cmp.cursor, cmp.path]);

  // File view pane.
  const viewData = useMemo(() => {
    const v = state.view;
    if (!v) return {notice: 'open a file with Enter in Files, Writable or Compare'};
    try {
      if (v.diff) {
        const diff = fileDiff(readerFor(store, v.diff.top, v.path), readerFor(store, v.top, v.path));
        return typeof diff === 'string' ? {notice: diff} : {diff};
      }
      const read = readerFor(store, v.top, v.path);
      if (!read) return {notice: `${v.path} is no longer a file in ${v.label}`};
      return {page: (v.hex ? hexPage : textPage)(read, v.offset, detailInner.height, detailInner.width)};
    } catch (err) {
      return {notice: (err as Error).message};
    }
  }, [store, state.view, detailInner.height, detailInner.width, version]);

  const lastKey = useRef(0);
  usePreparedSearch(state.focus === 'files' ? filesSource : state.focus === 'compare' ? compareSource : undefined, lastKey);

  const trees = {files: {flat: filesFlat, source: filesSource, cursor: filesCursor}, compare: {flat: compareFlat, source: compareSource, cursor: compareCursor}};

  /** The selection of the store pane, as something to compare. */
  const storeSide = (): Side | undefined => (image || container ? {label: targetLabel, top} : undefined);

  const openFile = (top: string | undefined, label: string, path: string) => {
    if (!top) return;
    try {
      const head = readRange(store, top, path, 0, 8000);
      dispatch({type: 'openFile', view: {path, top, label, hex: looksBinary(head.bytes)}});
    } catch (err) {
      const node = lookup(store.merged(top), path);
      dispatch({type: 'message', message: node?.meta.target !== undefined ? `${path} → ${node.meta.target} (a link)` : (err as Error).message});
    }
  };

  const treeKeys = (cmd: Command, which: 'files' | 'compare') => {
    const {flat, source, cursor} = trees[which];
    const ts = state.trees[which];
    if (cmd === 'toggleMerged' && which === 'files') return dispatch({type: 'toggleMode'});
    if (cmd === 'search' || cmd === 'filter') return dispatch({type: 'input', input: {purpose: cmd, tree: which, text: cmd === 'filter' ? ts.filter : ''}});
    const hide = {hideA: 'A', hideD: 'D', hideC: 'C', hideU: 'U'} as const;
    if (cmd in hide) return dispatch({type: 'toggleMark', tree: which, mark: hide[cmd as keyof typeof hide]});
    if (cmd === 'toggleAll') return dispatch({type: 'treeView', tree: which, view: {collapsed: !ts.view.collapsed, toggled: new Set()}});
    if (!flat || !source) return;
    const move = (to: number) => {
      flat.ensure(to);
      const i = Math.max(0, Math.min(to, flat.rows.length - 1));
      dispatch({type: 'treeCursor', tree: which, cursor: i, path: flat.rows[i]?.path});
    };
    const node: FileNode | undefined = flat.rows[cursor];
    switch (cmd) {
      case 'up': return move(cursor - 1);
      case 'down': return move(cursor + 1);
      case 'pageUp': return move(cursor - treeHeight);
      case 'pageDown': return move(cursor + treeHeight);
      case 'home': return move(0);
      case 'end': return move(flat.count() - 1);
      case 'nextMatch':
      case 'prevMatch': return search(which, source, ts.search, node?.path, cmd === 'prevMatch');
    }
    if (!node) return;
    const expanded = isExpanded(flat.view, node);
    if (cmd === 'left' && !expanded) {
      for (let i = cursor - 1; i >= 0; i--) if (flat.rows[i]!.depth < node.depth) return move(i);
      return;
    }
    if ((cmd === 'right' && node.open && !expanded) || (cmd === 'left' && expanded) || cmd === 'toggleDir' || (cmd === 'enter' && node.open)) {
      if (!node.open) return;
      const toggled = new Set(ts.view.toggled);
      if (toggled.has(node.path)) toggled.delete(node.path);
      else toggled.add(node.path);
      return dispatch({type: 'treeView', tree: which, view: {toggled}});
    }
    if (cmd === 'enter') {
      if (which === 'files') openFile(node.kind === 'D' ? layerRow?.layer?.parent : layerId, node.kind === 'D' ? `below ${layerLabel}` : layerLabel, node.path);
      else if (state.compare) openFile(node.kind === 'D' ? state.compare.a.top : state.compare.b.top, node.kind === 'D' ? state.compare.a.label : state.compare.b.label, node.path);
    }
  };

  const search = (which: 'files' | 'compare', source: TreeSource, text: string, from: string | undefined, backwards: boolean) => {
    if (!text) return;
    const hit = findMatch(source, text, from, backwards);
    if (hit) dispatch({type: 'reveal', tree: which, path: hit.path});
    else dispatch({type: 'message', message: `no path matches "${text}"`});
  };

  const inputKeys = (input: string, key: Key) => {
    const edit = state.input!;
    if (key.escape) return dispatch({type: 'input', input: undefined});
    if (key.return) {
      dispatch({type: 'input', input: undefined});
      if (edit.purpose === 'filter') return dispatch({type: 'treeText', tree: edit.tree, filter: edit.text});
      dispatch({type: 'treeText', tree: edit.tree, search: edit.text});
      const {source, flat, cursor} = trees[edit.tree];
      if (source) search(edit.tree, source, edit.text, flat?.rows[cursor]?.path, false);
      return;
    }
    if (key.backspace || key.delete) return dispatch({type: 'input', input: {...edit, text: edit.text.slice(0, -1)}});
    if (input && !key.ctrl && !key.meta) dispatch({type: 'input', input: {...edit, text: edit.text + input}});
  };

  // One render per key: a key is handled in Ink's input event, its dispatches batched into one
  // render. Until that render commits, further keys (key repeat, pasted text, scripted terminals)
  // wait in a queue and are handled one per commit, so each sees the state the previous one made.
  const handler = useRef(handleKey);
  const queue = useRef<[string, Key][]>([]);
  const pending = useRef(false);
  const [, kick] = useReducer((n: number) => n + 1, 0);
  const take = (): void => {
    const next = queue.current.shift();
    if (!next) return;
    pending.current = true;
    handler.current(...next);
    // Batched with the key's own dispatches; a key that changes nothing still gets a commit to clear `pending`.
    kick();
  };
  // A layout effect runs in the commit, before another input event could see a stale handler.
  useLayoutEffect(() => {
    handler.current = handleKey;
    pending.current = false;
    take();
  });
  useInput(
    useCallback((input: string, key: Key) => {
      lastKey.current = performance.now();
      queue.current.push(...splitKeys(input, key));
      if (!pending.current) take();
    }, []),
  );

  function handleKey(input: string, key: Key): void {
    if (state.input) return inputKeys(input, key);
    const cmd = commandFor(input, key);
    if (state.message) dispatch({type: 'message', message: undefined});
    if (state.overlay) return cmd === 'quit' ? exit() : dispatch({type: 'overlay', overlay: state.overlay});
    if (!cmd) return;
    if (cmd === 'quit') return exit();
    if (cmd === 'help' || cmd === 'problems') return dispatch({type: 'overlay', overlay: cmd});
    if (cmd === 'nextPane' || cmd === 'prevPane') return dispatch({type: 'cyclePane', by: cmd === 'nextPane' ? 1 : -1});
    if (cmd.startsWith('pane')) return dispatch({type: 'focus', pane: PANES[Number(cmd.slice(4)) - 1]!});
    if (cmd === 'mark' || cmd === 'compare') {
      const side = state.focus === 'layers' && layerRow?.layer ? {label: layerLabel, top: layerId} : storeSide();
      if (!side) return;
      if (cmd === 'mark') return dispatch({type: 'mark', side});
      if (!state.mark) return dispatch({type: 'message', message: 'mark something first (m), then select another and press c'});
      return dispatch({type: 'compare', a: state.mark, b: side});
    }
    const step = {up: -1, down: 1, pageUp: -detailInner.height, pageDown: detailInner.height} as Partial<Record<Command, number>>;
    switch (state.focus) {
      case 'store': {
        const i = STORE_LISTS.indexOf(state.list);
        if (cmd === 'left' || cmd === 'right') return dispatch({type: 'list', list: STORE_LISTS[(i + (cmd === 'left' ? 2 : 1)) % 3]!});
        if (cmd === 'enter') return dispatch({type: 'focus', pane: state.list === 'volumes' ? 'store' : 'layers'});
        const to = cmd === 'home' ? 0 : cmd === 'end' ? listRows.length - 1 : step[cmd] !== undefined ? clampCursor(storeCursor, step[cmd]!, listRows.length) : undefined;
        if (to !== undefined) dispatch({type: 'select', list: state.list, id: listRows[to]?.id});
        return;
      }
      case 'layers': {
        if (cmd === 'enter') return dispatch({type: 'focus', pane: 'files'});
        const to = cmd === 'home' ? 0 : cmd === 'end' ? layers.length - 1 : step[cmd] !== undefined ? clampCursor(layerCursor, step[cmd]!, layers.length) : undefined;
        if (to !== undefined) dispatch({type: 'layerRow', row: to});
        return;
      }
      case 'files':
      case 'compare':
        return treeKeys(cmd, state.focus);
      case 'writable': {
        if (!writable || !container) return;
        if (cmd === 'enter') {
          const c = writable[state.writableRow];
          if (c) openFile(c.kind === 'D' ? container.initLayer ?? container.parentLayer : container.rwLayer, c.kind === 'D' ? `${container.name} image` : container.name, c.path);
          return;
        }
        const to = cmd === 'home' ? 0 : cmd === 'end' ? writable.length - 1 : step[cmd] !== undefined ? clampCursor(state.writableRow, step[cmd]!, writable.length) : undefined;
        if (to !== undefined) dispatch({type: 'writableRow', row: to});
        return;
      }
      case 'view': {
        const v = state.view;
        if (!v) return;
        if (cmd === 'back') return dispatch({type: 'focus', pane: 'files'});
        if (cmd === 'hex') return dispatch({type: 'viewHex'});
        if (cmd === 'diff') {
          if (v.diff) return dispatch({type: 'viewDiff', against: undefined});
          const below = store.layers.get(v.top)?.parent;
          const against = state.mark?.top && state.mark.top !== v.top ? state.mark : {label: below ? 'the layer below' : 'nothing (bottom layer)', top: below};
          return dispatch({type: 'viewDiff', against});
        }
        if ('diff' in viewData && viewData.diff) {
          const to = cmd === 'home' ? 0 : cmd === 'end' ? viewData.diff.length - 1 : step[cmd] !== undefined ? clampCursor(v.diffScroll, step[cmd]!, viewData.diff.length) : undefined;
          if (to !== undefined) dispatch({type: 'viewScroll', scroll: to});
          return;
        }
        const page = 'page' in viewData ? viewData.page : undefined;
        const offsets = page && {up: page.up, down: page.down, pageUp: page.pageUp, pageDown: page.pageDown, home: 0, end: page.end};
        const to = offsets?.[cmd as keyof typeof offsets];
        if (to !== undefined) dispatch({type: 'viewOffset', offset: to});
        return;
      }
    }
  }

  if (state.overlay === 'help') return <HelpOverlay width={columns} height={termRows} />;
  if (state.overlay === 'problems') return <ProblemsOverlay problems={store.problemList} notices={store.notices} width={columns} height={termRows} />;

  const focused = (p: typeof state.focus) => state.focus === p;
  const selectedNode = filesFlat?.rows[filesCursor];
  const status = [
    container ? containerLine(container) : image ? imageLabel(image) : 'nothing selected',
    layerRow?.index !== undefined ? `layer ${layerRow.index}${layerRow.layer ? ` ${layerRow.layer.kind} ${shortId(layerRow.layer.cacheId)}` : ''}` : '',
    state.view && state.focus === 'view' ? state.view.path : selectedNode?.path ?? '',
    indexing ?? '',
  ].filter(Boolean).join(' › ');
  const problems = store.problemList;
  const bottom = state.input
    ? `${state.input.purpose === 'search' ? '/' : 'filter: '}${state.input.text}▏  (Enter: apply, Esc: cancel)`
    : state.message ?? (problems.length ? `⚠ ${problems.length} problem${problems.length > 1 ? 's' : ''} (! for all): ${problems[0]!.message} — ${problems[0]!.item}` : '? keys · Tab panes · Enter open · / search · t merged view · m/c compare · q quit');

  let detail;
  switch (state.detail) {
    case 'files':
      detail = (
        <TreePane
          title={`Files · ${layerLabel || 'no selection'} · ${files.mode === 'changes' ? "layer's changes" : 'merged view'}`}
          info={[files.filter && `filter "${files.filter}"`, hiddenMarks(files.view.hidden)].filter(Boolean).join(' · ')}
          flat={filesFlat}
          cursor={filesCursor}
          notice={loading ? `⠿ ${loading}` : !layerRow ? 'select an image or container' : !layerId ? 'metadata-only history entry: no filesystem change' : undefined}
          detail={selectedNode && layerId ? entryDetail(store, layerId, selectedNode) : undefined}
          focused={focused('files')}
          width={columns}
          height={detailHeight}
        />
      );
      break;
    case 'writable':
      detail = <WritablePane title={container ? `Writable layer of ${container.name} (docker diff)` : 'Writable layer'} changes={writable} notice={!container ? 'select a container' : loading ? `⠿ ${loading}` : undefined} cursor={state.writableRow} focused={focused('writable')} width={columns} height={detailHeight} />;
      break;
    case 'mounts':
      detail = <MountsPane title={container ? `Volumes & mounts of ${container.name}` : 'Volumes & mounts'} rows={mounts} focused={focused('mounts')} width={columns} height={detailHeight} />;
      break;
    case 'view': {
      const v = state.view;
      const page = 'page' in viewData ? viewData.page : undefined;
      const info = v?.diff ? `diff ${v.diff.label} → ${v.label}` : page ? `${v!.hex ? 'hex' : 'text'} · ${humanSize(page.size, 3)} · from layer ${page.layer} · @${page.offset}` : '';
      detail = <FileViewPane title={v ? `${v.path} @ ${v.label}` : 'File view'} info={info} lines={page?.lines} diff={'diff' in viewData ? viewData.diff : undefined} scroll={v?.diffScroll ?? 0} notice={'notice' in viewData ? viewData.notice : undefined} focused={focused('view')} width={columns} height={detailHeight} />;
      break;
    }
    case 'compare':
      detail = (
        <TreePane
          title={state.compare ? `Compare ${state.compare.a.label} → ${state.compare.b.label}` : 'Compare'}
          info={[cmp.filter && `filter "${cmp.filter}"`, hiddenMarks(cmp.view.hidden)].filter(Boolean).join(' · ')}
          flat={compareFlat}
          cursor={compareCursor}
          notice={state.compare ? undefined : 'mark an image, container or layer with m, select another, press c'}
          focused={focused('compare')}
          width={columns}
          height={detailHeight}
        />
      );
      break;
  }

  return (
    <Box flexDirection="column" width={columns} height={termRows}>
      <Box height={1}>
        <Text wrap="truncate">
          <Text bold color={tone('accent')}>layerscope </Text>
          {PANES.map((p, i) => (
            <Text key={p} inverse={state.focus === p} underline={state.detail === p && state.focus !== p}>
              {` ${i + 1} ${PANE_TITLES[p]} `}
            </Text>
          ))}
        </Text>
      </Box>
      <Box height={topHeight}>
        <StorePane list={state.list} rows={listRows} cursor={storeCursor} focused={focused('store')} width={storeWidth} height={topHeight} />
        <LayersPane title={container ? `Layers of ${container.name} (${container.state})` : image ? `Layers of ${imageLabel(image)}` : 'Layers'} rows={layers} cursor={layerCursor} focused={focused('layers')} width={layersWidth} height={topHeight} />
      </Box>
      {detail}
      <Box height={1} justifyContent="space-between">
        <Text wrap="truncate">{status}</Text>
        <Text dimColor wrap="truncate">
          {' '}
          {store.root}
          {version ? ' · live' : ''}
        </Text>
      </Box>
      <Text wrap="truncate" color={state.input ? undefined : state.message ? tone('warn') : problems.length ? tone('error') : tone('muted')}>
        {bottom}
      </Text>
    </Box>
  );
}

function hiddenMarks(hidden: number): string {
  const names = (['A', 'C', 'D', 'U'] as const).filter((_, i) => hidden & (1 << i));
  return names.length ? `hiding ${names.join('')}` : '';
}

/** About one entry: mode, owner, size, where it comes from, and what a copy-up of it duplicates. */
function entryDetail(store: LayerStore, layerId: string, node: FileNode): string {
  const meta = node.meta;
  const parts = [`${node.kind ?? '·'} ${modeString(meta.mode)} ${meta.uid}:${meta.gid}`, meta.kind === 'dir' ? '' : humanSize(meta.size, 3), node.path];
  if (meta.target !== undefined) parts.push(`→ ${meta.target}`);
  const chain = store.chain(layerId);
  const here = chain.length - 1;
  if (node.layer >= 0 && node.layer !== here && node.kind !== 'D') parts.push(`from layer ${node.layer}`);
  if (node.whiteout) parts.push('whiteout: deletes it from the layers below');
  if (node.opaque) parts.push('opaque: hides the lower layers’ contents');
  if (node.kind === 'C' && meta.kind !== 'dir' && node.layer === here) {
    const below = lookup(store.merged(chain[here - 1]?.id), node.path);
    if (below && below.meta.kind !== 'dir') parts.push(`shadows layer ${below.layer} (copy-up duplicates ${humanSize(below.meta.size, 3)})`);
  }
  return parts.filter(Boolean).join('  ');
}

// The explorer: the store and layers panes on top, one detail pane below, a status line and a
// footer of the focused pane's keys. State lives in a reducer (state.ts); the store's changes
// arrive through useSyncExternalStore (store-feed.ts); each pane's derivations live in a hook
// (use-selection, use-tree, use-file-view) and its keys in pane-keys.ts, from the key table.
import {Box, useApp, type Key} from 'ink';
import {useMemo, useReducer, useState, useSyncExternalStore} from 'react';
import {efficiencySteps, type Efficiency} from '../store/efficiency.js';
import {exportPath} from '../store/export.js';
import {resolve} from '../store/refs.js';
import {shortId} from '../docker/digest.js';
import {volumeTree} from '../store/volume-files.js';
import {describeData, storedPath} from '../store/volumes.js';
import type {Volume} from '../store/model.js';
import type {LayerStore} from '../store/store.js';
import {humanSize} from '../tree/human.js';
import {efficiencyLine, imageDetails, layerComparison, layerDetails} from './details.js';
import {changesSource, changesSourceSteps, mergedSource, plainSource, type TreeSource} from './file-tree.js';
import {FileViewPane} from './FileViewPane.js';
import {Footer, StatusLine, Tabs} from './Chrome.js';
import {keyName, resolveKey} from './keys.js';
import {LayersPane} from './LayersPane.js';
import {layout} from './layout.js';
import {LinesPane} from './LinesPane.js';
import {MountsPane} from './MountsPane.js';
import {HelpOverlay, helpLines, helpPage, ProblemsOverlay} from './Overlay.js';
import {inner} from './Pane.js';
import {handleCommand, search, type KeyContext} from './pane-keys.js';
import {imageLabel, layerRows, localSize, mountRows, volumeDetail} from './rows.js';
import {initialState, reduce, type State, type TreeId} from './state.js';
import {StoreFeed} from './store-feed.js';
import {StorePane} from './StorePane.js';
import {entryDetail, layerProblem, treeInfo} from './tree-info.js';
import {TreePane} from './TreePane.js';
import {useFileView} from './use-file-view.js';
import {useKeyQueue} from './use-key-queue.js';
import {useStoreAt} from './use-store-at.js';
import {useSelection} from './use-selection.js';
import {useTerminalSize} from './use-terminal-size.js';
import {useShown, useTree} from './use-tree.js';
import {VolumePane} from './VolumePane.js';
import {WritablePane} from './WritablePane.js';

export interface AppProps {
  store: LayerStore;
  /** `NAME` or `NAME@N`: open with that image, container or layer selected. */
  select?: string;
  /** Follow the root live (Docker roots only). */
  live?: boolean;
}

/** The volumes among `mounts` whose data the root stores (binds are the host's business: never walked). */
function storedVolumes(store: LayerStore, mounts: {Type: string; Name?: string}[]): Volume[] {
  return mounts.flatMap((m) => {
    const v = m.Type === 'volume' ? store.volumes.find((x) => x.name === m.Name) : undefined;
    return v && storedPath(v) ? [v] : [];
  });
}

/** Sizes of the volumes' data directories, by path (reads the disk: called in a background job). */
function sizesOf(volumes: Volume[]): Map<string | undefined, number | undefined> {
  return new Map(volumes.map((v) => [storedPath(v), localSize(v)]));
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
    return row >= 0 ? {...base, layer: {of: id, row}} : base;
  } catch (err) {
    return {...state, message: (err as Error).message};
  }
}

export function App({store, select, live = true}: AppProps) {
  const {exit} = useApp();
  const [state, dispatch] = useReducer(reduce, undefined, () => selectState(store, select));
  const [feed] = useState(() => new StoreFeed(store, live));
  const snapshot = useSyncExternalStore(feed.subscribe, feed.getSnapshot);
  const at = useStoreAt(store, snapshot.version);
  const {columns, rows: termRows} = useTerminalSize();
  const lay = layout(columns, termRows, state.focus);
  const detailInner = inner(columns, lay.detailHeight);
  const attrs = state.attrs ?? detailInner.width >= 72;

  const sel = useSelection(at, state);
  const {image, container, layerRow, layerId, loading} = sel;

  // With the volumes list selected, pane 9 shows the selected volume and Files (3) its _data,
  // read in the background (only a local volume's data is in the root).
  const volumeName = state.list === 'volumes' ? (state.selected.volumes ?? sel.listRows[0]?.id) : undefined;
  const volume = volumeName === undefined ? undefined : store.volumes.find((v) => v.name === volumeName);
  const stored = volume && storedPath(volume);
  const volumeSize = volume && stored && state.detail === 'volume' ? feed.background(`du ${stored}`, '', () => localSize(volume)) : undefined;
  const volumeJob =
    volume && stored && state.detail === 'files' ? feed.background(`files ${volume.name}`, '', () => volumeTree(volume, store.problems)) : undefined;
  const volumeFiles = volumeJob?.value instanceof Error ? undefined : volumeJob?.value;

  // Files pane. Its source is made only while the pane is shown: a layer's changes are a diff of
  // two views (~100 ms for a layer of 100k entries), not to be worked out for each image passed in
  // the store pane with Details or Compare below.
  const files = state.trees.files;
  const filesShown = state.detail === 'files';
  const filesRaw = useShown(filesShown, (): TreeSource | undefined => {
    if (volume) return volumeFiles && plainSource(volumeFiles);
    if (loading || !layerId) return undefined;
    const changes = at.store.layerChanges(layerId);
    const tree = at.store.cachedTree(layerId);
    return files.mode === 'changes' ? changesSource(changes, tree) : mergedSource(at.store.merged(layerId), changes, tree);
  }, [at, layerId, files.mode, loading, volume, volumeFiles]);
  const typed = (tree: TreeId) => (state.input?.purpose === 'search' && state.input.tree === tree ? state.input.text : undefined);
  const filesTree = useTree(filesRaw, files, feed, filesShown, 'files', typed('files'));

  // Compare pane.
  // The compared trees may not be read yet: the diff is worked out off the render, at once, in
  // slices (two views of 100k entries take ~100 ms), so the key's frame comes first and keys
  // pressed meanwhile are not held up.
  const c = state.compare;
  const compareJob = c
    ? feed.background(
        'compare',
        `${c.a.top} ${c.b.top}`,
        function* () {
          return yield* changesSourceSteps(yield* store.diffSteps(c.a.top, c.b.top));
        },
        {idle: false},
      )
    : undefined;
  const compareRaw = compareJob?.value instanceof Error ? undefined : compareJob?.value;
  const compareTree = useTree(compareRaw, state.trees.compare, feed, state.detail === 'compare', 'compare', typed('compare'));
  const compareLayers = useMemo(() => (state.compare ? layerComparison(at.store, state.compare.a, state.compare.b) : []), [at, state.compare]);

  // Writable and mounts panes (volume sizes are read in the background).
  const writable = useMemo(() => (container && !loading ? at.store.containerChanges(container) : undefined), [at, container, loading]);
  const sizes =
    container && state.detail === 'mounts'
      ? feed.background(`mount sizes ${container.id}`, '', () => sizesOf(storedVolumes(store, container.mounts)))
      : undefined;
  const mounts = useMemo(
    () =>
      container && state.detail === 'mounts'
        ? mountRows(container, at.store.volumes, (v) => (sizes?.value instanceof Map ? sizes.value.get(storedPath(v)) : undefined))
        : undefined,
    [at, container, state.detail, sizes?.value],
  );

  // dive's efficiency of the selected image or container, computed when keys pause, kept live.
  const top = sel.top;
  const eff = top && !loading ? feed.background(`efficiency ${top}`, '', () => efficiencySteps(store.chain(top).map((l) => store.tree(l.id)))) : undefined;
  const effValue = eff?.value instanceof Error ? undefined : (eff?.value as Efficiency | undefined);
  const details = useMemo(
    () =>
      state.detail === 'details'
        ? [
            ...imageDetails(sel.targetLabel, effValue, detailInner.width),
            {text: ''},
            ...layerDetails(store, layerRow, sel.targetLabel, detailInner.width, container),
          ]
        : [],
    [state.detail, sel.targetLabel, effValue, detailInner.width, store, layerRow, container],
  );

  // File view pane.
  const viewData = useFileView(
    store,
    feed,
    state.view,
    {id: state.view?.follow ? layerId : undefined, label: sel.layerLabel},
    detailInner.height,
    detailInner.width,
  );

  const trees: Record<TreeId, typeof filesTree> = {files: filesTree, compare: compareTree};
  const ctx: KeyContext = {state, dispatch, store, sel, trees, viewData, details, writable, attrs, page: Math.max(1, detailInner.height - 1), exit};

  function handleKey(input: string, key: Key): void {
    if (state.input) return inputKeys(input, key);
    const name = keyName(input, key);
    if (state.message) dispatch({type: 'message', message: undefined});
    if (state.overlay) return overlayKeys(name);
    const {command, arg, hint} = resolveKey(name, state.focus);
    if (command) return handleCommand(ctx, command, arg);
    if (hint) dispatch({type: 'message', message: hint});
  }

  function overlayKeys(name: string): void {
    if (state.overlay === 'help') {
      const lines = helpLines(columns - 2).length;
      const page = helpPage(termRows);
      const last = Math.max(0, lines - page);
      const to = {up: -1, k: -1, down: 1, j: 1, pgup: -page, pgdn: page}[name];
      if (to !== undefined) return dispatch({type: 'helpScroll', scroll: Math.max(0, Math.min(last, state.helpScroll + to))});
      if (name === 'home' || name === 'g') return dispatch({type: 'helpScroll', scroll: 0});
      if (name === 'end' || name === 'G') return dispatch({type: 'helpScroll', scroll: last});
    }
    if (name === 'ctrl+c') return exit();
    dispatch({type: 'overlay', overlay: state.overlay});
  }

  function inputKeys(input: string, key: Key): void {
    const edit = state.input!;
    if (key.escape) return dispatch({type: 'input', input: undefined});
    if (key.return) {
      dispatch({type: 'input', input: undefined});
      if (edit.purpose === 'filter') return dispatch({type: 'treeText', tree: edit.tree, filter: edit.text});
      if (edit.purpose === 'extract') return extract(edit.source!, edit.text);
      dispatch({type: 'treeText', tree: edit.tree, search: edit.text});
      return search(ctx, edit.tree, edit.text, trees[edit.tree].node?.path, false);
    }
    if (key.backspace || key.delete) return dispatch({type: 'input', input: {...edit, text: edit.text.slice(0, -1)}});
    if (input && !key.ctrl && !key.meta) dispatch({type: 'input', input: {...edit, text: edit.text + input}});
  }

  function extract(source: {top: string; path: string}, out: string): void {
    dispatch({type: 'message', message: `extracting ${source.path} to ${out}…`});
    exportPath(store, {kind: 'layer', label: sel.layerLabel, top: source.top}, source.path, out).then(
      (r) =>
        dispatch({
          type: 'message',
          message: `extracted ${source.path} to ${out} (${r.kind === 'tar' ? `a tar of ${r.entries} ${r.entries === 1 ? 'entry' : 'entries'}, ` : ''}${humanSize(r.bytes, 3)})`,
        }),
      (err: Error) => dispatch({type: 'message', message: `extract failed: ${err.message}`}),
    );
  }

  useKeyQueue(handleKey, () => {
    feed.lastKey = performance.now();
  });

  if (state.overlay === 'help') return <HelpOverlay width={columns} height={termRows} scroll={state.helpScroll} />;
  if (state.overlay === 'problems') return <ProblemsOverlay problems={store.problemList} notices={store.notices} width={columns} height={termRows} />;

  const focused = (p: typeof state.focus) => state.focus === p;
  const filesNode = filesTree.node;
  const width = columns;
  const height = lay.detailHeight;
  let detail;
  switch (state.detail) {
    case 'files':
      detail = (
        <TreePane
          title={
            volume
              ? `Files · volume ${volume.anonymous ? shortId(volume.name) : volume.name} · _data`
              : `Files · ${sel.layerLabel || 'no selection'} · ${files.mode === 'changes' ? "layer's changes" : 'merged view'}`
          }
          info={treeInfo(files)}
          flat={filesTree.flat}
          cursor={filesTree.cursor}
          total={filesTree.total}
          attrs={attrs}
          notice={
            volume
              ? stored
                ? volumeJob?.done
                  ? undefined
                  : '⠿ reading _data…'
                : `no files in this root: ${describeData(volume.data)}`
              : loading
                ? `⠿ ${loading}`
                : !layerRow
                  ? 'select an image or container'
                  : !layerId
                    ? 'metadata-only history entry: no filesystem change'
                    : layerProblem(store, layerRow.layer?.cacheId)
          }
          detail={filesNode && layerId && !volume ? entryDetail(store, layerId, filesNode) : undefined}
          focused={focused('files')}
          width={width}
          height={height}
        />
      );
      break;
    case 'writable':
      detail = (
        <WritablePane
          title={container ? `Writable layer of ${container.name} (${store.tool} diff)` : 'Writable layer'}
          changes={writable}
          notice={!container ? 'select a container' : loading ? `⠿ ${loading}` : undefined}
          cursor={state.writableRow}
          focused={focused('writable')}
          width={width}
          height={height}
        />
      );
      break;
    case 'mounts':
      detail = (
        <MountsPane
          title={container ? `Volumes & mounts of ${container.name}` : 'Volumes & mounts'}
          rows={mounts}
          focused={focused('mounts')}
          width={width}
          height={height}
        />
      );
      break;
    case 'view': {
      const v = viewData.shown ?? viewData.view;
      const page = viewData.page;
      const diffSides = v?.diff && (v.diff.after ? [v.label, v.diff.label] : [v.diff.label, v.label]);
      const info = diffSides ? '' : page ? `${v!.hex ? 'hex' : 'text'} · ${humanSize(page.size, 3)} · from layer ${page.layer} · @${page.offset}` : '';
      const title = !v ? 'File view' : diffSides ? `diff ${v.path}: ${diffSides[0]} → ${diffSides[1]}` : `${v.path} @ ${v.label}`;
      detail = (
        <FileViewPane
          title={title}
          info={info}
          lines={page?.lines}
          diff={viewData.diff}
          meta={viewData.meta}
          scroll={v?.diffScroll ?? 0}
          notice={viewData.notice}
          focused={focused('view')}
          width={width}
          height={height}
        />
      );
      break;
    }
    case 'compare': {
      const c = state.compare;
      detail = (
        <TreePane
          title={c ? `Compare ${c.a.label} → ${c.b.label}` : 'Compare'}
          info={[treeInfo(state.trees.compare), compareJob && !compareJob.done ? 'computing…' : ''].filter(Boolean).join(' ')}
          flat={compareTree.flat}
          cursor={compareTree.cursor}
          total={compareTree.total}
          attrs={attrs}
          preface={compareLayers}
          notice={
            !c
              ? 'mark an image, container or layer with m, select another, press c'
              : compareJob?.value instanceof Error
                ? `⚠ ${compareJob.value.message}`
                : compareRaw
                  ? undefined
                  : '⠿ comparing…'
          }
          focused={focused('compare')}
          width={width}
          height={height}
        />
      );
      break;
    }
    case 'details':
      detail = (
        <LinesPane
          title={`Details · ${sel.layerLabel || 'no selection'}`}
          info={eff && !eff.done ? 'computing…' : undefined}
          lines={details}
          cursor={state.detailsRow}
          focused={focused('details')}
          width={width}
          height={height}
        />
      );
      break;
    case 'volume':
      detail = (
        <VolumePane
          detail={volume && volumeDetail(store, volume, () => (volumeSize?.done ? (volumeSize.value as number | undefined) : undefined))}
          focused={focused('volume')}
          width={width}
          height={height}
        />
      );
      break;
  }

  return (
    <Box flexDirection="column" width={columns} height={termRows}>
      <Tabs state={state} lay={lay} label={store.label} />
      <Box height={lay.topHeight}>
        {lay.storeWidth ? (
          <StorePane
            list={state.list}
            rows={sel.listRows}
            cursor={sel.storeCursor}
            marked={state.mark && !state.mark.layer ? state.mark.of : undefined}
            focused={focused('store')}
            width={lay.storeWidth}
            height={lay.topHeight}
          />
        ) : null}
        {lay.layersWidth ? (
          <LayersPane
            title={
              container
                ? `Layers of ${container.name} (${container.state})`
                : image
                  ? `Layers of ${imageLabel(image)}${image.platform ? ` (${image.platform})` : ''}`
                  : 'Layers'
            }
            rows={sel.layers}
            cursor={sel.layerCursor}
            marked={state.mark?.layer && state.mark.of === sel.targetId ? state.mark.top : undefined}
            summary={top && !loading ? efficiencyLine(effValue, eff?.done ?? false, lay.layersWidth - 2) : undefined}
            focused={focused('layers')}
            width={lay.layersWidth}
            height={lay.topHeight}
          />
        ) : null}
      </Box>
      {detail}
      <StatusLine
        store={store}
        sel={sel}
        path={
          state.focus === 'view'
            ? viewData.view?.path
            : state.focus === 'compare'
              ? compareTree.node?.path
              : state.focus === 'writable'
                ? writable?.[state.writableRow]?.path
                : filesShown
                  ? filesNode?.path
                  : files.path
        }
        indexing={snapshot.indexing}
        live={snapshot.live}
        columns={columns}
      />
      <Footer state={state} store={store} columns={columns} />
    </Box>
  );
}

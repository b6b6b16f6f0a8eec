// The explorer's pure parts: lazy flattening, filters, search, reducer, paging, line diff.
import {describe, expect, it} from 'vitest';
import type {Chunk} from '../../source/store/content.js';
import type {Change} from '../../source/tree/changes.js';
import {changesSource, DEFAULT_VIEW, filterPaths, FlatTree, mergedSource, revealPath, type TreeSource} from '../../source/ui/file-tree.js';
import {hexPage, looksBinary, textPage, type Reader} from '../../source/ui/file-page.js';
import {keyName, resolveKey, splitKeys} from '../../source/ui/keys.js';
import {findMatch, searchIndex} from '../../source/ui/search.js';
import {initialState, reduce, windowStart} from '../../source/ui/state.js';
import {lineDiff} from '../../source/ui/text-diff.js';
import {MemStore, wideTree} from './mem-store.js';

function counting(source: TreeSource): TreeSource & {calls: number} {
  const counted = {calls: 0, children: (p: Parameters<TreeSource['children']>[0]) => (counted.calls++, source.children(p))};
  return counted;
}

describe('FlatTree', () => {
  const store = new MemStore(wideTree(100, 1000));
  const top = 'sha256:layer0';

  it('flattens a 100k-entry merged view only as far as asked', () => {
    const source = counting(mergedSource(store.merged(top), store.layerChanges(top)));
    const flat = new FlatTree(source, DEFAULT_VIEW);
    flat.ensure(30);
    expect(flat.rows.length).toBe(31);
    expect(source.calls).toBeLessThanOrEqual(2);
    expect(flat.done).toBe(false);
    expect(flat.rows[1]!.path).toBe('/d0000/f00000');
    expect(flat.count()).toBe(100 + 100_000);
  });

  it('hides by change type, collapses, reveals and filters', () => {
    const changes: Change[] = store.layerChanges(top);
    const source = changesSource(changes);
    expect(new FlatTree(source, {...DEFAULT_VIEW, hidden: 1}).count()).toBe(0); // all added
    const collapsed = new FlatTree(source, {...DEFAULT_VIEW, collapsed: true});
    expect(collapsed.count()).toBe(100);
    const toggled = revealPath({...DEFAULT_VIEW, collapsed: true}, '/d0042/f00007');
    const revealed = new FlatTree(source, {...DEFAULT_VIEW, collapsed: true, toggled});
    expect(revealed.indexOf('/d0042/f00007')).toBe(43 + 7);
    const only = filterPaths(source, 'f00999');
    expect(new FlatTree(source, {...DEFAULT_VIEW, only}).count()).toBe(200);
    expect(findMatch(source, 'd0003/f00001', '/d0001/f00000')?.path).toBe('/d0003/f00001');
    expect(findMatch(source, 'd0003/f00001', '/d0099/f00999')?.path).toBe('/d0003/f00001'); // wraps
    expect(findMatch(source, 'f00998', '/d0001/f00000', true)?.path).toBe('/d0000/f00998');
  });
});

describe('changesSource', () => {
  it('adds the directories a change is in, and marks each directory with the kinds of change below it', () => {
    const meta = new MemStore(wideTree(1, 1)).merged('sha256:layer0').meta;
    const node = (path: string) => ({name: path.slice(path.lastIndexOf('/') + 1), meta, layer: 0});
    const changes: Change[] = [
      {kind: 'D', path: '/x/old', node: node('/x/old')},
      {kind: 'A', path: '/x/y/new', node: node('/x/y/new')},
      {kind: 'C', path: '/z', node: node('/z')},
    ];
    const source = changesSource(changes);
    const rows = (view: typeof DEFAULT_VIEW) => {
      const flat = new FlatTree(source, view);
      flat.count();
      return flat.rows.map((r) => `${r.kind} ${r.depth} ${r.path}`);
    };
    expect(rows(DEFAULT_VIEW)).toEqual(['C 0 /x', 'D 1 /x/old', 'C 1 /x/y', 'A 2 /x/y/new', 'C 0 /z']);
    expect(rows({...DEFAULT_VIEW, hidden: 2 | 4})).toEqual(['C 0 /x', 'C 1 /x/y', 'A 2 /x/y/new']); // C and D hidden: what holds an A
    expect(rows({...DEFAULT_VIEW, hidden: 1 | 2})).toEqual(['C 0 /x', 'D 1 /x/old']); // A and C hidden: what holds a D
  });
});

describe('FlatTree.next', () => {
  const store = new MemStore(wideTree(100, 1000));
  const top = 'sha256:layer0';
  const all = (flat: FlatTree) => (flat.count(), flat.rows.map((r) => r.path));
  const toggle = (view: typeof DEFAULT_VIEW, path: string) => {
    const toggled = new Set(view.toggled);
    if (!toggled.delete(path)) toggled.add(path);
    return {...view, toggled};
  };

  it('after one directory toggles, keeps the rows above it and gives the rows a fresh flatten gives', () => {
    for (const source of [mergedSource(store.merged(top), store.layerChanges(top)), changesSource(store.layerChanges(top))]) {
      let view = {...DEFAULT_VIEW, collapsed: true};
      let flat = new FlatTree(source, view);
      for (const dir of ['/d0050', '/d0007', '/d0099', '/d0050', '/d0000']) {
        flat.ensure(flat.indexOf(dir) + 40);
        view = toggle(view, dir);
        const next = FlatTree.next(flat, source, view);
        expect(next.rows[0]).toBe(flat.rows[0]);
        expect(next.rows.length).toBe(flat.indexOf(dir) + 1); // nothing flattened below it yet
        const fresh = new FlatTree(source, view);
        expect(next.count()).toBe(fresh.count());
        expect(next.rows.map((r) => r.path)).toEqual(fresh.rows.map((r) => r.path));
        flat = next;
      }
    }
  });

  it('resumes below a nested directory, inside its ancestors', () => {
    const dirMeta = store.merged(top).meta;
    const fileMeta = store.merged(top).children!.get('d0000')!.children!.get('f00000')!.meta;
    const paths = ['/a', '/a/b', '/a/b/c', '/a/b/c/f1', '/a/b/f2', '/a/b2', '/a/b2/f3', '/a/f4', '/z', '/z/f5'];
    const changes: Change[] = paths.map((path) => ({
      kind: 'A',
      path,
      node: {name: path.slice(path.lastIndexOf('/') + 1), meta: /f\d$/.test(path) ? fileMeta : dirMeta, layer: 0},
    }));
    const source = changesSource(changes);
    let view = DEFAULT_VIEW;
    let flat = new FlatTree(source, view);
    for (const dir of ['/a/b/c', '/a/b', '/a/b2', '/a/b', '/z', '/a']) {
      flat.ensure(20);
      view = toggle(view, dir);
      flat = FlatTree.next(flat, source, view);
      expect(flat.rows.at(-1)?.path).toBe(dir);
      const fresh = new FlatTree(source, view);
      expect(flat.count()).toBe(fresh.count());
      expect(flat.rows.map((r) => r.path)).toEqual(fresh.rows.map((r) => r.path));
    }
  });

  it('after several directories toggle (a path revealed), keeps the rows above the first of them that is a row', () => {
    const source = mergedSource(store.merged(top), store.layerChanges(top));
    const flat = new FlatTree(source, DEFAULT_VIEW);
    flat.ensure(3000);
    const two = FlatTree.next(flat, source, toggle(toggle(DEFAULT_VIEW, '/d0002'), '/d0001'));
    expect(two.rows.length).toBe(1001 + 1); // /d0000, its 1000 files, /d0001
    expect(all(two)).toEqual(all(new FlatTree(source, two.view)));
    // Directories not flattened yet change none of the rows there are.
    const later = FlatTree.next(flat, source, toggle(toggle(DEFAULT_VIEW, '/d0050'), '/d0060/f00001'));
    expect(later.rows.length).toBe(flat.rows.length);
    expect(later.rows.map((r) => r.path)).toEqual(flat.rows.map((r) => r.path));
    expect(all(later)).toEqual(all(new FlatTree(source, later.view)));
    // A collapsed tree: revealing a path expands its directories, the rows above the first stay.
    const collapsed = {...DEFAULT_VIEW, collapsed: true};
    const shut = new FlatTree(source, collapsed);
    shut.ensure(200);
    const view = {...collapsed, toggled: revealPath(collapsed, '/d0042/f00007')};
    const revealed = FlatTree.next(shut, source, view);
    expect(revealed.rows.length).toBe(43);
    expect(revealed.indexOf('/d0042/f00007')).toBe(43 + 7);
    expect(all(revealed)).toEqual(all(new FlatTree(source, view)));
    expect(revealPath(view, '/d0042/f00009')).toBe(view.toggled); // already shown: the same toggles
    expect(FlatTree.next(revealed, source, {...view})).toBe(revealed); // the same rows, flattened as far
  });

  it('flattens afresh for any other change of view', () => {
    const source = mergedSource(store.merged(top), store.layerChanges(top));
    const flat = new FlatTree(source, DEFAULT_VIEW);
    flat.ensure(3000);
    const hidden = FlatTree.next(flat, source, {...DEFAULT_VIEW, hidden: 8});
    expect(hidden.rows.length).toBe(0);
    expect(FlatTree.next(flat, source, {...DEFAULT_VIEW, collapsed: true}).rows.length).toBe(0);
    expect(FlatTree.next(flat, mergedSource(store.merged(top), store.layerChanges(top)), DEFAULT_VIEW).rows.length).toBe(0);
  });
});

describe('search', () => {
  const store = new MemStore(wideTree(100, 1000));
  const top = 'sha256:layer0';

  it('lists a source once, in slices, and finds in both directions with wrapping', () => {
    const source = counting(mergedSource(store.merged(top), store.layerChanges(top)));
    const index = searchIndex(source);
    expect(searchIndex(source)).toBe(index);
    while (!index.build(0)) expect(index.nodes.length).toBeLessThan(100_100);
    expect(index.nodes.length).toBe(100_100);
    const calls = source.calls;
    expect(findMatch(source, 'F00998', '/d0001/f00000', true)?.path).toBe('/d0000/f00998');
    expect(findMatch(source, 'f00998', '/d0000/f00998', true)?.path).toBe('/d0099/f00998'); // wraps, skips `from`
    expect(findMatch(source, 'd0050/f00001', undefined)?.path).toBe('/d0050/f00001');
    expect(findMatch(source, 'f00000', '/gone', true)?.path).toBe('/d0099/f00000');
    expect(findMatch(source, '/d0007/f00003', '/d0007/f00003')).toBeUndefined(); // only itself
    expect(findMatch(source, 'nothing', '/d0001/f00000')).toBeUndefined();
    expect(source.calls).toBe(calls);
  });

  it('says which match of how many, as a scan of every path in display order counts them', () => {
    const source = mergedSource(store.merged(top), store.layerChanges(top));
    const rows = new FlatTree(source, DEFAULT_VIEW);
    rows.count();
    const paths = rows.rows.map((r) => r.path);
    for (const text of ['F0099', 'd0042/', '/d0007/f00003', '0', 'nothing']) {
      const hits = paths.filter((p) => p.toLowerCase().includes(text.toLowerCase()));
      let from: string | undefined;
      for (let k = 0; k < Math.min(hits.length, 4); k++) {
        const found = searchIndex(source).seek(text, from);
        expect([found?.node.path, found?.n, found?.m]).toEqual(hits.length === 1 && k > 0 ? [undefined, undefined, undefined] : [hits[k], k + 1, hits.length]);
        from = found?.node.path;
      }
      const last = searchIndex(source).seek(text, undefined, true);
      expect([last?.node.path, last?.n]).toEqual([hits.at(-1), hits.length || undefined]);
    }
  });

  it('matches in any case, letters beyond ASCII too, and takes the query literally', () => {
    const dir = store.merged(top).meta;
    const paths = ['/Café', '/Café/Menü.TXT', '/a.b', '/axb', '/x(1)', '/x1'];
    const source = changesSource(paths.map((path) => ({kind: 'A', path, node: {name: path.slice(path.lastIndexOf('/') + 1), meta: dir, layer: 0}})));
    expect(searchIndex(source).seek('café/menü', undefined)).toMatchObject({node: {path: '/Café/Menü.TXT'}, n: 1, m: 1});
    expect(searchIndex(source).seek('CAFÉ', undefined)).toMatchObject({node: {path: '/Café'}, n: 1, m: 2});
    expect(searchIndex(source).seek('a.b', undefined)).toMatchObject({node: {path: '/a.b'}, n: 1, m: 1});
    expect(searchIndex(source).seek('x(1', undefined)).toMatchObject({node: {path: '/x(1)'}, n: 1, m: 1});
    expect(searchIndex(source).seek('\\', undefined)).toBeUndefined();
  });

  it('tells apart paths that differ only in case', () => {
    const dir = store.merged(top).meta;
    const changes: Change[] = ['/A', '/A/b', '/a', '/a/B', '/a/b'].map((path) => ({
      kind: 'A',
      path,
      node: {name: path.slice(path.lastIndexOf('/') + 1), meta: dir, layer: 0},
    }));
    const source = changesSource(changes);
    expect(searchIndex(source).seek('b', '/a/B')).toMatchObject({node: {path: '/a/b'}, n: 3, m: 3});
    expect(searchIndex(source).seek('b', '/a/b')).toMatchObject({node: {path: '/A/b'}, n: 1, m: 3});
    expect(searchIndex(source).seek('B', '/A/b', true)).toMatchObject({node: {path: '/a/b'}, n: 3, m: 3});
    // İ is two characters in lower case (i and a dot above): the paths after it are still told apart.
    const dotted = changesSource(
      ['/İ', '/İ/abc', '/İ2', '/İ2/abc', '/İ2/x'].map((path) => ({kind: 'A', path, node: {name: path.slice(path.lastIndexOf('/') + 1), meta: dir, layer: 0}})),
    );
    expect(searchIndex(dotted).seek('abc', '/İ/abc')).toMatchObject({node: {path: '/İ2/abc'}, n: 2, m: 2});
    expect(searchIndex(dotted).seek('2/X', undefined)).toMatchObject({node: {path: '/İ2/x'}, n: 1, m: 1});
    expect(searchIndex(dotted).seek('İ2/', '/İ2/abc')).toMatchObject({node: {path: '/İ2/x'}, n: 2, m: 2});
  });
});

describe('reducer', () => {
  it('keeps selections as ids and starts a new selection on its top layer', () => {
    let s = reduce(initialState(), {type: 'select', list: 'images', id: 'a'});
    s = reduce(s, {type: 'layerRow', of: 'a', row: 2});
    s = reduce(s, {type: 'select', list: 'images', id: 'b'});
    expect(s.layer).toEqual({of: 'a', row: 2}); // a row of image a: image b shows its top layer
    s = reduce(s, {type: 'list', list: 'volumes'});
    expect(s.target).toBe('images');
    s = reduce(s, {type: 'cyclePane', by: -1});
    expect(s.focus).toBe('volume');
    expect(s.detail).toBe('volume');
    s = reduce(s, {type: 'toggleMark', tree: 'files', mark: 'U'});
    expect(s.trees.files.view.hidden).toBe(8);
  });

  it('moves a window as little as possible', () => {
    expect(windowStart(0, 5, 10, 100)).toBe(0);
    expect(windowStart(0, 12, 10, 100)).toBe(3);
    expect(windowStart(50, 40, 10, 100)).toBe(40);
    expect(windowStart(95, 99, 10, 100)).toBe(90);
  });

  it('maps dive keys per pane, including ctrl+space as NUL and ctrl+/ as 0x1f', () => {
    const key = {ctrl: false, shift: false, tab: false} as Parameters<typeof keyName>[1];
    const cmd = (input: string, k: typeof key, pane: Parameters<typeof resolveKey>[1]) => resolveKey(keyName(input, k), pane).command;
    expect(cmd('`', {...key, ctrl: true}, 'files')).toBe('toggleAll');
    expect(cmd('l', {...key, ctrl: true}, 'files')).toBe('toggleMerged');
    expect(cmd('a', {...key, ctrl: true}, 'layers')).toBe('showMerged');
    expect(cmd('a', {...key, ctrl: true}, 'files')).toBe('hideA');
    expect(cmd('\x1f', key, 'files')).toBe('filter');
    expect(cmd('', {...key, tab: true, shift: true}, 'store')).toBe('prevPane');
    expect(cmd('q', key, 'store')).toBe('quit');
    expect(cmd('q', key, 'view')).toBe('back');
    expect(resolveKey('ctrl+e', 'store').hint).toMatch(/^ctrl\+e: extract .* works in files, compare, view/);
  });

  it('splits a run of characters read at once back into key presses', () => {
    const key = {ctrl: false, meta: false, shift: false, tab: false, return: false} as Parameters<typeof keyName>[1];
    const keys = splitKeys('\r/aB', key);
    expect(keys.map(([input, k]) => resolveKey(keyName(input, k), 'files').command)).toEqual(['enter', 'search', undefined, undefined]);
    expect(keys[3]![1].shift).toBe(true);
  });
});

describe('file pages', () => {
  const fileReader = (text: string | Buffer): Reader => {
    const bytes = Buffer.from(text);
    return (offset, length): Chunk => {
      const slice = bytes.subarray(offset, offset + length);
      return {bytes: slice, offset, size: bytes.length, layer: 0, eof: offset + slice.length >= bytes.length};
    };
  };
  const text = Array.from({length: 100}, (_, i) => `line ${i}`).join('\n') + '\n';

  it('pages text by lines, up and down, with an end', () => {
    const read = fileReader(text);
    const first = textPage(read, 0, 10, 80);
    expect(first.lines).toEqual(Array.from({length: 10}, (_, i) => `line ${i}`));
    const second = textPage(read, first.pageDown, 10, 80);
    expect(second.lines[0]).toBe('line 10');
    expect(textPage(read, second.up, 10, 80).lines[0]).toBe('line 9');
    expect(textPage(read, second.pageUp, 10, 80).lines[0]).toBe('line 0');
    expect(textPage(read, first.end, 10, 80).lines).toEqual(Array.from({length: 10}, (_, i) => `line ${90 + i}`));
  });

  it('shows binary as hex', () => {
    const bin = Buffer.from([0, 1, 2, 0x41, 0x42, 255]);
    expect(looksBinary(bin)).toBe(true);
    expect(looksBinary(Buffer.from(text))).toBe(false);
    expect(hexPage(fileReader(bin), 0, 4, 80).lines[0]).toBe('00000000  00 01 02 41 42 ff' + ' '.repeat(30) + '  ...AB.');
  });

  it('diffs lines', () => {
    expect(lineDiff(['a', 'b', 'c'], ['a', 'x', 'c', 'd'])).toEqual([
      {op: ' ', text: 'a'},
      {op: '-', text: 'b'},
      {op: '+', text: 'x'},
      {op: ' ', text: 'c'},
      {op: '+', text: 'd'},
    ]);
  });
});

describe('fitting text', () => {
  it('cuts paths in the middle, keeping whole names at both ends', async () => {
    const {cutMiddle, wrap} = await import('../../source/ui/text.js');
    const p = '/var/lib/docker/volumes/appdata/_data';
    expect(cutMiddle(p, 40)).toBe(p);
    expect(cutMiddle(p, 25)).toBe('/var/lib/…/appdata/_data');
    expect(cutMiddle(p, 16)).toBe('/…/appdata/_data');
    expect(cutMiddle(p, 10)).toBe('/…/_data');
    for (const w of [3, 8, 12, 20, 30]) expect(cutMiddle(p, w).length).toBeLessThanOrEqual(w);
    expect(cutMiddle('Layers of a-very-long-container-name', 20)).toBe('Layers o…tainer-name');
    expect(wrap('ADD file:0123456789abcdef in /', 12)).toEqual(['ADD', 'file:0123456', '789abcdef in', '/']);
  });
});

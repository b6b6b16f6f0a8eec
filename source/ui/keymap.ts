// Keys → commands. Bindings follow dive where a dive user would look for them; every ctrl
// binding has a plain-letter twin because terminals send ctrl+m as Enter and some eat ctrl+space.
import type {Key} from 'ink';

export type Command =
  | 'quit' | 'help' | 'problems' | 'nextPane' | 'prevPane'
  | 'up' | 'down' | 'left' | 'right' | 'pageUp' | 'pageDown' | 'home' | 'end'
  | 'enter' | 'back' | 'toggleDir' | 'toggleAll' | 'toggleMerged'
  | 'hideA' | 'hideD' | 'hideC' | 'hideU'
  | 'search' | 'filter' | 'nextMatch' | 'prevMatch'
  | 'mark' | 'compare' | 'diff' | 'hex'
  | `pane${1 | 2 | 3 | 4 | 5 | 6 | 7}`;

export interface Binding {
  keys: string;
  help: string;
  /** Where the key does something (for the help screen). */
  where: string;
}

export const BINDINGS: Binding[] = [
  {keys: 'Tab / Shift-Tab', help: 'next / previous pane', where: 'everywhere'},
  {keys: '1 … 7', help: 'go to pane: store, layers, files, writable, mounts, view, compare', where: 'everywhere'},
  {keys: '↑ ↓ / k j', help: 'move', where: 'lists'},
  {keys: 'PgUp PgDn / ctrl+b ctrl+d', help: 'page', where: 'lists'},
  {keys: 'Home End / g G', help: 'first / last', where: 'lists'},
  {keys: '← → / h l', help: 'images · containers · volumes', where: 'store'},
  {keys: '← → / h l', help: 'collapse / expand directory', where: 'file trees'},
  {keys: 'Enter', help: 'open: layers, files, a file (directory: collapse)', where: 'lists'},
  {keys: 'Esc / Backspace', help: 'back to the file tree', where: 'file view'},
  {keys: 'Space', help: 'collapse / expand directory', where: 'file trees'},
  {keys: 'ctrl+Space / z', help: 'collapse / expand all', where: 'file trees'},
  {keys: 'ctrl+l / t', help: "this layer's changes ↔ merged view up to it", where: 'files'},
  {keys: 'ctrl+a / A', help: 'show / hide added', where: 'file trees'},
  {keys: 'ctrl+r / R', help: 'show / hide removed', where: 'file trees'},
  {keys: 'M', help: 'show / hide modified (ctrl+m is Enter in terminals)', where: 'file trees'},
  {keys: 'ctrl+u / U', help: 'show / hide unmodified', where: 'file trees'},
  {keys: '/', help: 'search a path (Enter: go, n / N: next / previous)', where: 'file trees'},
  {keys: 'ctrl+f / f', help: 'filter paths (empty: clear)', where: 'file trees'},
  {keys: 'm', help: 'mark the selected image, container or layer to compare', where: 'store, layers'},
  {keys: 'c', help: 'compare the mark with the selection', where: 'store, layers'},
  {keys: 'd', help: 'diff the file against the layer below (or the marked layer)', where: 'file view'},
  {keys: 'x', help: 'text ↔ hex', where: 'file view'},
  {keys: '!', help: 'problems found while reading the store', where: 'everywhere'},
  {keys: '?', help: 'this help', where: 'everywhere'},
  {keys: 'q / ctrl+c', help: 'quit', where: 'everywhere'},
];

const PLAIN: Record<string, Command> = {
  q: 'quit', '?': 'help', '!': 'problems',
  k: 'up', j: 'down', h: 'left', l: 'right', g: 'home', G: 'end',
  ' ': 'toggleDir', z: 'toggleAll', t: 'toggleMerged',
  A: 'hideA', R: 'hideD', M: 'hideC', U: 'hideU',
  '/': 'search', f: 'filter', n: 'nextMatch', N: 'prevMatch',
  m: 'mark', c: 'compare', d: 'diff', x: 'hex',
  '1': 'pane1', '2': 'pane2', '3': 'pane3', '4': 'pane4', '5': 'pane5', '6': 'pane6', '7': 'pane7',
};

const CTRL: Record<string, Command> = {
  // ctrl+space arrives as NUL, which Ink names '`'.
  '`': 'toggleAll', ' ': 'toggleAll', l: 'toggleMerged', a: 'hideA', r: 'hideD', u: 'hideU', f: 'filter', b: 'pageUp', d: 'pageDown', c: 'quit',
};

export function commandFor(input: string, key: Key): Command | undefined {
  if (key.tab) return key.shift ? 'prevPane' : 'nextPane';
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageUp';
  if (key.pageDown) return 'pageDown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.escape || key.backspace || key.delete) return 'back';
  if (key.ctrl) return CTRL[input];
  return PLAIN[input];
}

/**
 * Ink reports a run of plain characters that arrive together (typing faster than a read, paste,
 * a scripted terminal) as one input: split it back into key presses.
 */
export function splitKeys(input: string, key: Key): [string, Key][] {
  if (input.length <= 1 || key.ctrl || key.meta) return [[input, key]];
  const plain: Key = {...key, return: false, tab: false, backspace: false, shift: false};
  return [...input].map((ch): [string, Key] => {
    if (ch === '\r' || ch === '\n') return ['', {...plain, return: true}];
    if (ch === '\t') return ['', {...plain, tab: true}];
    if (ch === '\x7f' || ch === '\b') return ['', {...plain, backspace: true}];
    return [ch, {...plain, shift: /[A-Z]/.test(ch)}];
  });
}

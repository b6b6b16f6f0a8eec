// The one key table: every binding, with where it works. It drives dispatch (commandFor), the
// help overlay, the per-pane footer and README's keys section (checked by a test), so they
// cannot drift. Bindings follow dive where a dive user would look for them; dive keys that do
// nothing in a pane say where they work instead of failing silently.
import type {Key} from 'ink';
import {PANES, type PaneId} from './state.js';

export type Command =
  | 'quit'
  | 'help'
  | 'problems'
  | 'nextPane'
  | 'prevPane'
  | 'pane'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'pageUp'
  | 'pageDown'
  | 'home'
  | 'end'
  | 'enter'
  | 'back'
  | 'toggleDir'
  | 'toggleAll'
  | 'toggleMerged'
  | 'showMerged'
  | 'showChanges'
  | 'hideA'
  | 'hideD'
  | 'hideC'
  | 'hideU'
  | 'search'
  | 'filter'
  | 'nextMatch'
  | 'prevMatch'
  | 'mark'
  | 'compare'
  | 'diff'
  | 'hex'
  | 'extract'
  | 'attrs'
  | 'sort';

/** Where a binding works: a pane, or a group of panes. */
export type Scope = PaneId | 'everywhere' | 'lists' | 'trees';

export const SCOPE_PANES: Record<Exclude<Scope, PaneId>, readonly PaneId[]> = {
  everywhere: ['store', 'layers', 'files', 'details', 'writable', 'mounts', 'volume', 'view', 'compare'],
  lists: ['store', 'layers', 'files', 'details', 'writable', 'mounts', 'volume', 'view', 'compare'],
  trees: ['files', 'compare'],
};

export interface Binding {
  command: Command;
  /** Key names as keyName() makes them: `q`, `G`, `ctrl+e`, `up`, `pgdn`, `enter`, `esc`, `space`. */
  keys: string[];
  help: string;
  where: Scope[];
  /** Key and a word or two for the footer of the panes it works in (none: not in the footer). */
  footer?: string;
}

/** Tried in order: a pane's own binding of a key comes before an `everywhere` one. */
export const BINDINGS: Binding[] = [
  {command: 'back', keys: ['q', 'esc', 'backspace'], help: 'back to where the file was opened, on that file', where: ['view'], footer: 'q back'},
  {command: 'nextPane', keys: ['tab'], help: 'next pane', where: ['everywhere'], footer: 'Tab panes'},
  {command: 'prevPane', keys: ['shift+tab'], help: 'previous pane', where: ['everywhere']},
  {
    command: 'pane',
    keys: PANES.map((_, i) => String(i + 1)),
    help: `go to pane: ${PANES.join(', ')}`,
    where: ['everywhere'],
  },
  {command: 'up', keys: ['up', 'k'], help: 'move up', where: ['lists']},
  {command: 'down', keys: ['down', 'j'], help: 'move down', where: ['lists']},
  {command: 'pageUp', keys: ['pgup'], help: 'page up', where: ['lists']},
  {command: 'pageDown', keys: ['pgdn', 'ctrl+d'], help: 'page down', where: ['lists']},
  {command: 'home', keys: ['home', 'g'], help: 'first row', where: ['lists']},
  {command: 'end', keys: ['end', 'G'], help: 'last row', where: ['lists']},
  {command: 'left', keys: ['left', 'h'], help: 'images · containers · volumes', where: ['store'], footer: '←→ lists'},
  {command: 'right', keys: ['right', 'l'], help: 'images · containers · volumes', where: ['store']},
  {command: 'enter', keys: ['enter'], help: 'open the selection: its layers, volume, files', where: ['store'], footer: 'Enter open'},
  {command: 'enter', keys: ['enter'], help: 'open the layer’s files', where: ['layers'], footer: 'Enter files'},
  {command: 'showMerged', keys: ['ctrl+a'], help: 'files: merged view up to this layer (dive: aggregated)', where: ['layers']},
  {command: 'showChanges', keys: ['ctrl+l'], help: 'files: this layer’s own changes', where: ['layers']},
  {command: 'left', keys: ['left', 'h'], help: 'collapse a directory, or go to its parent', where: ['trees']},
  {command: 'right', keys: ['right', 'l'], help: 'expand a directory', where: ['trees']},
  {command: 'enter', keys: ['enter'], help: 'open a file (a directory: collapse / expand)', where: ['trees', 'writable'], footer: 'Enter open'},
  {command: 'enter', keys: ['enter'], help: 'jump to the inefficient file in the merged view', where: ['details'], footer: 'Enter go to file'},
  {command: 'enter', keys: ['enter'], help: 'list the volume’s files (in Files)', where: ['volume'], footer: 'Enter files'},
  {command: 'toggleDir', keys: ['space'], help: 'collapse / expand a directory', where: ['trees']},
  {command: 'toggleAll', keys: ['ctrl+space', 'z'], help: 'collapse / expand all directories', where: ['trees']},
  {command: 'toggleMerged', keys: ['ctrl+l', 't'], help: 'this layer’s changes ↔ merged view up to it', where: ['files'], footer: 'ctrl+l merged'},
  {command: 'hideA', keys: ['ctrl+a', 'A'], help: 'show / hide added', where: ['trees']},
  {command: 'hideD', keys: ['ctrl+r', 'R'], help: 'show / hide removed', where: ['trees']},
  {command: 'hideC', keys: ['M'], help: 'show / hide modified (ctrl+m is Enter in terminals)', where: ['trees']},
  {command: 'hideU', keys: ['ctrl+u', 'U'], help: 'show / hide unmodified', where: ['trees']},
  {command: 'search', keys: ['/'], help: 'search a path (Enter: go)', where: ['trees'], footer: '/ search'},
  {command: 'nextMatch', keys: ['n'], help: 'next match', where: ['trees']},
  {command: 'prevMatch', keys: ['N'], help: 'previous match', where: ['trees']},
  {command: 'filter', keys: ['ctrl+/', 'ctrl+f', 'f'], help: 'filter paths (empty: clear)', where: ['trees'], footer: 'ctrl+/ filter'},
  {command: 'attrs', keys: ['ctrl+b', 'b'], help: 'show / hide the attribute columns (mode, owner)', where: ['trees']},
  {command: 'sort', keys: ['ctrl+o', 'o'], help: 'sort by name ↔ by size', where: ['trees']},
  {
    command: 'extract',
    keys: ['ctrl+e', 'e'],
    help: 'extract the selected file or directory to a path you confirm',
    where: ['files', 'compare', 'view'],
    footer: 'ctrl+e extract',
  },
  {command: 'mark', keys: ['m'], help: 'mark the selected image, container or layer (again: unmark)', where: ['store', 'layers'], footer: 'm mark'},
  {command: 'compare', keys: ['c'], help: 'compare the mark with the selection', where: ['store', 'layers'], footer: 'c compare'},
  {command: 'diff', keys: ['d'], help: 'diff the file against the layer below, the mark, or the other compared side', where: ['view'], footer: 'd diff'},
  {command: 'hex', keys: ['x'], help: 'text ↔ hex', where: ['view'], footer: 'x hex'},
  {command: 'problems', keys: ['!'], help: 'problems found reading the store', where: ['everywhere']},
  {command: 'help', keys: ['?'], help: 'this help (scroll with ↑ ↓ PgUp PgDn)', where: ['everywhere'], footer: '? keys'},
  {command: 'quit', keys: ['q', 'ctrl+c'], help: 'quit', where: ['everywhere'], footer: 'q quit'},
];

/** dive's keys: when one does nothing in the focused pane, a hint says where it works. */
export const DIVE_KEYS: Record<string, string> = {
  'ctrl+m': 'dive’s ctrl+m (modified) arrives as Enter in terminals: use M',
  'ctrl+p': 'dive’s ctrl+p (wrap tree) is not needed: long names are cut in the middle',
};

function inScope(scope: Scope, pane: PaneId): boolean {
  return scope === pane || (scope !== pane && scope in SCOPE_PANES && SCOPE_PANES[scope as keyof typeof SCOPE_PANES].includes(pane));
}

export function worksIn(b: Binding, pane: PaneId): boolean {
  return b.where.some((s) => inScope(s, pane));
}

/** The name of a key press, as the table spells keys. */
export function keyName(input: string, key: Key): string {
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pgup';
  if (key.pageDown) return 'pgdn';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.escape) return 'esc';
  if (key.backspace || key.delete) return 'backspace';
  // ctrl+space arrives as NUL (Ink names it '`'); ctrl+/ as 0x1f, which Ink passes through as is.
  if (input === '\x1f') return 'ctrl+/';
  if (key.ctrl) return input === '`' || input === ' ' ? 'ctrl+space' : `ctrl+${input}`;
  if (input === ' ') return 'space';
  return input;
}

export interface Resolved {
  command?: Command;
  /** For `pane`: which (1-based). */
  arg?: number;
  /** A key that does nothing here but would elsewhere (or in dive): where it works. */
  hint?: string;
}

export function resolveKey(name: string, pane: PaneId): Resolved {
  const here = BINDINGS.find((b) => b.keys.includes(name) && worksIn(b, pane));
  if (here) return {command: here.command, arg: here.command === 'pane' ? Number(name) : undefined};
  const elsewhere = BINDINGS.filter((b) => b.keys.includes(name));
  if (elsewhere.length) return {hint: `${name}: ${elsewhere[0]!.help} — works in ${[...new Set(elsewhere.flatMap((b) => b.where))].join(', ')}`};
  if (DIVE_KEYS[name]) return {hint: DIVE_KEYS[name]};
  if (name.startsWith('ctrl+')) return {hint: `${name} does nothing here; ? lists every key`};
  return {};
}

/** The keys of a binding as shown: `ctrl+a / A`. */
export function keysLabel(b: Binding): string {
  if (b.command === 'pane') return '1 … 9';
  return b.keys.map((k) => KEY_LABELS[k] ?? k).join(' / ');
}

const KEY_LABELS: Record<string, string> = {
  up: '↑',
  down: '↓',
  left: '←',
  right: '→',
  pgup: 'PgUp',
  pgdn: 'PgDn',
  home: 'Home',
  end: 'End',
  enter: 'Enter',
  esc: 'Esc',
  backspace: 'Backspace',
  tab: 'Tab',
  'shift+tab': 'Shift-Tab',
  space: 'Space',
};

/** The footer of a pane: its own keys first, then the ones that work everywhere. */
export function footerFor(pane: PaneId): string {
  const own = BINDINGS.filter((b) => b.footer && !b.where.includes('everywhere') && worksIn(b, pane));
  // A pane's own meaning of a key (q in the file view) hides the everywhere one.
  const shadowed = new Set(own.flatMap((b) => b.keys));
  const all = BINDINGS.filter((b) => b.footer && b.where.includes('everywhere') && !shadowed.has(b.keys[0]!));
  const seen = new Set<string>();
  return [...own, ...all]
    .filter((b) => !seen.has(b.footer!) && seen.add(b.footer!))
    .map((b) => b.footer)
    .join(' · ');
}

/** README's keys section: one row per binding. */
export function keysMarkdown(): string {
  const rows = BINDINGS.map((b) => `| ${keysLabel(b).replace(/\|/g, '\\|')} | ${b.help} | ${b.where.join(', ')} |`);
  return ['| Keys | What | Where |', '|---|---|---|', ...rows].join('\n');
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

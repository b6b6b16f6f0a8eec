// Colours, dropped entirely when NO_COLOR is set (https://no-color.org): every state that a colour
// shows is also shown by a letter, a marker or a border style. Text you must read uses colours
// that read on light and dark themes (no bright black 90, no yellow 33); grey is for borders only.
import type {ChangeKind} from '../tree/changes.js';

export const colorEnabled = !process.env.NO_COLOR;

const PALETTE = {
  added: 'green',
  modified: 'magenta',
  deleted: 'red',
  focus: 'cyan',
  accent: 'blue',
  warn: 'magenta',
  error: 'red',
  border: 'gray',
  running: 'green',
} as const;

export type Tone = keyof typeof PALETTE;

/** The colour for a tone, or undefined (the terminal's default) without colours. */
export function tone(name: Tone): string | undefined {
  return colorEnabled ? PALETTE[name] : undefined;
}

export const KIND_TONE: Record<ChangeKind, Tone> = {A: 'added', C: 'modified', D: 'deleted'};

/** The cursor row: reversed in the focused pane, underlined in the others (no colour needed). */
export function cursorStyle(selected: boolean, focused: boolean): {inverse: boolean; underline: boolean} {
  return {inverse: selected && focused, underline: selected && !focused};
}

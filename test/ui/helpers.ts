// Driving the explorer in tests: keys as a terminal sends them, and waiting for frames.
import {render} from 'ink-testing-library';
import {createElement} from 'react';
import type {LayerStore} from '../../source/store/store.js';
import {App} from '../../source/ui/App.js';

export const KEYS = {
  up: '\u001B[A',
  down: '\u001B[B',
  right: '\u001B[C',
  left: '\u001B[D',
  pageDown: '\u001B[6~',
  enter: '\r',
  escape: '\u001B',
  tab: '\t',
  ctrlSpace: '\u0000',
  ctrlL: '\u000C',
  ctrlA: '\u0001',
} as const;

export type Ui = ReturnType<typeof render> & {
  frame: () => string;
  /** Every frame drawn so far (keys are handled one per frame, so none is skipped). */
  allFrames: () => string[];
  /** Wait until no new frame has been drawn for `quietMs`. */
  settle: (quietMs?: number) => Promise<void>;
  press: (...keys: string[]) => Promise<void>;
  waitFor: (test: (frame: string) => boolean, what: string, timeoutMs?: number) => Promise<string>;
  /** Give the terminal `rows` lines (ink-testing-library's has 24) and `columns` (100), as a resize does. */
  resize: (rows: number, columns?: number) => void;
};

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

export async function renderApp(store: LayerStore, select?: string, live = false): Promise<Ui> {
  const ui = render(createElement(App, {store, select, live}));
  const frame = () => ui.lastFrame() ?? '';
  const waitFor = async (test: (f: string) => boolean, what: string, timeoutMs = 30_000) => {
    const start = Date.now();
    while (!test(frame())) {
      if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}; last frame:\n${frame()}`);
      await tick(5);
    }
    return frame();
  };
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      ui.stdin.write(k);
      await tick(15);
    }
  };
  const allFrames = () => ui.frames.slice();
  const settle = async (quietMs = 150) => {
    let count = -1;
    while (count !== ui.frames.length) {
      count = ui.frames.length;
      await tick(quietMs);
    }
  };
  // Layers are read one per tick after the first frame.
  await waitFor((f) => !f.includes('reading layer'), 'the layers to be read');
  const resize = (rows: number, columns?: number) => {
    Object.defineProperty(ui.stdout, 'rows', {value: rows, configurable: true});
    if (columns) Object.defineProperty(ui.stdout, 'columns', {value: columns, configurable: true});
    ui.stdout.emit('resize');
  };
  return Object.assign(ui, {frame, allFrames, settle, press, waitFor, resize});
}

/** Lines of the bottom (full-width) pane, below its title line. */
export function detailRows(frame: string): string[] {
  const lines = frame.split('\n');
  const start = lines.findIndex((l, i) => i > 2 && /^[╔┌]/.test(l) && !l.includes('┐┌') && !l.includes('╗┌') && !l.includes('┐╔'));
  const out: string[] = [];
  for (let i = start + 2; i < lines.length && !/^[╚└]/.test(lines[i]!); i++) out.push(lines[i]!.slice(1, -1).trimEnd());
  return out;
}

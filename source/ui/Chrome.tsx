// The lines around the panes: the tab bar, the status line (never wrapped) and the footer (the
// input being typed, a message, the first problem, or the focused pane's keys).
import {Box} from 'ink';
import {Text} from './SafeText.js';
import type {LayerStore} from '../store/store.js';
import {footerFor} from './keys.js';
import type {Layout} from './layout.js';
import {containerLine, imageLabel} from './rows.js';
import {PANE_TITLES, PANES, type State} from './state.js';
import {cutMiddle} from './text.js';
import {tone} from './theme.js';
import type {Selection} from './use-selection.js';

export function Tabs({state, lay, label}: {state: State; lay: Layout; label: string}) {
  // Full pane names with the store's label; else numbers (the focused pane named) with the label; else without.
  const tabText = (compact: boolean) => (p: (typeof PANES)[number], i: number) => (compact && state.focus !== p ? ` ${i + 1}` : ` ${i + 1} ${PANE_TITLES[p]} `);
  const width = (compact: boolean) => (compact ? 'ls ' : 'layerscope ').length + PANES.reduce((n, p, i) => n + tabText(compact)(p, i).length, 0);
  const tag = ` [${label}]`;
  const compact = lay.columns < width(false) + tag.length;
  const tab = tabText(compact);
  const used = width(compact);
  // The compare mark stays in sight until c or m again (the store's kind gives way to it).
  const mark = state.mark ? ` ◆ marked ${cutMiddle(state.mark.label, Math.max(1, lay.columns - used - 11))}` : '';
  const right = mark + (lay.columns >= used + mark.length + tag.length ? tag : '');
  return (
    <Box height={1} justifyContent="space-between">
      <Text wrap="truncate">
        <Text bold color={tone('accent')}>
          {compact ? 'ls ' : 'layerscope '}
        </Text>
        {PANES.map((p, i) => (
          <Text key={p} inverse={state.focus === p} underline={state.detail === p && state.focus !== p}>
            {tab(p, i)}
          </Text>
        ))}
      </Text>
      {/* The kind of store, where the pane titles leave room (it is on the status line too). */}
      {right && lay.columns >= used + right.length ? <Text wrap="truncate">{right}</Text> : null}
    </Box>
  );
}

/**
 * One line, never wrapped: the selection and layer, the path (cut in the middle first), and the
 * root on the right (cut in the middle, at most 30% of the line).
 */
export function StatusLine({
  store,
  sel,
  path,
  indexing,
  live,
  columns,
}: {
  store: LayerStore;
  sel: Selection;
  path?: string;
  indexing?: string;
  live: boolean;
  columns: number;
}) {
  const {container, image, layerRow} = sel;
  // What is selected, longest form first: the container line gives way to the container's name.
  const names = container ? [containerLine(store, container), container.name] : image ? [imageLabel(image)] : ['nothing selected'];
  const layer =
    layerRow?.index !== undefined ? ` › layer ${layerRow.index}${layerRow.layer && layerRow.layer.kind !== 'image' ? ` ${layerRow.layer.kind}` : ''}` : '';
  const tail = [path ?? '', indexing ?? ''].filter(Boolean).join(' › ');
  const right = `${store.root}${live ? ' · live' : ''}`;
  const rootText = cutMiddle(right, Math.max(0, Math.min(right.length, Math.floor(columns * 0.3))));
  const room = Math.max(0, columns - rootText.length - 1);
  const fit = (name: string) => `${name}${layer}${tail ? ` › ${tail}` : ''}`;
  const whole = names.map(fit).find((l) => l.length <= room);
  const name = names.at(-1)!;
  // Still too long: the path is cut in the middle (its first and last names stay).
  const left = whole ?? cutMiddle(`${name}${layer}${tail ? ` › ${cutMiddle(tail, Math.max(1, room - name.length - layer.length - 3))}` : ''}`, room);
  // The store's kind before the root, whole, where the line has room for it.
  const tag = `[${store.label}] `;
  const rightText = columns - left.length - rootText.length - 1 >= tag.length ? tag + rootText : rootText;
  return (
    <Box height={1}>
      <Text wrap="truncate">
        {left.padEnd(columns - rightText.length)}
        {rightText}
      </Text>
    </Box>
  );
}

/** The input being typed, a message, the first problem, or the focused pane's keys. */
export function Footer({state, store, columns}: {state: State; store: LayerStore; columns: number}) {
  const problems = store.problemList;
  const input = state.input;
  const text = input
    ? `${input.purpose === 'search' ? '/' : input.purpose === 'filter' ? 'filter: ' : `extract ${input.source?.path} to: `}${input.text}▏  (Enter: ${input.purpose === 'extract' ? 'write' : 'apply'}, Esc: cancel)`
    : (state.message ??
      (problems.length
        ? `⚠ ${problems.length} problem${problems.length > 1 ? 's' : ''} (! lists them): ${problems[0]!.message} — ${cutMiddle(problems[0]!.item, Math.floor(columns * 0.5))}`
        : footerFor(state.focus)));
  return (
    <Text wrap="truncate" color={input ? undefined : state.message ? tone('warn') : problems.length ? tone('error') : undefined}>
      {text}
    </Text>
  );
}

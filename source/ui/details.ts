// Lines of the Details pane (dive's Image Details and Layer Details) and of the volume pane, as
// plain data: each line is text, optionally a path Enter jumps to.
import type {Efficiency} from '../store/efficiency.js';
import type {Container, Layer} from '../store/model.js';
import {shortId} from '../docker/digest.js';
import type {LayerStore} from '../store/store.js';
import {humanSize} from '../tree/human.js';
import {imageLabel, layerShortId, type LayerRow} from './rows.js';
import type {Side} from './state.js';
import {wrap} from './text.js';

export interface DetailLine {
  text: string;
  /** A heading (bold). */
  head?: boolean;
  /** Enter on this line jumps to the path in the merged view. */
  path?: string;
}

/** A fraction as a percentage, cut (not rounded) to two decimals so 99.998 % never shows as 100. */
const percent = (f: number) => (Number.isFinite(f) ? `${(Math.floor(f * 10000) / 100).toFixed(2)}%` : 'n/a');

/** dive's summary, one line: what the layers pane shows under its list. */
export function efficiencyLine(e: Efficiency | undefined, done: boolean, width: number): string {
  if (!e) return 'efficiency: computing…';
  const line = `efficiency ${percent(e.score)} · wasted ${humanSize(e.wastedBytes, 3)} · user wasted ${percent(e.userWastedPercent)}${done ? '' : ' …'}`;
  return line.length <= width ? line : `efficiency ${percent(e.score)} · wasted ${humanSize(e.wastedBytes, 3)}`;
}

export function imageDetails(label: string, e: Efficiency | undefined, width: number): DetailLine[] {
  if (!e) return [{text: `Image ${label}`, head: true}, {text: 'efficiency: computing in the background…'}];
  const lines: DetailLine[] = [
    {text: `Image ${label}`, head: true},
    {text: `Total size ${humanSize(e.sizeBytes, 3)} · user size ${humanSize(e.userSizeBytes, 3)}`},
    {text: `Efficiency ${percent(e.score)} · wasted ${humanSize(e.wastedBytes, 3)} (${e.wastedBytes} B) · user wasted ${percent(e.userWastedPercent)}`},
    {
      text: e.inefficient.length ? `Inefficient files (${e.inefficient.length}): count, wasted, path — Enter goes to the file` : 'Inefficient files: none',
      head: true,
    },
  ];
  for (const f of e.inefficient) lines.push({text: `${String(f.count).padStart(5)} ${humanSize(f.wastedBytes, 3).padStart(9)}  ${f.path}`, path: f.path});
  return lines.flatMap((l) => (l.path ? [l] : wrap(l.text, width).map((text) => ({...l, text}))));
}

/** Layer details: full created_by (wrapped), created, size, labelled ids, shared with which images. */
export function layerDetails(store: LayerStore, row: LayerRow | undefined, label: string, width: number, container?: Container): DetailLine[] {
  if (!row) return [];
  const layer = row.layer;
  const title =
    row.index === undefined
      ? layer
        ? `Attestation of ${label} (not a filesystem layer)`
        : 'History entry (no layer: metadata only)'
      : `Layer ${row.index} of ${label}${layer && layer.kind !== 'image' ? ` (${layer.kind === 'rw' ? 'writable' : 'init'})` : ''}`;
  const fields: [string, string | undefined][] = [
    ['created_by', row.createdBy || row.comment || '(no history)'],
    ['created', row.created],
    ['size', row.size === undefined ? undefined : `${humanSize(row.size, 3)} (${row.size} B)`],
    ['diff id', layer?.diffId],
    ['chain id', layer?.kind === 'image' ? layer.id : undefined],
    // containerd keeps a layer's files in a snapshot; Docker's own stores in a cache-id directory.
    [store.kind.startsWith('containerd') ? 'snapshot' : 'cache id', layer?.cacheId],
    ['host dir', layer && (layer.kind === 'rw' || container) ? layer.dir : undefined],
    [
      'shared with',
      row.sharers.length
        ? row.sharers
            .map((id) => imageName(store, id))
            .sort()
            .join(', ')
        : layer?.kind === 'image'
          ? 'no other image'
          : undefined,
    ],
  ];
  const out: DetailLine[] = [{text: title, head: true}];
  const pad = 12;
  for (const [name, value] of fields) {
    if (value === undefined) continue;
    wrap(value, Math.max(10, width - pad)).forEach((part, i) => out.push({text: `${(i ? '' : name).padEnd(pad)}${part}`}));
  }
  return out;
}

function imageName(store: LayerStore, id: string): string {
  const image = store.images.get(id);
  return image ? imageLabel(image) : shortId(id);
}

/**
 * Which layers two compared views share (bottom first: a chain id names its whole chain, so the
 * shared ones are a common prefix), and which each has alone: the shared ones, then each side's
 * own layers by index and short id as the layers pane shows them (a side with none says so).
 */
export function layerComparison(store: LayerStore, a: Side, b: Side): string[] {
  const ca = a.top ? store.chain(a.top) : [];
  const cb = b.top ? store.chain(b.top) : [];
  let shared = 0;
  while (shared < ca.length && shared < cb.length && ca[shared]!.id === cb[shared]!.id) shared++;
  const range = shared === 0 ? 'none shared' : shared === 1 ? '1 shared (0)' : `${shared} shared (0–${shared - 1})`;
  const sides: [Side, Layer[]][] = [
    [a, ca.slice(shared)],
    [b, cb.slice(shared)],
  ];
  const none = sides.filter(([, own]) => !own.length).map(([side]) => ` · none only in ${side.label}`);
  const own = sides
    .filter(([, layers]) => layers.length)
    .map(
      ([side, layers]) =>
        `only in ${side.label} (${layers.length}): ${layers.map((l, i) => `${shared + i} ${layerShortId(l)}${l.kind === 'image' ? '' : ` ${l.kind}`}`).join(' · ')}`,
    );
  return [`layers: ${range}${none.join('')}`, ...own];
}

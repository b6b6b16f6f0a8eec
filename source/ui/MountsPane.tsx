// Pane 5: the selected container's volumes and mounts as a table (@alcalzone/ink-table, the ESM
// port of ink-table: the original 3.x is CommonJS and cannot load Ink ≥ 4).
import {Table} from '@alcalzone/ink-table';
import {Text} from './SafeText.js';
import {memo, type PropsWithChildren} from 'react';
import {inner, Pane} from './Pane.js';
import {cutMiddle} from './text.js';
import type {MountRow} from './rows.js';
import {tone} from './theme.js';

export interface MountsPaneProps {
  title: string;
  rows?: MountRow[];
  focused: boolean;
  width: number;
  height: number;
}

const COLUMNS: (keyof MountRow)[] = ['Type', 'Name', 'Source', 'Destination', 'Mode', 'Driver', 'Size', 'How'];
/** Columns dropped, in this order, when even cut cells do not fit. */
const OPTIONAL: (keyof MountRow)[] = ['How', 'Driver', 'Type', 'Size'];
/** Columns whose cells may be cut in the middle (paths and names), widest first. */
const CUTTABLE: (keyof MountRow)[] = ['Source', 'Destination', 'Name', 'Driver'];

/**
 * The table that fits `width` columns with its borders: paths and names cut in the middle
 * (`/var/lib/…/appdata/_data`), then optional columns dropped.
 */
export function fitTable(rows: MountRow[], width: number): {rows: MountRow[]; columns: (keyof MountRow)[]} {
  const widths = new Map(COLUMNS.map((k) => [k, rows.reduce((w, r) => Math.max(w, r[k].length), k.length)]));
  // A column is never narrower than its header (the table prints headers whole) or 8.
  const min = (k: keyof MountRow) => (CUTTABLE.includes(k) ? Math.max(8, k.length) : widths.get(k)!);
  const total = (cols: (keyof MountRow)[], w: (k: keyof MountRow) => number) => cols.reduce((sum, k) => sum + w(k) + 3, 1);
  // Drop optional columns until the table fits with its paths cut to their minimum…
  let columns = [...COLUMNS];
  for (const drop of OPTIONAL) if (total(columns, min) > width) columns = columns.filter((k) => k !== drop);
  // …then cut the widest paths and names, in the middle, just enough.
  for (let over = total(columns, (k) => widths.get(k)!) - width; over > 0; over = total(columns, (k) => widths.get(k)!) - width) {
    const widest = CUTTABLE.filter((k) => columns.includes(k) && widths.get(k)! > min(k)).sort((a, b) => widths.get(b)! - widths.get(a)!)[0];
    if (!widest) break;
    const second = Math.max(min(widest), ...CUTTABLE.filter((k) => k !== widest && columns.includes(k)).map((k) => widths.get(k)!));
    widths.set(widest, Math.max(min(widest), widths.get(widest)! - over, Math.min(second, widths.get(widest)! - 1)));
  }
  return {columns, rows: rows.map((r) => Object.fromEntries(columns.map((k) => [k, cutCell(k, r[k], widths.get(k)!)])) as MountRow)};
}

/** A cell in `width`: paths cut in the middle at whole names; a Source that is no path keeps its end (`…n · not in root`), other words their start. */
function cutCell(k: keyof MountRow, text: string, width: number): string {
  if (text.length <= width) return text;
  if (text.startsWith('/')) return cutMiddle(text, width);
  return k === 'Source' ? `…${text.slice(text.length - width + 1)}` : `${text.slice(0, width - 1)}…`;
}

function Header({children}: PropsWithChildren) {
  return (
    <Text bold color={tone('accent')}>
      {children}
    </Text>
  );
}

function FittedTable({rows, width}: {rows: MountRow[]; width: number}) {
  const table = fitTable(rows, width);
  return <Table data={table.rows} columns={table.columns} header={Header} />;
}

/** Table rows that fit `height` lines: borders and header take 3, each row 2 (a line and a rule). */
function rowsThatFit(count: number, height: number): number {
  const all = Math.max(0, Math.floor((height - 3) / 2));
  // Room for the "… more" line when some are left out.
  return count <= all ? count : Math.max(0, Math.floor((height - 4) / 2));
}

function MountsPaneImpl({title, rows, focused, width, height}: MountsPaneProps) {
  const size = inner(width, height);
  // Rows beyond the pane would be squeezed to nothing by the layout: show those that fit, and say how many are left.
  const shown = rows ? rowsThatFit(rows.length, size.height) : 0;
  return (
    <Pane title={title} info={rows ? `${rows.length} mount${rows.length === 1 ? '' : 's'}` : ''} focused={focused} width={width} height={height}>
      {!rows ? (
        <Text>select a container</Text>
      ) : rows.length === 0 ? (
        <Text>no mounts</Text>
      ) : (
        <>
          {shown > 0 ? <FittedTable rows={rows.slice(0, shown)} width={size.width} /> : null}
          {shown < rows.length ? <Text dimColor>… {rows.length - shown} more (layerscope mounts lists all)</Text> : null}
        </>
      )}
    </Pane>
  );
}

export const MountsPane = memo(MountsPaneImpl);

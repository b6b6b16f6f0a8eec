// Pane 5: the selected container's volumes and mounts as a table (@alcalzone/ink-table, the ESM
// port of ink-table: the original 3.x is CommonJS and cannot load Ink ≥ 4).
import {Table} from '@alcalzone/ink-table';
import {Text} from 'ink';
import {memo, type PropsWithChildren} from 'react';
import {inner, Pane} from './Pane.js';
import type {MountRow} from './rows.js';
import {tone} from './theme.js';

export interface MountsPaneProps {
  title: string;
  rows?: MountRow[];
  focused: boolean;
  width: number;
  height: number;
}

const COLUMNS: (keyof MountRow)[] = ['Type', 'Name', 'Source', 'Destination', 'Mode', 'Driver', 'Size'];

/** Long cells (volume paths) are cut from the left so the table fits the pane. */
function fit(rows: MountRow[], width: number): MountRow[] {
  const widest = (k: keyof MountRow) => Math.max(k.length, ...rows.map((r) => r[k].length));
  const total = COLUMNS.reduce((sum, k) => sum + widest(k) + 3, 1);
  const over = total - width;
  if (over <= 0) return rows;
  const room = Math.max(8, widest('Source') - over);
  return rows.map((r) => ({...r, Source: r.Source.length > room ? `…${r.Source.slice(r.Source.length - room + 1)}` : r.Source}));
}

function Header({children}: PropsWithChildren) {
  return (
    <Text bold color={tone('accent')}>
      {children}
    </Text>
  );
}

function MountsPaneImpl({title, rows, focused, width, height}: MountsPaneProps) {
  const size = inner(width, height);
  return (
    <Pane title={title} info={rows ? `${rows.length} mounts` : ''} focused={focused} width={width} height={height}>
      {!rows ? <Text dimColor>select a container</Text> : rows.length === 0 ? <Text dimColor>no mounts</Text> : <Table data={fit(rows, size.width)} columns={COLUMNS} header={Header} />}
    </Pane>
  );
}

export const MountsPane = memo(MountsPaneImpl);

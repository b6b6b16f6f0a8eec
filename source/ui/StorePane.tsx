// Pane 1: images (dangling marked), containers (state, image) and volumes; ◆ on the compare mark.
import {Text} from './SafeText.js';
import {memo} from 'react';
import {ListView} from './ListView.js';
import {inner, Pane} from './Pane.js';
import {STORE_LISTS, type StoreList, type StoreRow} from './rows.js';
import {cursorStyle, tone} from './theme.js';

export interface StorePaneProps {
  list: StoreList;
  rows: StoreRow[];
  cursor: number;
  /** The row marked for compare (m). */
  marked?: string;
  focused: boolean;
  width: number;
  height: number;
}

function StorePaneImpl({list, rows, cursor, marked, focused, width, height}: StorePaneProps) {
  const size = inner(width, height);
  const tabs = STORE_LISTS.map((l) => (l === list ? `[${l}]` : l)).join(' ');
  return (
    <Pane title={tabs} focused={focused} width={width} height={height}>
      <ListView
        count={rows.length}
        cursor={cursor}
        height={size.height}
        empty={`no ${list}`}
        row={(i, selected) => {
          const r = rows[i]!;
          const marker = `${list === 'containers' ? (r.running ? '●' : '○') : r.dim ? '·' : ' '}${r.id === marked ? '◆' : ' '}`;
          return (
            <Text {...cursorStyle(selected, focused)} dimColor={r.dim && !selected} wrap="truncate">
              <Text color={r.running ? tone('running') : undefined}>{marker}</Text>
              {r.label.padEnd(Math.min(18, size.width - 12))} <Text dimColor>{r.detail}</Text>
            </Text>
          );
        }}
      />
    </Pane>
  );
}

export const StorePane = memo(StorePaneImpl);

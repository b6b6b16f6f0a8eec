// A virtualised list: only the visible slice is rendered, and the window moves only when the
// cursor leaves it, so a key press costs the same on 100 rows and on 100k.
import {Box} from 'ink';
import {Text} from './SafeText.js';
import {memo, useRef, type ReactNode} from 'react';
import {windowStart} from './state.js';

export interface ListViewProps {
  /** Rows known so far (a lazily flattened list may have more). */
  count: number;
  cursor: number;
  height: number;
  /** Render row `i`; `selected` when it is under the cursor. */
  row: (i: number, selected: boolean) => ReactNode;
  empty?: string;
}

function ListViewImpl({count, cursor, height, row, empty}: ListViewProps) {
  const top = useRef(0);
  top.current = windowStart(top.current, cursor, height, count);
  if (count === 0) return <Text dimColor>{empty ?? '(empty)'}</Text>;
  const rows: ReactNode[] = [];
  for (let i = top.current; i < Math.min(count, top.current + height); i++)
    rows.push(
      <Box key={i} height={1}>
        {row(i, i === cursor)}
      </Box>,
    );
  return <Box flexDirection="column">{rows}</Box>;
}

export const ListView = memo(ListViewImpl);

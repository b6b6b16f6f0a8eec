// Pane 8 (Details): lines of text, some of them selectable (an inefficient file
// Enter goes to), scrolled with the cursor.
import {Box} from 'ink';
import {Text} from './SafeText.js';
import {memo, type ReactNode} from 'react';
import type {DetailLine} from './details.js';
import {ListView} from './ListView.js';
import {inner, Pane} from './Pane.js';
import {cursorStyle} from './theme.js';

export interface LinesPaneProps {
  title: string;
  info?: string;
  lines: DetailLine[];
  cursor?: number;
  focused: boolean;
  width: number;
  height: number;
  /** Below the lines, in the rest of the pane. */
  children?: ReactNode;
  /** Rows of the pane the lines get (default: all). */
  linesHeight?: number;
}

function LinesPaneImpl({title, info, lines, cursor = -1, focused, width, height, children, linesHeight}: LinesPaneProps) {
  const size = inner(width, height);
  const rows = Math.min(size.height, linesHeight ?? size.height);
  return (
    <Pane title={title} info={info} focused={focused} width={width} height={height}>
      <Box height={rows} flexDirection="column">
        <ListView
          count={lines.length}
          cursor={Math.max(0, cursor)}
          height={rows}
          row={(i, selected) => (
            <Text {...cursorStyle(selected && cursor >= 0, focused)} bold={lines[i]!.head} wrap="truncate">
              {lines[i]!.text || ' '}
            </Text>
          )}
        />
      </Box>
      {children}
    </Pane>
  );
}

export const LinesPane = memo(LinesPaneImpl);

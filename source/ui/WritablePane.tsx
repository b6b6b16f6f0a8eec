// Pane 4: the selected container's writable layer as `docker diff` lists it, live.
import {escape} from '../text/escape.js';
import {Text} from './SafeText.js';
import {memo} from 'react';
import type {Change} from '../tree/changes.js';
import {humanSize} from '../tree/human.js';
import {ListView} from './ListView.js';
import {inner, Pane} from './Pane.js';
import {cursorStyle, KIND_TONE, tone} from './theme.js';

export interface WritablePaneProps {
  title: string;
  changes?: Change[];
  notice?: string;
  cursor: number;
  focused: boolean;
  width: number;
  height: number;
}

function WritablePaneImpl({title, changes, notice, cursor, focused, width, height}: WritablePaneProps) {
  const size = inner(width, height);
  const counts = (['A', 'C', 'D'] as const).map((k) => `${k}${changes?.filter((c) => c.kind === k).length ?? 0}`).join(' ');
  return (
    <Pane title={title} info={changes ? `${counts} · live` : ''} focused={focused} width={width} height={height}>
      {notice || !changes ? (
        <Text>{notice}</Text>
      ) : (
        <ListView
          count={changes.length}
          cursor={cursor}
          height={size.height}
          empty="no changes"
          row={(i, selected) => {
            const c = changes[i]!;
            const bytes = c.kind !== 'D' && c.node.meta.kind !== 'dir' ? `  ${humanSize(c.node.meta.size, 3)}` : '';
            return (
              <Text {...cursorStyle(selected, focused)} color={tone(KIND_TONE[c.kind])} wrap="truncate">
                <Text bold>{c.kind}</Text> {escape(c.path)}
                <Text dimColor>{bytes}</Text>
              </Text>
            );
          }}
        />
      )}
    </Pane>
  );
}

export const WritablePane = memo(WritablePaneImpl);

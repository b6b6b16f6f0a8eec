// Pane 5 when the volumes list is selected: one volume as `docker volume inspect` shows it (what
// only its plugin knows marked unknown), where its data is, and the containers using it and how.
import {Box} from 'ink';
import {Text} from './SafeText.js';
import {memo} from 'react';
import {inner, Pane} from './Pane.js';
import type {VolumeDetail} from './rows.js';
import {tone} from './theme.js';

export interface VolumePaneProps {
  detail?: VolumeDetail;
  focused: boolean;
  width: number;
  height: number;
}

function VolumePaneImpl({detail, focused, width, height}: VolumePaneProps) {
  const size = inner(width, height);
  if (!detail) {
    return (
      <Pane title="Volume" focused={focused} width={width} height={height}>
        <Text dimColor>select a volume</Text>
      </Pane>
    );
  }
  const label = Math.max(...[...detail.fields, ...detail.more].map(([k]) => k.length)) + 2;
  const field = ([k, v]: [string, string]) => (
    <Box key={k} flexShrink={0}>
      <Box width={label} flexShrink={0}>
        <Text color={tone('accent')}>{k}</Text>
      </Box>
      <Text wrap="wrap">{v}</Text>
    </Box>
  );
  const widths = [0, 1, 2].map((i) => detail.users.reduce((w, u) => Math.max(w, u[i]!.length), 0) + 2);
  return (
    <Pane title={detail.title} info={`${detail.users.length} user${detail.users.length === 1 ? '' : 's'}`} focused={focused} width={width} height={height}>
      <Box flexDirection="column" width={size.width} overflow="hidden">
        {detail.fields.map(field)}
        <Box flexShrink={0}>
          <Text color={tone('accent')}>Used by</Text>
        </Box>
        {detail.users.length === 0 ? (
          <Box flexShrink={0}>
            <Text dimColor> no container</Text>
          </Box>
        ) : null}
        {/* Rows keep their height (the pane cuts what does not fit) rather than being squeezed over each other. */}
        {detail.users.map((u, i) => (
          <Box key={i} flexShrink={0}>
            <Text wrap="truncate-end">
              {'  '}
              {u[0].padEnd(widths[0]!)}
              {u[1].padEnd(widths[1]!)}
              {u[2].padEnd(widths[2]!)}
              <Text dimColor>{u[3]}</Text>
            </Text>
          </Box>
        ))}
        {detail.more.map(field)}
      </Box>
    </Pane>
  );
}

export const VolumePane = memo(VolumePaneImpl);

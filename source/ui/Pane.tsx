// A bordered pane: double border and ▶ title when focused, so focus shows without colour.
import {Box, Text} from 'ink';
import type {ReactNode} from 'react';
import {tone} from './theme.js';

export interface PaneProps {
  title: string;
  /** Right side of the title line (counts, modes). */
  info?: string;
  focused: boolean;
  width: number;
  height: number;
  children: ReactNode;
}

export function Pane({title, info, focused, width, height, children}: PaneProps) {
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle={focused ? 'double' : 'single'} borderColor={focused ? tone('focus') : tone('muted')} overflow="hidden">
      <Box justifyContent="space-between" height={1}>
        <Text bold={focused} wrap="truncate">
          {focused ? '▶ ' : '  '}
          {title}
        </Text>
        {info ? (
          <Text dimColor wrap="truncate">
            {' '}
            {info}
          </Text>
        ) : null}
      </Box>
      {children}
    </Box>
  );
}

/** Inner size of a pane: borders and the title line taken off. */
export function inner(width: number, height: number): {width: number; height: number} {
  return {width: Math.max(1, width - 2), height: Math.max(1, height - 3)};
}

// A bordered pane: double border and ▶ title when focused, so focus shows without colour. The
// title is cut in the middle to leave room for the info on its right, so both ends stay legible.
import {Box} from 'ink';
import {Text} from './SafeText.js';
import type {ReactNode} from 'react';
import {cutMiddle} from './text.js';
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
  const room = Math.max(0, width - 4);
  const infoText = info ? cutMiddle(info, Math.max(0, Math.min(info.length, room - Math.min(title.length, 12) - 1))) : '';
  const titleText = cutMiddle(title, Math.max(0, room - (infoText ? infoText.length + 1 : 0)));
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      borderStyle={focused ? 'double' : 'single'}
      borderColor={focused ? tone('focus') : tone('border')}
      overflow="hidden"
    >
      <Box justifyContent="space-between" height={1}>
        <Text bold={focused} wrap="truncate">
          {focused ? '▶ ' : '  '}
          {titleText}
        </Text>
        {infoText ? <Text wrap="truncate"> {infoText}</Text> : null}
      </Box>
      {children}
    </Box>
  );
}

/** Inner size of a pane: borders and the title line taken off. */
export function inner(width: number, height: number): {width: number; height: number} {
  return {width: Math.max(1, width - 2), height: Math.max(1, height - 3)};
}

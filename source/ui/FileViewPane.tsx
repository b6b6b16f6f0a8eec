// Pane 6: a file's content at the selected layer (text, or hex for binary), one page at a time,
// or a line diff of the file between two layers under what differs besides the bytes.
import {Box} from 'ink';
import {Text} from './SafeText.js';
import {memo} from 'react';
import {inner, Pane} from './Pane.js';
import type {DiffLine} from './text-diff.js';
import {tone} from './theme.js';

export interface FileViewPaneProps {
  title: string;
  info: string;
  lines?: string[];
  diff?: DiffLine[];
  /** Lines above the diff or notice: what differs besides the content. */
  meta?: string[];
  scroll: number;
  notice?: string;
  focused: boolean;
  width: number;
  height: number;
}

const DIFF_TONE = {'+': tone('added'), '-': tone('deleted'), ' ': undefined} as const;

function FileViewPaneImpl({title, info, lines, diff, meta = [], scroll, notice, focused, width, height}: FileViewPaneProps) {
  const size = inner(width, height);
  let body;
  if (notice) body = <Text wrap="wrap">{notice}</Text>;
  else if (diff) {
    body = diff.slice(scroll, scroll + Math.max(1, size.height - meta.length)).map((d, i) => (
      <Text key={i} color={DIFF_TONE[d.op]} wrap="truncate">
        {d.op} {d.text.replace(/\t/g, '    ')}
      </Text>
    ));
  } else {
    body = (lines ?? []).map((line, i) => (
      <Text key={i} wrap="truncate">
        {line || ' '}
      </Text>
    ));
  }
  return (
    <Pane title={title} info={info} focused={focused} width={width} height={height}>
      {meta.map((line, i) => (
        <Text key={i} color={tone('modified')} wrap="truncate">
          {line}
        </Text>
      ))}
      <Box flexDirection="column">{body}</Box>
    </Pane>
  );
}

export const FileViewPane = memo(FileViewPaneImpl);

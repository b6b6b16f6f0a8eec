// Panes 3 and 7: a file tree (a layer's changes, a merged view, or a comparison), virtualised.
// Changes show as a letter (A/C/D) and a colour; whiteouts and opaque directories are marked.
import {escape} from '../text/escape.js';
import {Box} from 'ink';
import {Text} from './SafeText.js';
import {memo} from 'react';
import {humanSize, modeString} from '../tree/human.js';
import {isExpanded, type FlatTree, type FileNode} from './file-tree.js';
import {ListView} from './ListView.js';
import {inner, Pane} from './Pane.js';
import {cursorStyle, KIND_TONE, tone} from './theme.js';

export interface TreePaneProps {
  title: string;
  info: string;
  flat?: FlatTree;
  cursor: number;
  /** Shown instead of the tree (loading, nothing selected). */
  notice?: string;
  /** About the entry under the cursor. */
  detail?: string;
  /** Lines above the tree (compare: which layers the two sides share). */
  preface?: string[];
  /** All rows, once counted. */
  total?: number;
  /** Show the mode and owner columns. */
  attrs: boolean;
  focused: boolean;
  width: number;
  height: number;
}

/** One row: letter, [mode, owner,] size, indented name with markers. */
export function treeLine(node: FileNode, expanded: boolean, wide: boolean): {letter: string; text: string} {
  const meta = node.meta;
  const letter = node.kind ?? ' ';
  const cols = wide ? `${modeString(meta.mode)} ${`${meta.uid}:${meta.gid}`.padStart(7)} ` : '';
  const size = meta.kind === 'dir' ? '' : humanSize(meta.size, 3);
  const fold = node.open ? (expanded ? '▾ ' : '▸ ') : '  ';
  const marks = [node.whiteout ? '[whiteout]' : '', node.opaque ? '[opaque]' : ''].filter(Boolean).join(' ');
  const target = meta.target !== undefined ? ` → ${escape(meta.target)}` : '';
  return {
    letter,
    text: `${cols}${size.padStart(7)} ${'  '.repeat(node.depth)}${fold}${escape(node.name)}${meta.kind === 'dir' ? '/' : ''}${target}${marks ? ` ${marks}` : ''}`,
  };
}

function TreePaneImpl({title, info, flat, cursor, notice, detail, preface = [], total, attrs, focused, width, height}: TreePaneProps) {
  const size = inner(width, height);
  const listHeight = Math.max(1, size.height - 1 - preface.length);
  const wide = attrs;
  flat?.ensure(cursor + listHeight);
  const count = flat ? flat.rows.length : 0;
  // Until the tree is counted (when keys pause), the count is not known: say so rather than guess.
  const of = total ?? (flat?.done ? count : undefined);
  const counter = `${count ? cursor + 1 : 0}/${of ?? '…'}`;
  return (
    <Pane title={title} info={info ? `${info} ${counter}` : counter} focused={focused} width={width} height={height}>
      {preface.map((line, i) => (
        <Text key={i} wrap="truncate">
          {line}
        </Text>
      ))}
      <Box height={listHeight} flexDirection="column">
        {notice || !flat ? (
          <Text>{notice}</Text>
        ) : (
          <ListView
            count={count}
            cursor={cursor}
            height={listHeight}
            empty="no entries: nothing changed here, or all hidden (A R M U, f)"
            row={(i, selected) => {
              const node = flat.rows[i]!;
              const {letter, text} = treeLine(node, isExpanded(flat.view, node), wide);
              return (
                <Text {...cursorStyle(selected, focused)} wrap="truncate">
                  <Text color={node.kind ? tone(KIND_TONE[node.kind]) : undefined} bold={node.kind !== undefined}>
                    {letter}
                  </Text>{' '}
                  <Text color={node.kind ? tone(KIND_TONE[node.kind]) : undefined} dimColor={!node.kind && !selected} strikethrough={node.kind === 'D'}>
                    {text}
                  </Text>
                </Text>
              );
            }}
          />
        )}
      </Box>
      <Text wrap="truncate">{detail ?? ' '}</Text>
    </Pane>
  );
}

export const TreePane = memo(TreePaneImpl);

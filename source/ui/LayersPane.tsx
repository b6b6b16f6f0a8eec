// Pane 2: the layers of the selected image or container, bottom first: index, size, short id,
// created_by; metadata-only history entries dim, shared layers marked, init and writable on top,
// ◆ on the layer marked for compare.
import {escape} from '../text/escape.js';
import {Box} from 'ink';
import {Text} from './SafeText.js';
import {memo} from 'react';
import {humanSize} from '../tree/human.js';
import {ListView} from './ListView.js';
import {inner, Pane} from './Pane.js';
import {layerShortId, type LayerRow} from './rows.js';
import {cursorStyle, tone} from './theme.js';

export interface LayersPaneProps {
  title: string;
  rows: LayerRow[];
  cursor: number;
  /** The layer marked for compare (m): ◆ before its index. */
  marked?: string;
  /** Under the list: dive's efficiency figures for the image. */
  summary?: string;
  focused: boolean;
  width: number;
  height: number;
}

const KIND_TAG: Record<LayerRow['kind'], string> = {image: '', empty: '', init: 'init ', rw: 'rw ', attestation: 'attestation '};

export function layerLine(r: LayerRow, marked = false): string {
  const index = `${marked ? '◆' : ' '}${r.index === undefined ? ' -' : String(r.index).padStart(2)}`;
  const size = r.size === undefined ? (r.kind === 'empty' ? '0B' : '…') : humanSize(r.size, 3);
  const id = r.layer ? layerShortId(r.layer) : '(no layer)  ';
  const createdBy = r.createdBy.replace(/^\/bin\/sh -c #\(nop\) /, '').trim() || r.comment || '(no history)';
  return `${index} ${size.padStart(7)} ${id} ${KIND_TAG[r.kind]}${escape(createdBy)}`;
}

/** The shared mark: ⇆N when N other images hold the layer (a column of its own, so it is never cut off). */
export function sharedMark(r: LayerRow): string {
  return r.sharedWith ? `⇆${r.sharedWith}`.padEnd(3) : '   ';
}

function LayersPaneImpl({title, rows, cursor, marked, summary, focused, width, height}: LayersPaneProps) {
  const size = inner(width, height);
  const layers = rows.filter((r) => r.index !== undefined).length;
  const listHeight = Math.max(1, size.height - (summary ? 1 : 0));
  return (
    <Pane title={title} info={`${layers} layer${layers === 1 ? '' : 's'}`} focused={focused} width={width} height={height}>
      <Box height={listHeight} flexDirection="column">
        <ListView
          count={rows.length}
          cursor={cursor}
          height={listHeight}
          empty="no layers"
          row={(i, selected) => {
            const r = rows[i]!;
            return (
              <Text
                {...cursorStyle(selected, focused)}
                dimColor={r.kind === 'empty' && !selected}
                color={r.kind === 'rw' ? tone('accent') : undefined}
                wrap="truncate"
              >
                <Text bold color={tone('accent')}>
                  {sharedMark(r)}
                </Text>
                {layerLine(r, marked !== undefined && r.layer?.id === marked)}
              </Text>
            );
          }}
        />
      </Box>
      {summary ? <Text wrap="truncate">{summary}</Text> : null}
    </Pane>
  );
}

export const LayersPane = memo(LayersPaneImpl);

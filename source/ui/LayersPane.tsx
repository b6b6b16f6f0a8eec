// Pane 2: the layers of the selected image or container, bottom first: index, size, short id,
// created_by; metadata-only history entries dim, shared layers marked, init and writable on top.
import {Text} from 'ink';
import {memo} from 'react';
import {shortId} from '../store/store.js';
import {humanSize} from '../tree/human.js';
import {ListView} from './ListView.js';
import {inner, Pane} from './Pane.js';
import type {LayerRow} from './rows.js';
import {cursorStyle, tone} from './theme.js';

export interface LayersPaneProps {
  title: string;
  rows: LayerRow[];
  cursor: number;
  /** Chain index of the marked layer, if a layer of this stack is marked. */
  focused: boolean;
  width: number;
  height: number;
}

const KIND_TAG: Record<LayerRow['kind'], string> = {image: '', empty: '', init: 'init ', rw: 'rw '};

export function layerLine(r: LayerRow): string {
  const index = r.index === undefined ? '  -' : String(r.index).padStart(3);
  const size = r.size === undefined ? (r.kind === 'empty' ? '0B' : '…') : humanSize(r.size, 3);
  const id = r.layer ? shortId(r.layer.kind === 'image' ? r.layer.id : r.layer.cacheId) : '(no layer)  ';
  const shared = r.sharedWith ? `⇆${r.sharedWith} ` : '';
  const createdBy = r.createdBy.replace(/^\/bin\/sh -c #\(nop\) /, '').trim() || r.comment || '(no history)';
  return `${index} ${size.padStart(7)} ${id} ${KIND_TAG[r.kind]}${shared}${createdBy}`;
}

function LayersPaneImpl({title, rows, cursor, focused, width, height}: LayersPaneProps) {
  const size = inner(width, height);
  const layers = rows.filter((r) => r.index !== undefined).length;
  return (
    <Pane title={title} info={`${layers} layers · ⇆ shared`} focused={focused} width={width} height={height}>
      <ListView
        count={rows.length}
        cursor={cursor}
        height={size.height}
        empty="no layers"
        row={(i, selected) => {
          const r = rows[i]!;
          return (
            <Text {...cursorStyle(selected, focused)} dimColor={r.kind === 'empty'} color={r.kind === 'rw' ? tone('accent') : undefined} wrap="truncate">
              {layerLine(r)}
            </Text>
          );
        }}
      />
    </Pane>
  );
}

export const LayersPane = memo(LayersPaneImpl);

// What the file tree panes say besides their rows: the selected entry's details, a layer that
// could not be read, and the view's filter, hidden kinds and sort.
import type {LayerStore} from '../store/store.js';
import {lookup} from '../tree/entry.js';
import {humanSize, modeString} from '../tree/human.js';
import type {FileNode} from './file-tree.js';
import type {TreeState} from './state.js';

/** A problem reading the selected layer's directory: said in its pane instead of an empty tree. */
export function layerProblem(store: LayerStore, cacheId: string | undefined): string | undefined {
  const p = cacheId ? store.problemList.find((q) => q.item.includes(cacheId)) : undefined;
  return p && `⚠ ${p.message}: ${p.item}`;
}

export function treeInfo(ts: TreeState): string {
  return [ts.filter && `filter "${ts.filter}"`, hiddenMarks(ts.view.hidden), ts.sort === 'size' ? 'by size' : ''].filter(Boolean).join(' · ');
}

function hiddenMarks(hidden: number): string {
  const names = (['A', 'C', 'D', 'U'] as const).filter((_, i) => hidden & (1 << i));
  return names.length ? `hiding ${names.join('')}` : '';
}

/** About one entry: mode, owner, size, where it comes from, and what a copy-up of it duplicates. */
export function entryDetail(store: LayerStore, layerId: string, node: FileNode): string {
  const meta = node.meta;
  const parts = [`${node.kind ?? '·'} ${modeString(meta.mode)} ${meta.uid}:${meta.gid}`, meta.kind === 'dir' ? '' : humanSize(meta.size, 3), node.path];
  if (meta.target !== undefined) parts.push(`→ ${meta.target}`);
  const chain = store.chain(layerId);
  const here = chain.length - 1;
  if (node.layer >= 0 && node.layer !== here && node.kind !== 'D') parts.push(`from layer ${node.layer}`);
  if (node.whiteout) parts.push('whiteout: deletes it from the layers below');
  if (node.opaque) parts.push('opaque: hides the lower layers’ contents');
  if (node.kind === 'C' && meta.kind !== 'dir' && node.layer === here) {
    const below = lookup(store.merged(chain[here - 1]?.id), node.path);
    if (below && below.meta.kind !== 'dir') parts.push(`shadows layer ${below.layer} (copy-up duplicates ${humanSize(below.meta.size, 3)})`);
  }
  return parts.filter(Boolean).join('  ');
}

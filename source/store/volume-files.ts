// The files of a volume whose data the root holds (a plain local volume's `_data`), read once
// per volume record. Volumes whose data is elsewhere (mounted at run time, kept by a plugin) have
// none here: reading their paths would read outside the root.
import type {LayerNode} from '../tree/entry.js';
import {insideDir} from './confine.js';
import {emptyRoot} from '../tree/merge.js';
import type {Volume} from './model.js';
import type {Problems} from './problems.js';
import {scanLayerDir} from './scan.js';
import {storedPath} from './volumes.js';

const trees = new WeakMap<Volume, LayerNode>();

export function cachedVolumeTree(volume: Volume): LayerNode | undefined {
  return trees.get(volume);
}

/** `_data` as a tree (symlinks not followed, nor a path out of the root), or undefined when the root does not hold the data. */
export function volumeTree(volume: Volume, problems: Problems): LayerNode | undefined {
  const path = storedPath(volume);
  if (!path || volume.data.kind !== 'local') return undefined;
  let tree = trees.get(volume);
  if (!tree) {
    try {
      tree = scanLayerDir(insideDir(volume.data.root, path), problems, {overlay: false});
    } catch (err) {
      problems.fromError(path, err, 'read');
      tree = {name: '', meta: emptyRoot().meta, children: new Map()};
    }
    trees.set(volume, tree);
  }
  return tree;
}

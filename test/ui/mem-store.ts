// An in-memory store with one image of one layer, for trees of any size without a filesystem.
import {LayerStore} from '../../source/store/store.js';
import type {Container, Image, Layer, Volume} from '../../source/store/model.js';
import {syntheticMeta, type LayerNode, type Meta} from '../../source/tree/entry.js';

const meta = (kind: 'file' | 'dir', size = 0): Meta => syntheticMeta(kind, size, {mtimeSec: 1});

/** A layer of `dirs` directories holding `files` files each. */
export function wideTree(dirs: number, files: number): LayerNode {
  const root: LayerNode = {name: '', meta: meta('dir'), children: new Map()};
  for (let d = 0; d < dirs; d++) {
    const dir: LayerNode = {name: `d${String(d).padStart(4, '0')}`, meta: meta('dir'), children: new Map()};
    for (let f = 0; f < files; f++) dir.children!.set(`f${String(f).padStart(5, '0')}`, {name: `f${String(f).padStart(5, '0')}`, meta: meta('file', f)});
    root.children!.set(dir.name, dir);
  }
  return root;
}

export class MemStore extends LayerStore {
  readonly kind = 'memory';
  readonly root = '/in-memory';
  readonly images = new Map<string, Image>();
  readonly layers = new Map<string, Layer>();
  readonly containers: Container[] = [];
  readonly volumes: Volume[] = [];

  constructor(
    private readonly content: LayerNode,
    tag = 'big:1',
  ) {
    super();
    const id = 'sha256:' + 'b'.repeat(64);
    this.layers.set('sha256:layer0', {
      id: 'sha256:layer0',
      kind: 'image',
      cacheId: 'c'.repeat(64),
      dir: '/in-memory/layer0',
      full: false,
      images: [id],
      size: 0,
    });
    this.images.set(id, {
      id,
      tags: [tag],
      digests: [],
      layers: ['sha256:layer0'],
      diffIds: [],
      history: [{createdBy: 'ADD big', emptyLayer: false}],
      config: {},
      size: 0,
      children: [],
      dangling: false,
    });
  }

  protected loadTree(): LayerNode {
    return this.content;
  }
}

// The store every source is: layers, images, containers and volumes, with file trees read lazily
// and once per layer, and merged views cached once per layer chain. A module of its own, apart
// from the Docker root's store (store.ts), so that a command reading an archive loads none of it.
import {join} from 'node:path';
import {shortId} from '../docker/digest.js';
import {changeSteps, changesSize, statDifferent, type Change} from '../tree/changes.js';
import {splitPath, type LayerNode, type MergedNode} from '../tree/entry.js';
import {humanSize} from '../tree/human.js';
import {attributeFull, emptyRoot, mergeLayer} from '../tree/merge.js';
import {finish, type Steps} from '../tree/steps.js';
import {historyRows, type HistoryRow} from './history.js';
import type {Container, Image, Layer, ManagedPlugin, Volume} from './model.js';
import type {LiveCatalog} from './backend.js';
import {statementTree} from './attestations.js';
import {Problems, type Problem} from './problems.js';
import {containerUsage, imageUsage, volumeUsage, type ContainerUsage, type ImageUsage, type VolumeUsage} from './usage.js';
import {readXattr} from './xattr.js';

export abstract class LayerStore {
  readonly problems = new Problems();
  readonly notices: string[] = [];
  /** The backend's kind of store (`docker`, `containerd`, `archive`…), shown in the explorer's header. */
  abstract readonly kind: string;
  abstract readonly root: string;
  abstract readonly images: Map<string, Image>;
  abstract readonly layers: Map<string, Layer>;
  abstract readonly containers: Container[];
  abstract readonly volumes: Volume[];
  /** Managed plugins (`docker plugin ls`); only a Docker root has them. */
  readonly plugins: ManagedPlugin[] = [];
  private readonly trees = new Map<string, LayerNode>();
  /** The in-toto statements of each attestation layer (attestations.ts), by file name: held in memory, read from nowhere else. */
  protected readonly statements = new Map<string, Map<string, Buffer>>();
  private readonly views = new Map<string, MergedNode>();
  private readonly changeSets = new Map<string, LayerNode>();

  /** The tool whose answers this store's commands reproduce (`docker diff`, `podman diff`...). */
  get tool(): string {
    return 'docker';
  }

  // The tools' answers. Docker's rules by default; a backend whose tool answers otherwise
  // (podman's history, df and diff) overrides them.

  /** A size as the tool prints it in `images` and `history` (go-units, 3 digits). */
  sizeText(bytes: number): string {
    return humanSize(bytes, 3);
  }

  /** `docker history` rows. */
  historyRows(image: Image): HistoryRow[] {
    return historyRows(this, image);
  }

  /** `docker system df -v` images. */
  imageUsage(): ImageUsage[] {
    return imageUsage(this);
  }

  containerUsage(): ContainerUsage[] {
    return containerUsage(this);
  }

  volumeUsage(): VolumeUsage[] {
    return volumeUsage(this);
  }

  /** Read one layer's files: a change set with overlay rules, or a full tree when `layer.full`. */
  protected abstract loadTree(layer: Layer): LayerNode;

  /** Where a layer's file is on disk, when it is on disk (for xattrs and contents). */
  protected filePath(layer: Layer, path: string): string | undefined {
    return this.statements.has(layer.id) ? undefined : join(layer.dir, path);
  }

  /** An attestation statement's bytes (a file of an `attestation` layer). */
  statement(id: string, path: string): Buffer | undefined {
    return this.statements.get(id)?.get(path.replace(/^\/+/, ''));
  }

  get problemList(): Problem[] {
    return this.problems.list;
  }

  /** The layers from the bottom up to `id`, following parent links. */
  chain(id: string): Layer[] {
    const out: Layer[] = [];
    const seen = new Set<string>();
    for (let layer = this.layers.get(id); layer; layer = layer.parent ? this.layers.get(layer.parent) : undefined) {
      if (seen.has(layer.id)) {
        this.problems.add(layer.id, 'layer parent links form a loop');
        break;
      }
      seen.add(layer.id);
      out.unshift(layer);
    }
    return out;
  }

  /**
   * A layer the view topped by `top` needs whose files cannot be read where they are (an unmounted
   * zfs dataset, a thin device not activated). A full-copy top layer holds the whole tree by itself.
   */
  unreadable(top: string | undefined): Layer | undefined {
    if (!top) return undefined;
    const chain = this.chain(top);
    return (chain.at(-1)?.full ? chain.slice(-1) : chain).find((l) => l.unavailable);
  }

  /** The layer's own files (read once). An unreadable layer becomes a problem and an empty tree. */
  tree(id: string): LayerNode {
    let tree = this.trees.get(id);
    if (tree) return tree;
    const layer = this.layers.get(id);
    if (!layer) throw new Error(`no layer ${id}`);
    if (layer.unavailable) {
      this.problems.add(layer.dir, layer.unavailable);
      tree = {name: '', meta: emptyRoot().meta, children: new Map()};
      this.trees.set(id, tree);
      return tree;
    }
    try {
      const statements = this.statements.get(id);
      tree = statements ? statementTree(statements) : this.loadTree(layer);
    } catch (err) {
      this.problems.fromError(layer.dir, err, `read layer ${shortId(layer.id)}`);
      tree = {name: '', meta: emptyRoot().meta, children: new Map()};
    }
    this.trees.set(id, tree);
    return tree;
  }

  /**
   * What the layer holds as a layer tar would: its own tree for a change-set layer (overlay2, an
   * archive), and for a full copy (vfs) only what differs from the layer below — the entries of
   * Docker's naive diff, deletions as whiteouts — which is what Docker's vfs layer tar holds.
   */
  changeSet(id: string): LayerNode {
    const layer = this.layers.get(id);
    if (!layer?.full) return this.tree(id);
    let set = this.changeSets.get(id);
    if (set) return set;
    const tree = this.tree(id);
    set = {name: '', meta: tree.meta, children: new Map()};
    for (const c of this.layerChanges(id)) {
      const names = splitPath(c.path);
      let parent = set;
      let full: LayerNode | undefined = tree;
      for (const name of names.slice(0, -1)) {
        full = full?.children?.get(name);
        let next = parent.children!.get(name);
        if (!next) parent.children!.set(name, (next = {name, meta: full?.meta ?? emptyRoot().meta, children: new Map()}));
        parent = next;
      }
      const name = names.at(-1)!;
      const existing = parent.children!.get(name);
      const node: LayerNode = c.kind === 'D' ? {name, meta: c.node.meta, whiteout: true} : {name, meta: c.node.meta};
      if (c.kind !== 'D' && c.node.meta.kind === 'dir') node.children = existing?.children ?? new Map();
      parent.children!.set(name, node);
    }
    this.changeSets.set(id, set);
    return set;
  }

  /** The merged view with `id` as the top layer (undefined: the empty tree). */
  merged(id: string | undefined): MergedNode {
    if (id === undefined) return EMPTY;
    const cached = this.views.get(id);
    if (cached) return cached;
    let view = EMPTY;
    const chain = this.chain(id);
    chain.forEach((layer, index) => {
      const known = this.views.get(layer.id);
      if (known) view = known;
      else {
        // A full copy keeps the lower entry when nothing Docker compares differs, the
        // `security.capability` of a file included (read only where the stats are equal).
        const same = (a: MergedNode, b: LayerNode, path: string) =>
          sameFullEntry(a, b) && (a.meta.kind !== 'file' || this.sameCapability(chain[a.layer], layer, path));
        view = layer.full ? attributeFull(view, this.tree(layer.id), index, same) : mergeLayer(view, this.tree(layer.id), index);
        this.views.set(layer.id, view);
      }
    });
    return view;
  }

  /** What layer `id` changed over the layer below it, with Docker's rules. */
  layerChanges(id: string): Change[] {
    return this.diff(this.layers.get(id)?.parent, id);
  }

  /** `docker diff CONTAINER`: the writable layer against the init layer's merged view. */
  containerChanges(c: Container): Change[] {
    return c.rwLayer ? this.layerChanges(c.rwLayer) : [];
  }

  /** A container's SizeRw (`docker system df -v`): Docker's ChangesSize over its `docker diff`. */
  containerSizeRw(c: Container): number {
    return changesSize(this.containerChanges(c));
  }

  /** Changes between the views topped by two layers (undefined: the empty tree). */
  diff(older: string | undefined, newer: string | undefined): Change[] {
    return finish(this.diffSteps(older, newer));
  }

  /** `diff` in steps (see `changeSteps`), for the explorer's background jobs. */
  diffSteps(older: string | undefined, newer: string | undefined): Steps<Change[]> {
    const olderChain = older ? this.chain(older) : [];
    const newerChain = newer ? this.chain(newer) : [];
    // Docker compares `security.capability` too; read it only where the stats are equal.
    const sameCapability = (o: MergedNode, n: MergedNode, path: string): boolean =>
      o.meta.kind !== 'file' || this.sameCapability(olderChain[o.layer], newerChain[n.layer], path);
    return changeSteps(this.merged(older), this.merged(newer), sameCapability);
  }

  /** Whether a file has the same `security.capability` in two layers (true when one is unknown). */
  private sameCapability(la: Layer | undefined, lb: Layer | undefined, path: string): boolean {
    if (!la || !lb || la === lb) return true;
    const pa = this.filePath(la, path);
    const pb = this.filePath(lb, path);
    const a = pa ? readXattr(pa, 'security.capability') : undefined;
    const b = pb ? readXattr(pb, 'security.capability') : undefined;
    return a === b || (a !== undefined && b !== undefined && a.equals(b));
  }

  /** Forget the cached tree of a layer and the views of every chain containing it. */
  invalidate(id: string): void {
    this.trees.delete(id);
    this.forgetViews(id);
  }

  /** Take a tree scanned elsewhere (a worker thread) as the layer's cached tree. */
  protected adoptTree(id: string, tree: LayerNode): void {
    this.trees.set(id, tree);
  }

  /** The header's name for the store: its kind and what narrows it (driver, namespace). */
  get label(): string {
    return this.kind;
  }

  /** The blobs of a content store the store has (containerd: its namespace's), digest → size. */
  contentBlobs(): Map<string, number> | undefined {
    return undefined;
  }

  /** What the live watcher follows for this store's catalog; undefined: the store is not watched. */
  liveCatalog(): LiveCatalog | undefined {
    return undefined;
  }

  imageOf(c: Container): Image | undefined {
    return this.images.get(c.imageId);
  }

  // Live updates and file contents (the explorer's watcher patches cached trees in place).

  /** The layer's tree if it was read already; never reads it. */
  cachedTree(id: string): LayerNode | undefined {
    return this.trees.get(id);
  }

  /** Forget the merged views of every chain containing `id` but keep its tree (patched in place). */
  forgetViews(id: string): void {
    // The chains containing `id` are its own and those of the layers above it.
    const doomed = [id];
    for (let i = 0; i < doomed.length; i++) {
      for (const layer of this.layers.values()) if (layer.parent === doomed[i]) doomed.push(layer.id);
    }
    for (const d of doomed) {
      this.views.delete(d);
      this.changeSets.delete(d);
    }
  }

  /** The root a layer's files must lie in (confine.ts): the store's root unless a backend keeps layers elsewhere. */
  layerRoot(_layer: Layer): string {
    return this.root;
  }

  /**
   * Bytes of a layer's file read synchronously from a source other than directories (an
   * archive's layer, decompressed from its start when compressed; attestation statements), else
   * undefined.
   */
  readDirect(id: string, path: string, offset: number, length: number): Buffer | undefined {
    return this.statement(id, path)?.subarray(offset, offset + length);
  }

  /** Where a layer's file is on disk, when it is on disk (public face of `filePath`). */
  diskPath(id: string, path: string): string | undefined {
    const layer = this.layers.get(id);
    return layer ? this.filePath(layer, path) : undefined;
  }
}

const EMPTY = emptyRoot();

/** Full-copy layers keep the lower entry when nothing Docker compares differs. */
function sameFullEntry(a: MergedNode, b: LayerNode): boolean {
  return !statDifferent(a.meta, b.meta) && a.meta.target === b.meta.target;
}

// What a user names on the command line: a plain REF (looked up in the --root store) or a
// source path with an optional image and layer: `PATH[:REF][@N]`, where PATH is any store a
// backend detects (detect.ts): an image archive, an OCI layout directory, a Docker data root…
//   image.tar              the archive's only image      image.tar@3     its layer 3
//   images.tar:myapp2:1    one image of several          /var/lib/docker:myapp:1@2
import {shortId} from '../docker/digest.js';
import {ArchiveStore} from './archive.js';
import type {OpenOptions} from './backend.js';
import {detectStore, StoreError, whatIsThere} from './detect.js';
import type {LayerStore} from './store.js';
import {findContainer, findImage, imageTarget, RefError, resolve, type Target} from './refs.js';
import type {Container, Image} from './model.js';
import type {Problem} from './problems.js';
import {AnswerScope} from './scope.js';

export interface Spec {
  path: string;
  /** The kind of store a backend detected (`archive`, `layout`, `docker`, …). */
  kind: string;
  ref?: string;
  layer?: number;
}

export interface Opened {
  store: LayerStore;
  target: Target;
}

/** Split `PATH[:REF][@N]`; undefined when no prefix of `spec` names a source (a plain REF). */
export function parseSpec(spec: string): Spec | undefined {
  const at = /^(.*)@(\d+)$/.exec(spec);
  const forms: [string, number | undefined][] = [[spec, undefined]];
  if (at) forms.push([at[1]!, Number(at[2])]);
  for (const [base, layer] of forms) {
    for (let i = base.length; i > 0; i = base.lastIndexOf(':', i - 1)) {
      const path = base.slice(0, i);
      const kind = detectStore(path)?.kind;
      if (!kind) continue;
      const ref = base.slice(i + 1) || undefined;
      return {path, kind, ref, layer};
    }
  }
  return undefined;
}

/**
 * Open a source the user named by path, whatever kind of store a backend detects there (an
 * image archive, an OCI layout, a Docker or containerd root…). The CLI and the explorer both open
 * sources through this; a path that is no store throws a StoreError saying what it is.
 */
export async function openSource(path: string, opts: OpenOptions = {}): Promise<LayerStore> {
  const found = detectStore(path);
  if (!found) throw new StoreError(`${path}: ${whatIsThere(path)}`);
  return found.backend.open(path, found.kind, opts);
}

/**
 * Opens sources once per command: the --root store lazily, archives and layouts by path. It keeps
 * what the command's answer is made of in each store: the images, containers and layers looked up
 * by ref, or the whole store for a listing.
 */
export class Opener {
  private readonly stores = new Map<string, LayerStore>();
  private readonly scopes = new Map<LayerStore, AnswerScope | 'whole'>();

  constructor(
    private readonly root: string,
    private readonly opts: OpenOptions = {},
  ) {}

  /** Every store opened so far (for reporting their problems). */
  get opened(): LayerStore[] {
    return [...this.stores.values()];
  }

  /** The store at `path`, opened once; a path that is no store throws a StoreError naming what it is. */
  async open(path: string): Promise<LayerStore> {
    let store = this.stores.get(path);
    if (!store) {
      store = await openSource(path, this.opts);
      this.stores.set(path, store);
    }
    return store;
  }

  rootStore(): Promise<LayerStore> {
    return this.open(this.root);
  }

  /** What the answer is made of in `store`, for a command to add what it read besides what it looked up. */
  scope(store: LayerStore): AnswerScope {
    let scope = this.scopes.get(store);
    if (!scope) this.scopes.set(store, (scope = new AnswerScope(store)));
    // A listing's answer is the whole store already: what is added to a spare scope changes nothing.
    return scope === 'whole' ? new AnswerScope(store) : scope;
  }

  /** The problems of `store` that concern the answer: all of them for a listing of the store (or when nothing was looked up). */
  answerProblems(store: LayerStore): Problem[] {
    const scope = this.scopes.get(store);
    return scope instanceof AnswerScope ? scope.problems() : store.problemList;
  }

  private scoped(opened: Opened): Opened {
    this.scope(opened.store).target(opened.target);
    return opened;
  }

  /** The store and target a spec names; a plain REF resolves in the --root store. */
  async target(spec: string, prefer: 'image' | 'container' = 'image'): Promise<Opened> {
    const parsed = parseSpec(spec);
    if (!parsed) {
      const store = await this.rootStore();
      return this.scoped({store, target: resolve(store, spec, prefer)});
    }
    const store = await this.open(parsed.path);
    const suffix = parsed.layer === undefined ? '' : `@${parsed.layer}`;
    if (parsed.ref) return this.scoped({store, target: resolve(store, parsed.ref + suffix, prefer)});
    const image = onlyImage(store, parsed.path);
    const target = suffix ? resolve(store, image.id + suffix) : imageTarget(image);
    return this.scoped({store, target: {...target, label: parsed.path + suffix}});
  }

  /**
   * The image a spec names (not a container or a layer). With `firstOfMany`, an archive of several
   * images named without one gives its first image (the one dive analyses) and the others' names.
   */
  async image(spec: string, opts: {firstOfMany?: boolean} = {}): Promise<{store: LayerStore; image: Image; others?: string[]}> {
    const parsed = parseSpec(spec);
    if (!parsed) {
      const store = await this.rootStore();
      const image = findImage(store, spec);
      if (!image) throw new RefError(`${spec}: no such image`);
      this.scope(store).image(image);
      return {store, image};
    }
    if (opts.firstOfMany && !parsed.ref && parsed.layer === undefined) {
      const store = await this.open(parsed.path);
      const [image, ...rest] = store.images.values();
      if (image && rest.length) {
        this.scope(store).image(image);
        return {store, image, others: rest.map(imageName)};
      }
    }
    const {store, target} = await this.target(spec);
    if (target.kind !== 'image' || !target.image) throw new RefError(`${spec}: not an image`);
    return {store, image: target.image};
  }

  /** The container `ref` names in the --root store. */
  async container(ref: string): Promise<{store: LayerStore; container: Container}> {
    const store = await this.rootStore();
    const container = findContainer(store, ref);
    if (!container) throw new RefError(`${ref}: no such container`);
    this.scope(store).container(container);
    return {store, container};
  }

  /** The store a spec names without a ref (`images image.tar`), or the --root store: its answer is about all of it. */
  async store(spec: string | undefined): Promise<LayerStore> {
    const parsed = spec === undefined ? undefined : parseSpec(spec);
    if (spec !== undefined && !parsed) throw new StoreError(`${spec}: ${whatIsThere(spec)}`);
    const store = await (parsed ? this.open(parsed.path) : this.rootStore());
    this.scopes.set(store, 'whole');
    return store;
  }
}

/** What to call an image of a source: its first tag, else its short id. */
function imageName(image: Image): string {
  return image.tags[0] ?? shortId(image.id);
}

/** A source named without a ref must hold exactly one image. */
function onlyImage(store: LayerStore, path: string): Image {
  const images = [...store.images.values()];
  if (images.length === 1) return images[0]!;
  if (images.length === 0) throw new RefError(`${path}: no readable image${store instanceof ArchiveStore ? ' in the archive' : '; name one as PATH:IMAGE'}`);
  const names = images.map(imageName);
  throw new RefError(`${path} holds ${images.length} images (${names.join(', ')}); name one as ${path}:${names[0]}`);
}

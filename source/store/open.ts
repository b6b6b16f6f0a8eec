// What a user names on the command line: a plain REF (looked up in the --root store) or a
// source path with an optional image and layer: `PATH[:REF][@N]`, where PATH is an image
// archive (`docker save`, classic or OCI), an OCI layout directory or a Docker data root.
//   image.tar              the archive's only image      image.tar@3     its layer 3
//   images.tar:myapp2:1    one image of several          /var/lib/docker:myapp:1@2
import {closeSync, openSync, readSync, statSync, existsSync} from 'node:fs';
import {join} from 'node:path';
import {ArchiveStore} from './archive.js';
import {findImage, imageTarget, RefError, resolve, type Target} from './refs.js';
import type {Image} from './model.js';
import type {LayerStore} from './store.js';

export interface Spec {
  path: string;
  kind: 'archive' | 'layout' | 'root';
  ref?: string;
  layer?: number;
}

export interface Opened {
  store: LayerStore;
  target: Target;
}

/** What kind of source `path` is, if it is one. */
export function sourceKind(path: string): Spec['kind'] | undefined {
  if (!path || !existsSync(path)) return undefined;
  const st = statSync(path);
  if (st.isDirectory()) {
    if (['index.json', 'oci-layout', 'manifest.json'].some((f) => existsSync(join(path, f)))) return 'layout';
    if (['overlay2', 'vfs'].some((d) => existsSync(join(path, 'image', d)))) return 'root';
    return undefined;
  }
  return st.isFile() && looksLikeArchive(path) ? 'archive' : undefined;
}

/** A tar header (ustar magic) or gzip magic in the first block. */
function looksLikeArchive(path: string): boolean {
  const head = Buffer.alloc(512);
  const fd = openSync(path, 'r');
  try {
    const n = readSync(fd, head, 0, 512, 0);
    return (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) || (n === 512 && head.toString('latin1', 257, 262) === 'ustar');
  } finally {
    closeSync(fd);
  }
}

/** Split `PATH[:REF][@N]`; undefined when no prefix of `spec` names a source (a plain REF). */
export function parseSpec(spec: string): Spec | undefined {
  const at = /^(.*)@(\d+)$/.exec(spec);
  const forms: [string, number | undefined][] = [[spec, undefined]];
  if (at) forms.push([at[1]!, Number(at[2])]);
  for (const [base, layer] of forms) {
    for (let i = base.length; i > 0; i = base.lastIndexOf(':', i - 1)) {
      const path = base.slice(0, i);
      const kind = sourceKind(path);
      if (!kind) continue;
      const ref = base.slice(i + 1) || undefined;
      return {path, kind, ref, layer};
    }
  }
  return undefined;
}

/** Opens sources once per command: the --root store lazily, archives and layouts by path. */
export class Opener {
  private readonly stores = new Map<string, LayerStore>();

  constructor(private readonly root: string, private readonly openRoot: (root: string) => LayerStore) {}

  /** Every store opened so far (for reporting their problems). */
  get opened(): LayerStore[] {
    return [...this.stores.values()];
  }

  async open(path: string, kind: Spec['kind']): Promise<LayerStore> {
    let store = this.stores.get(path);
    if (!store) {
      store = kind === 'root' ? this.openRoot(path) : await ArchiveStore.open(path);
      this.stores.set(path, store);
    }
    return store;
  }

  rootStore(): Promise<LayerStore> {
    return this.open(this.root, 'root');
  }

  /** The store and target a spec names; a plain REF resolves in the --root store. */
  async target(spec: string, prefer: 'image' | 'container' = 'image'): Promise<Opened> {
    const parsed = parseSpec(spec);
    if (!parsed) {
      const store = await this.rootStore();
      return {store, target: resolve(store, spec, prefer)};
    }
    const store = await this.open(parsed.path, parsed.kind);
    const suffix = parsed.layer === undefined ? '' : `@${parsed.layer}`;
    if (parsed.ref) return {store, target: resolve(store, parsed.ref + suffix, prefer)};
    const image = onlyImage(store, parsed.path);
    const target = suffix ? resolve(store, image.id + suffix) : imageTarget(image);
    return {store, target: {...target, label: parsed.path + suffix}};
  }

  /** The image a spec names (not a container or a layer). */
  async image(spec: string): Promise<{store: LayerStore; image: Image}> {
    if (!parseSpec(spec)) {
      const store = await this.rootStore();
      const image = findImage(store, spec);
      if (!image) throw new RefError(`${spec}: no such image`);
      return {store, image};
    }
    const {store, target} = await this.target(spec);
    if (target.kind !== 'image' || !target.image) throw new RefError(`${spec}: not an image`);
    return {store, image: target.image};
  }

  /** The store a spec names without a ref (`images image.tar`), or the --root store. */
  async store(spec: string | undefined): Promise<LayerStore> {
    const parsed = spec === undefined ? undefined : parseSpec(spec);
    if (spec !== undefined && !parsed) throw new RefError(`${spec}: not an image archive, OCI layout or Docker root`);
    return parsed ? this.open(parsed.path, parsed.kind) : this.rootStore();
  }
}

/** A source named without a ref must hold exactly one image. */
function onlyImage(store: LayerStore, path: string): Image {
  const images = [...store.images.values()];
  if (images.length === 1) return images[0]!;
  if (images.length === 0) throw new RefError(`${path}: no readable image${store instanceof ArchiveStore ? ' in the archive' : '; name one as PATH:IMAGE'}`);
  const names = images.map((i) => i.tags[0] ?? i.id.slice(7, 19));
  throw new RefError(`${path} holds ${images.length} images (${names.join(', ')}); name one as ${path}:${names[0]}`);
}

// A containers-storage root (podman, buildah, CRI-O), read-only: rootful /var/lib/containers/storage
// or rootless ~/.local/share/containers/storage. The catalog comes from the overlay driver's
// JSON files and libpod's bolt_state.db; layer contents from `overlay/<id>/diff`.
import {existsSync, lstatSync, statSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {changesSize, type Change} from '../../tree/changes.js';
import type {LayerNode} from '../../tree/entry.js';
import type {LiveCatalog} from '../backend.js';
import {insideDir} from '../confine.js';
import {directorySize, volumeSize} from '../du.js';
import {replaceArray, replaceContainers, replaceMap} from '../live-swap.js';
import type {Problems} from '../problems.js';
import type {HistoryRow} from '../history.js';
import {imageFromConfig} from '../imagedb.js';
import type {Container, ContainerState, Image, Layer, MountPoint, Volume} from '../model.js';
import {RootFiles} from '../files.js';
import {scanLayerDir} from '../scan.js';
import {DirStore, type LayerStore} from '../store.js';
import type {ContainerUsage, ImageUsage, VolumeUsage} from '../usage.js';
import {ctimeRfc3339, describeData, localData, pluginData, storedPath, usesByVolume} from '../volumes.js';
import {isHex64} from '../../docker/digest.js';
import {overlayXattrNotice} from '../xattr.js';
import {containerMetadata, listInstanceDigest, readCatalog, readImageConfig, type CsImage, type CsLayer} from './catalog.js';
import {readLibpodState, type LibpodContainer, type LibpodVolume} from './libpod.js';
import {podmanMountUses} from './mount-uses.js';
import {imageVolumes} from '../mount-uses.js';
import {mapOwners, rootlessIdMap, type IdMap} from './rootless.js';
import {upperChanges} from '../../tree/upper-changes.js';
import {hasChildImage, INIT_INODES, parentImage, podmanHistory, podmanSize, type LayerTree} from './rules.js';
import {CS_DRIVERS, CS_OTHER_DRIVERS, type CsDriver} from './layout.js';

/** libpod's container states (define.ContainerState), as `podman ps` names them. */
const STATES: Record<number, ContainerState> = {1: 'created', 2: 'created', 3: 'running', 4: 'exited', 5: 'paused', 6: 'exited', 7: 'removing', 8: 'running'};

export class PodmanStore extends DirStore {
  readonly kind = 'podman';
  override sizeText(bytes: number): string {
    return podmanSize(bytes);
  }

  override get tool(): string {
    return 'podman';
  }

  override get label(): string {
    return `podman ${this.driver}`;
  }

  readonly images = new Map<string, Image>();
  readonly layers = new Map<string, Layer>();
  readonly containers: Container[] = [];
  readonly volumes: Volume[] = [];
  private layerTree: LayerTree;
  private userVolumes = new Map<string, number>();
  /** libpod's volume records, for the containers' mounts (a plugin's volume has its own driver and mountpoint). */
  private libpodVolumes = new Map<string, LibpodVolume>();
  private readonly idMap: IdMap | undefined;
  /** Manifest lists → the image of this platform they resolve to. */
  private instances = new Map<string, Image>();
  readonly driver: CsDriver;

  constructor(readonly root: string) {
    super();
    if (!statSync(root).isDirectory()) throw new Error(`${root}: not a directory`);
    const driver = CS_DRIVERS.find((d) => existsSync(join(root, `${d}-layers`)) || existsSync(join(root, `${d}-images`)));
    if (!driver) {
      const other = CS_OTHER_DRIVERS.find((d) => existsSync(join(root, `${d}-layers`)) || existsSync(join(root, `${d}-images`)));
      throw new Error(
        `${root}: a containers-storage root with the ${other} driver (${other}-layers/), which layerscope cannot read; it reads the ${CS_DRIVERS.join(' and ')} drivers`,
      );
    }
    this.driver = driver;
    const map = rootlessIdMap(root);
    if (typeof map === 'string') this.notices.push(map);
    else if (map) {
      this.idMap = map;
      this.notices.push(map.describe);
    }
    const catalog = readCatalog(root, driver, this.problems);
    const parents = new Map<string, string | undefined>();
    const childLayers = new Map<string, string[]>();
    for (const l of catalog.layers) this.addLayer(l, parents, childLayers);
    this.layerTree = {imagesAt: new Map(), parentLayer: (id) => parents.get(id), childLayers};
    for (const raw of catalog.images) this.addImage(raw);
    this.resolveLists(catalog.images);
    for (const image of this.images.values()) {
      image.parent = parentImage(this.layerTree, image)?.id;
      if (image.parent) this.images.get(image.parent)?.children.push(image.id);
    }
    for (const image of this.images.values()) image.dangling = image.tags.length === 0 && image.children.length === 0;
    const state = readLibpodState(root, this.problems, this.notices);
    this.libpodVolumes = state.volumes;
    const path = join(root, `${driver}-containers`, 'containers.json');
    for (const raw of catalog.containers) {
      const meta = containerMetadata(raw, path, this.problems);
      const lib = state.containers.get(raw.id);
      const c = this.container(raw.id, raw.names?.[0] ?? meta.name ?? '', raw.image ?? '', meta['image-name'] ?? lib?.rootfsImageName ?? '', raw.created, lib);
      const layer = raw.layer && this.layers.get(raw.layer);
      if (!layer) problems(this, path, `container ${c.name || raw.id}: its layer ${raw.layer ?? '(none)'} is not in layers.json`);
      else {
        layer.kind = 'rw';
        c.rwLayer = layer.id;
        c.parentLayer = layer.parent;
      }
      this.containers.push(c);
    }
    const uses = usesByVolume(this.containers);
    for (const [name, v] of state.volumes) {
      const driver = v.volumeDriver || 'local';
      const options = v.volumeOptions ?? {};
      const common = {
        name,
        driver,
        labels: v.labels ?? {},
        options,
        scope: 'local' as const,
        anonymous: v.isAnon === true,
        usedBy: v.usedBy,
        uses: uses.get(name) ?? [],
      };
      if (driver !== 'local') {
        // A volume plugin's: podman records its mountpoint (once mounted) and creation; the plugin's Status it asks at run time.
        const data = pluginData(driver, [], 'podman');
        this.volumes.push({
          ...common,
          mountpoint: v.mountPoint ?? '',
          createdAt: v.createdAt,
          data,
          unknown: {fields: ['Status'], why: `the volume plugin ${driver} answers it at run time; the root does not record it`},
        });
        continue;
      }
      // libpod records the mountpoint: one out of the root is named, never read (du.ts, volume-files.ts).
      const mountpoint = v.mountPoint || join(root, 'volumes', name, '_data');
      let createdAt = v.createdAt;
      if (createdAt === undefined) createdAt = statTime(mountpoint);
      this.volumes.push({...common, mountpoint, createdAt, data: localData(root, mountpoint, options)});
    }
    if (!state.found) this.volumesFromDirs();
    const xattrNotice = driver === 'overlay' ? overlayXattrNotice() : undefined;
    if (xattrNotice) this.notices.push(xattrNotice);
  }

  private addLayer(l: CsLayer, parents: Map<string, string | undefined>, childLayers: Map<string, string[]>): void {
    const full = this.driver === 'vfs';
    const dir = full ? join(this.root, 'vfs', 'dir', l.id) : join(this.root, 'overlay', l.id, 'diff');
    if (!existsSync(dir)) problems(this, dir, `layer directory missing for layer ${l.id}`);
    this.layers.set(l.id, {
      id: l.id,
      kind: 'image',
      diffId: l['diff-digest'],
      parent: l.parent || undefined,
      cacheId: l.id,
      dir,
      full,
      size: typeof l['diff-size'] === 'number' && l['diff-size'] >= 0 ? l['diff-size'] : undefined,
      images: [],
    });
    parents.set(l.id, l.parent || undefined);
    if (l.parent) childLayers.set(l.parent, [...(childLayers.get(l.parent) ?? []), l.id]);
  }

  private addImage(raw: CsImage): void {
    const config = readImageConfig(this.root, this.driver, raw, this.problems) ?? {};
    const id = `sha256:${raw.id}`;
    const chain: string[] = [];
    for (let l = raw.layer; l; l = this.layers.get(l)?.parent) {
      if (!this.layers.has(l)) {
        problems(this, join(this.root, `${this.driver}-images`, 'images.json'), `image ${raw.id.slice(0, 12)} needs layer ${l}, which is not in layers.json`);
        break;
      }
      if (chain.includes(l)) break;
      chain.unshift(l);
    }
    const bigData = Object.values(raw['big-data-sizes'] ?? {}).reduce((a, b) => a + (typeof b === 'number' ? b : 0), 0);
    // libimage Image.Size: the layers' uncompressed sizes plus the image's big-data items.
    const size = chain.reduce((sum, l) => sum + (this.layers.get(l)!.size ?? 0), 0) + bigData;
    const image = imageFromConfig(id, config, {size, tags: [...(raw.names ?? [])]});
    image.digests = repoDigests(raw);
    image.layers = chain;
    // podman lists and sorts images by the storage record's time, not the config's.
    image.created = raw.created ?? image.created;
    for (const l of chain) this.layers.get(l)!.images.push(id);
    this.images.set(id, image);
    if (raw.layer) this.layerTree.imagesAt.set(raw.layer, [...(this.layerTree.imagesAt.get(raw.layer) ?? []), image]);
  }

  private resolveLists(raws: CsImage[]): void {
    for (const raw of raws) {
      const digest = listInstanceDigest(this.root, this.driver, raw, this.problems);
      if (!digest) continue;
      const instance = raws.find((r) => r.id !== raw.id && (r.digest === digest || (r.digests ?? []).includes(digest)));
      if (instance) this.instances.set(`sha256:${raw.id}`, this.images.get(`sha256:${instance.id}`)!);
      else
        this.problems.add(
          join(this.root, `${this.driver}-images`, raw.id, 'manifest'),
          `manifest list ${raw.names?.[0] ?? raw.id.slice(0, 12)}: its instance for this platform (${digest}) is not in the store`,
        );
    }
  }

  private container(id: string, name: string, image: string, imageRef: string, created: string | undefined, lib: LibpodContainer | undefined): Container {
    const st = lib?.state;
    this.userVolumes.set(id, lib?.userVolumes?.length ?? 0);
    return {
      id,
      name,
      imageId: `sha256:${image}`,
      imageRef,
      state: st?.state !== undefined ? (STATES[st.state] ?? 'created') : 'created',
      exitCode: st?.exitCode ?? 0,
      created: lib?.createdTime ?? created,
      startedAt: st?.startedTime,
      finishedAt: st?.finishedTime,
      command: (lib?.spec?.process?.args ?? lib?.command ?? []).join(' '),
      mounts: lib ? inspectMounts(lib, (n) => this.volumeMount(n)) : [],
      tmpfs: Object.fromEntries(
        (lib?.spec?.mounts ?? [])
          .filter((m) => m.type === 'tmpfs' && lib?.userVolumes?.includes(m.destination))
          .map((m) => [m.destination, (m.options ?? []).join(',')]),
      ),
      mountUses: lib ? podmanMountUses(lib, (n) => this.libpodVolumes.get(n)?.isAnon === true, imageVolumes(this.images.get(`sha256:${image}`))) : {},
      config: {},
    };
  }

  /** Where podman inspect says a named volume is mounted from: its `_data`, or for a plugin's volume the mountpoint podman recorded ('' until mounted). */
  private volumeMount(name: string): {Source: string; Driver: string} {
    const v = this.libpodVolumes.get(name);
    const driver = v?.volumeDriver || 'local';
    return driver === 'local' ? {Source: join(this.root, 'volumes', name, '_data'), Driver: driver} : {Source: v?.mountPoint ?? '', Driver: driver};
  }

  /** Without libpod's database: the volume directories alone. */
  private volumesFromDirs(): void {
    const base = join(this.root, 'volumes');
    if (!existsSync(base)) return;
    for (const name of new RootFiles(this.root, this.problems).list(base).filter((n) => isDir(join(base, n)))) {
      const mountpoint = join(base, name, '_data');
      this.volumes.push({
        name,
        driver: 'local',
        mountpoint,
        createdAt: statTime(mountpoint),
        labels: {},
        options: {},
        scope: 'local',
        anonymous: isHex64(name),
        usedBy: [],
        uses: [],
        data: localData(this.root, mountpoint, null),
      });
    }
  }

  /**
   * The live watcher follows containers-storage's catalog files (rewritten by rename, so through
   * their directories), libpod's database and the volume directories. Any change re-reads the
   * whole catalog — small JSON records — and keeps the cached trees of layers that stay.
   */
  override liveCatalog(): LiveCatalog {
    const d = this.driver;
    const dirs = {
      images: join(this.root, `${d}-images`),
      layers: join(this.root, `${d}-layers`),
      containers: join(this.root, `${d}-containers`),
      libpod: join(this.root, 'libpod'),
      volumes: join(this.root, 'volumes'),
    };
    return {
      dirs: Object.values(dirs),
      catalogOf: (path) => {
        const dir = dirname(path);
        const name = basename(path);
        if (dir === dirs.images) return name === 'images.json' ? 'images' : undefined;
        if (dir === dirs.layers) return /^(volatile-)?layers\.json$/.test(name) ? 'images' : undefined;
        if (dir === dirs.containers) return /^(volatile-)?containers\.json$/.test(name) ? 'containers' : undefined;
        if (dir === dirs.libpod) return name === 'bolt_state.db' || name === 'db.sql' ? 'containers' : undefined;
        return dir === dirs.volumes ? 'volumes' : undefined;
      },
      reread: (_what, problems) => this.reread(problems),
    };
  }

  private reread(problems: Problems): void {
    const fresh = new PodmanStore(this.root);
    for (const p of fresh.problemList) problems.add(p.item, p.message);
    for (const [id, layer] of [...this.layers]) {
      if (layer.kind !== 'image' || fresh.layers.get(id)?.kind === 'image') continue;
      this.invalidate(id);
      this.layers.delete(id);
    }
    replaceContainers(this, fresh.containers);
    for (const [id, layer] of fresh.layers) this.layers.set(id, layer);
    replaceMap(this.images, fresh.images);
    replaceArray(this.volumes, fresh.volumes);
    this.layerTree = fresh.layerTree;
    this.userVolumes = fresh.userVolumes;
    this.instances = fresh.instances;
  }

  protected override loadTree(layer: Layer): LayerNode {
    const tree = scanLayerDir(insideDir(this.root, layer.dir), this.problems, {overlay: !layer.full});
    return this.idMap ? mapOwners(tree, this.idMap) : tree;
  }

  protected override adoptTree(id: string, tree: LayerNode): void {
    super.adoptTree(id, this.idMap ? mapOwners(tree, this.idMap) : tree);
  }

  /** `podman diff`: containers-storage's OverlayChanges of the layer over its lower layers, podman's own mounts left out. */
  override layerChanges(id: string): Change[] {
    const chain = this.chain(id);
    const top = chain.at(-1);
    if (!top) return [];
    // vfs: containers-storage's naive diff (the trees compared), as Docker's.
    if (top.full) return super.layerChanges(id).filter((c) => !INIT_INODES.has(c.path));
    const lowers = chain
      .slice(0, -1)
      .reverse()
      .map((l) => this.tree(l.id));
    const below = chain.length > 1 ? this.merged(chain.at(-2)!.id) : this.merged(undefined);
    return upperChanges(this.tree(top.id), lowers, chain.length - 1, below, 'overlay').filter((c) => !INIT_INODES.has(c.path));
  }

  override containerChanges(c: Container): Change[] {
    return c.rwLayer ? this.layerChanges(c.rwLayer) : [];
  }

  override historyRows(image: Image): HistoryRow[] {
    return podmanHistory(this.instances.get(image.id) ?? image, this.layerTree, (l) => this.layers.get(l)?.size ?? 0);
  }

  /** `podman system df -v` (podman 4.3): an image with a child shares everything; else it shares its parent's size. */
  override imageUsage(): ImageUsage[] {
    return [...this.images.values()].map((image) => {
      let sharedSize = 0;
      if (hasChildImage(this.layerTree, image)) sharedSize = image.size;
      else if (image.parent) sharedSize = this.images.get(image.parent)?.size ?? 0;
      return {
        image,
        size: image.size,
        sharedSize,
        uniqueSize: image.size - sharedSize,
        containers: this.containers.filter((c) => c.imageId === image.id).length,
      };
    });
  }

  /** podman's rwSize: DiffSize of the container layer = every non-directory of its upper dir, hard links once. */
  override containerSizeRw(c: Container): number {
    const layer = c.rwLayer ? this.layers.get(c.rwLayer) : undefined;
    if (!layer) return 0;
    // vfs: the naive diff's ChangesSize (over every change, podman's own mount points included).
    if (layer.full) return changesSize(super.layerChanges(layer.id));
    try {
      return directorySize(insideDir(this.root, layer.dir), this.problems);
    } catch (err) {
      this.problems.fromError(layer.dir, err, `read layer ${layer.id.slice(0, 12)}`);
      return 0;
    }
  }

  override containerUsage(): ContainerUsage[] {
    return this.containers.map((container) => ({container, sizeRw: this.containerSizeRw(container), localVolumes: this.userVolumes.get(container.id) ?? 0}));
  }

  /**
   * `podman system df -v`: every local volume (options or not; plugin volumes left out), sized,
   * with the number of containers using it. One whose options mount something over `_data` is
   * listed but not walked (-1): at run time `_data` is that mount, outside the root.
   */
  override volumeUsage(): VolumeUsage[] {
    return this.volumes.filter((v) => v.driver === 'local').map((volume) => ({volume, size: this.volumeSize(volume), links: volume.usedBy.length}));
  }

  /** A volume's bytes, read only inside the root: a path libpod recorded elsewhere is named, not followed (-1). */
  private volumeSize(volume: Volume): number {
    if (!storedPath(volume)) {
      this.problems.add(volume.mountpoint ?? volume.name, `volume ${volume.name}: ${describeData(volume.data)}; not sized`);
      return -1;
    }
    return volumeSize(volume, this.problems) ?? -1;
  }
}

function problems(store: LayerStore, item: string, message: string): void {
  store.problems.add(item, message);
}

/** libimage RepoDigests: every repository of the image's names with every digest of the image. */
function repoDigests(raw: CsImage): string[] {
  const digests = [...new Set([...(raw.digests ?? []), ...(raw.digest ? [raw.digest] : [])])];
  const repos = [...new Set((raw.names ?? []).map((n) => n.replace(/@.*$/, '').replace(/:[^:/]*$/, '')))];
  return repos.flatMap((r) => digests.map((d) => `${r}@${d}`));
}

function isDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

function statTime(path: string): string | undefined {
  try {
    return ctimeRfc3339(lstatSync(path, {bigint: true}));
  } catch {
    return undefined;
  }
}

/** libpod's inspect .Mounts: named volumes, then the user's bind mounts (tmpfs left out), with parsed options. */
function inspectMounts(c: LibpodContainer, volume: (name: string) => {Source: string; Driver: string}): MountPoint[] {
  const out: MountPoint[] = [];
  for (const v of c.namedVolumes ?? []) {
    const {Source, Driver} = volume(v.volumeName);
    out.push({Type: 'volume', Name: v.volumeName, Source, Destination: v.dest, Driver, ...mountOptions(v.options ?? [])});
  }
  const user = new Set(c.userVolumes ?? []);
  for (const m of c.spec?.mounts ?? []) {
    if (!user.has(m.destination) || m.type === 'tmpfs') continue;
    out.push({Type: 'bind', Source: m.source ?? '', Destination: m.destination, Driver: '', ...mountOptions(m.options ?? [])});
  }
  return out;
}

/** libpod parseMountOptionsForInspect. */
function mountOptions(options: string[]): Pick<MountPoint, 'Mode' | 'RW' | 'Propagation' | 'Options'> {
  let RW = true;
  let Propagation = '';
  let Mode = '';
  const Options: string[] = [];
  for (const o of options) {
    if (o === 'ro') RW = false;
    else if (o === 'rw') continue;
    else if (['shared', 'slave', 'private', 'rshared', 'rslave', 'rprivate', 'unbindable', 'runbindable'].includes(o)) Propagation = o;
    else if (o === 'z' || o === 'Z') Mode = o;
    else Options.push(o);
  }
  return {Mode, RW, Propagation, Options};
}

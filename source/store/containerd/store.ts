// A containerd root read directly (no daemon): images, snapshots and content of one namespace,
// from meta.db, the overlayfs snapshotter's metadata.db and the content store. Two modes:
//   containerd        a containerd root alone (`k8s.io`, `default`…): containers are containerd's
//                     container records; active snapshots with no container are listed too.
//   containerd-docker a Docker root using the containerd image store (namespace `moby`):
//                     containers, volumes from the Docker root, images and layers from containerd.
import {existsSync, lstatSync} from 'node:fs';
import {join} from 'node:path';
import {chainIds} from '../../docker/chain-id.js';
import {isSha256Digest} from '../../docker/digest.js';
import {formatPlatform, hostPlatform, parsePlatform, platformMatches} from '../../docker/platform.js';
import {byNormalizedName, familiarName} from '../../docker/reference.js';
import type {LiveCatalog} from '../backend.js';
import {readContainers} from '../containers.js';
import {blockUsage} from '../du.js';
import {imageFromConfig} from '../imagedb.js';
import {replaceArray, replaceContainers, replaceImageLayers, replaceMap} from '../live-swap.js';
import type {Manifest} from '../../docker/oci.js';
import {attestationLayer, PREDICATE_TYPE} from '../attestations.js';
import type {Attestation, Container, Image, Layer, MountPoint, Volume} from '../model.js';
import type {Problems} from '../problems.js';
import {DirStore} from '../store.js';
import {readVolumeMetadata} from '../volume-metadata.js';
import {readPlugins} from '../plugins.js';
import {readVolumes} from '../volumes.js';
import {swarmNotice} from '../swarm/volumes.js';
import {overlayXattrNotice} from '../xattr.js';
import {ContentStore} from './content.js';
import {isBlob, resolveImage} from './images.js';
import {readMeta, type MetaContainer, type MetaSnapshot, type Namespace} from './meta.js';
import {readOverlayMeta, type StoredSnapshot} from './overlay-meta.js';
import {META_DB} from './layout.js';

const OVERLAY = 'io.containerd.snapshotter.v1.overlayfs';
const CONTENT = 'io.containerd.content.v1.content';
/** Names Docker gives images that lost their last tag (moby daemon/containerd). */
const DANGLING = 'moby-dangling@';
/** Label the classic builder puts on the images it makes: the image it built on. */
const PARENT_LABEL = 'org.mobyproject.image.parent';
const SNAPSHOTTER = 'overlayfs';

export interface ContainerdStoreOptions {
  /** For `containerd-docker`: the Docker data root (containers, volumes). */
  dockerRoot?: string;
  namespace?: string;
  /** `os/arch[/variant]` to read from an image index (the host's by default). */
  platform?: string;
  /** For `containerd-docker`: the key-encryption key of an autolocked swarm, for its cluster volumes. */
  swarmUnlockKey?: Buffer;
}

export class ContainerdStore extends DirStore {
  readonly kind: 'containerd' | 'containerd-docker';
  readonly root: string;
  readonly namespace: string;
  readonly namespaces: string[];
  readonly images = new Map<string, Image>();
  readonly layers = new Map<string, Layer>();
  readonly containers: Container[] = [];
  readonly volumes: Volume[] = [];
  private ns!: Namespace;
  private stored = new Map<string, StoredSnapshot>();
  /** Snapshot id → its checked `fs` directory ('' when unusable), for one reading of the catalog. */
  private dirs = new Map<string, string>();
  /** Where a reading of the catalog reports what is wrong. */
  private reading!: Problems;

  constructor(
    readonly containerdRoot: string,
    private readonly opts: ContainerdStoreOptions = {},
  ) {
    super();
    this.kind = opts.dockerRoot ? 'containerd-docker' : 'containerd';
    this.root = opts.dockerRoot ?? containerdRoot;
    const meta = readMeta(join(containerdRoot, META_DB), this.problems);
    this.namespaces = [...meta.keys()];
    this.namespace = opts.namespace ?? (opts.dockerRoot ? 'moby' : defaultNamespace(this.namespaces));
    if (opts.namespace && !meta.has(opts.namespace)) {
      throw new Error(`${containerdRoot}: no namespace ${opts.namespace} (namespaces: ${this.namespaces.join(', ') || 'none'})`);
    }
    if (!opts.dockerRoot && this.namespaces.length > 1)
      this.notices.push(`namespace ${this.namespace} (others: ${this.namespaces.filter((n) => n !== this.namespace).join(', ')}; choose with --namespace)`);
    this.readCatalog(meta.get(this.namespace), this.problems);
    const notice = overlayXattrNotice();
    if (notice) this.notices.push(notice);
  }
  /** Snapshots live in containerd's root, also when the store is a Docker root using it. */
  override layerRoot(): string {
    return this.containerdRoot;
  }

  override get label(): string {
    return this.kind === 'containerd' ? `containerd ${this.namespace}` : `docker containerd-store ${this.namespace}`;
  }

  /** Read images, layers and containers (and the Docker root's volumes) afresh. */
  private readCatalog(ns: Namespace | undefined, problems: Problems): void {
    this.ns = ns ?? {name: this.namespace, images: [], containers: [], snapshots: new Map(), content: new Map(), leases: 0};
    this.dirs = new Map();
    this.reading = problems;
    const overlayDb = join(this.containerdRoot, OVERLAY, 'metadata.db');
    this.stored = new Map();
    try {
      if (existsSync(overlayDb)) this.stored = readOverlayMeta(overlayDb);
      // The snapshotter creates its database with its first snapshot (a daemon that never pulled
      // or built has none: fixtures/cluster-volumes); missing while meta.db records snapshots, it is lost.
      else if (this.ns.snapshots.get(SNAPSHOTTER)?.size) problems.add(overlayDb, 'missing: no layer of this root can be shown');
    } catch (err) {
      // The catalog is in meta.db; without the snapshotter's database only the files are unknown.
      problems.add(overlayDb, `${(err as Error).message}; no layer's files can be shown`);
    }
    for (const [snapshotter, snaps] of this.ns.snapshots) {
      if (snapshotter !== SNAPSHOTTER && snaps.size)
        problems.add(
          join(this.containerdRoot, `io.containerd.snapshotter.v1.${snapshotter}`),
          `${snaps.size} snapshots of the ${snapshotter} snapshotter are not read (only overlayfs)`,
        );
    }
    const layers = new Map<string, Layer>();
    const statements = new Map<string, Map<string, Buffer>>();
    const images = this.readImages(layers, statements, problems);
    replaceImageLayers(this, layers);
    replaceMap(this.images, images);
    replaceMap(this.statements, statements);
    replaceContainers(this, this.opts.dockerRoot ? this.dockerContainers(problems) : this.containerdContainers(problems));
    if (this.opts.dockerRoot) this.readDockerVolumes(problems);
  }

  private snapshot(key: string): {meta: MetaSnapshot; stored?: StoredSnapshot; dir: string} | undefined {
    const meta = this.ns.snapshots.get(SNAPSHOTTER)?.get(key);
    if (!meta) return undefined;
    const stored = this.stored.get(meta.name);
    return {meta, stored, dir: stored ? this.snapshotDir(stored.id) : ''};
  }

  /**
   * `snapshots/<id>/fs`, or '' when it would lead elsewhere: the id is a number the snapshotter
   * gave, and neither `<id>` nor `fs` may be a symbolic link (never followed out of the root).
   */
  private snapshotDir(id: string): string {
    let checked = this.dirs.get(id);
    if (checked !== undefined) return checked;
    checked = '';
    if (/^\d+$/.test(id)) {
      const dir = join(this.containerdRoot, OVERLAY, 'snapshots', id);
      const link = [dir, join(dir, 'fs')].find((path) => lstatSync(path, {throwIfNoEntry: false})?.isSymbolicLink());
      if (link) this.reading.add(link, 'a symbolic link where the snapshotter keeps a directory: not followed');
      else checked = join(dir, 'fs');
    }
    this.dirs.set(id, checked);
    return checked;
  }

  private readImages(layers: Map<string, Layer>, statements: Map<string, Map<string, Buffer>>, problems: Problems): Map<string, Image> {
    const content = new ContentStore(join(this.containerdRoot, CONTENT), problems);
    const images = new Map<string, Image>();
    // Several names can point at one target: one image with several tags, as docker shows it.
    const byTarget = new Map<string, Namespace['images']>();
    for (const record of this.ns.images) byTarget.set(record.target.digest, [...(byTarget.get(record.target.digest) ?? []), record]);
    for (const [id, records] of byTarget) {
      const first = records[0]!;
      const want = this.opts.platform ? parsePlatform(this.opts.platform) : hostPlatform();
      const before = problems.list.length;
      const resolved = resolveImage(content, first.target, first.name, want);
      if (!resolved) {
        problems.add(`${this.containerdRoot}: image ${first.name} (${id})`, 'its manifest or config cannot be read from the content store; image skipped');
        // The image and the blobs that could not be read (named by the problems just recorded) are left out together.
        for (const p of problems.list.slice(before)) for (const digest of p.item.match(/[0-9a-f]{64}/g) ?? []) problems.leftOut.add(digest);
        problems.leftOut.add(id);
        continue;
      }
      if (resolved.attestations.length || resolved.otherPlatforms.length) {
        const also = resolved.otherPlatforms.length ? `; other platforms: ${resolved.otherPlatforms.join(', ')}` : '';
        const chosen =
          resolved.platform && !platformMatches(parsePlatform(resolved.platform), want)
            ? `no ${formatPlatform(want)} image here, so the ${resolved.platform} one`
            : `the ${formatPlatform(want)} image`;
        const note = `${familiarName(first.name)}: ${chosen} of an index is shown (attestation manifests: ${resolved.attestations.length}${also})`;
        if (!this.notices.includes(note)) this.notices.push(note);
      }
      const diffIds = resolved.config.rootfs?.diff_ids ?? [];
      const chain = chainIds(diffIds);
      chain.forEach((chainId, i) => {
        let layer = layers.get(chainId);
        if (!layer) {
          const snap = this.snapshot(chainId);
          if (!snap?.dir)
            problems.add(
              `${this.containerdRoot}: snapshot ${chainId}`,
              `layer ${i} of ${first.name} is not unpacked (no overlayfs snapshot); its files cannot be shown`,
            );
          // An image layer's files are its own snapshot's: classic-builder snapshots sit on a build
          // container's `-init` snapshot, but the layer's parent is the image's layer below.
          layer = {
            id: chainId,
            kind: 'image',
            diffId: diffIds[i],
            parent: chain[i - 1],
            cacheId: snap?.stored?.id ?? '',
            dir: snap?.dir || join(this.containerdRoot, OVERLAY, 'snapshots', '(missing)'),
            full: false,
            size: snap?.stored?.size,
            images: [],
          };
          layers.set(chainId, layer);
        }
        layer.images.push(id);
      });
      // Names: `repo:tag` are tags, `repo@sha256:…` digests; Docker's dangling records and the
      // CRI's `sha256:<id>` aliases name no repository.
      const names = records
        .map((r) => r.name)
        .filter((n) => !n.startsWith(DANGLING) && !isSha256Digest(n))
        .map(familiarName);
      const tags = names.filter((n) => !n.includes('@')).sort(byNormalizedName);
      const digests = names.filter((n) => n.includes('@')).sort();
      // As `docker images` counts in this mode: the platform's content (not the index) plus every
      // snapshot below the top one (builder `-init` snapshots included). `docker inspect` and
      // `ctr images ls` show the content alone, index included (contentSize).
      const size = resolved.platformSize + this.unpackedUsage(chain.at(-1));
      const image = imageFromConfig(id, resolved.config, {size, tags, parent: this.opts.dockerRoot ? first.labels[PARENT_LABEL] || undefined : undefined});
      // What docker lists as the image's creation time in this mode: the image record's.
      image.contentSize = resolved.contentSize;
      image.digests = digests;
      image.created =
        records
          .map((r) => r.createdAt)
          .filter((c): c is string => !!c)
          .sort()[0] ?? image.created;
      const attestations = resolved.attestations.flatMap((digest) => this.attestation(content, digest, id, familiarName(first.name), layers, statements) ?? []);
      if (attestations.length) image.attestations = attestations;
      images.set(id, image);
    }
    for (const image of images.values()) if (image.parent) images.get(image.parent)?.children.push(image.id);
    for (const image of images.values()) image.dangling = image.tags.length === 0 && image.digests.length === 0 && image.children.length === 0;
    return images;
  }

  /**
   * An attestation manifest of an image (BuildKit's provenance, SBOM), when the content store holds
   * it (Docker keeps those it built or pulled): a layer of kind `attestation` whose files are the
   * statements present, as an archive shows them; never an image.
   */
  private attestation(
    content: ContentStore,
    digest: string,
    imageId: string,
    name: string,
    layers: Map<string, Layer>,
    statements: Map<string, Map<string, Buffer>>,
  ): Attestation | undefined {
    if (!isBlob(content, digest)) return undefined;
    const manifest = content.json<Manifest>(digest, `attestation manifest of ${name}`);
    if (!manifest) return undefined;
    const found = (manifest.layers ?? []).flatMap((l) => {
      const bytes = l.digest && isBlob(content, l.digest) ? content.bytes(l.digest, `attestation statement of ${name}`) : undefined;
      return bytes ? [{predicateType: l.annotations?.[PREDICATE_TYPE] ?? l.mediaType ?? 'statement', bytes}] : [];
    });
    const made = attestationLayer(digest, found, imageId, content.path(digest)!);
    const known = layers.get(digest);
    if (known) known.images.push(imageId);
    else layers.set(digest, made.layer);
    statements.set(digest, made.files);
    return made.attestation;
  }

  /** Recorded usage of a snapshot and all its parents (moby's calculateSnapshotTotalUsage). */
  private unpackedUsage(top: string | undefined): number {
    let total = 0;
    const seen = new Set<string>();
    for (let key = top; key && !seen.has(key); key = this.snapshot(key)?.meta.parent) {
      seen.add(key);
      total += this.snapshot(key)?.stored?.size ?? 0;
    }
    return total;
  }

  /** A container layer (init or rw) from the snapshot keyed `key`; undefined when there is none. */
  private containerLayer(key: string, kind: 'init' | 'rw', owner: string, problems: Problems): Layer | undefined {
    const snap = this.snapshot(key);
    if (!snap) return undefined;
    if (!snap.dir) problems.add(`${this.containerdRoot}: snapshot ${key}`, `the overlayfs snapshotter has no record of ${owner}'s ${kind} snapshot`);
    const layer: Layer = {
      id: key,
      kind,
      parent: snap.meta.parent ? this.mountedChain(snap.meta.parent) : undefined,
      cacheId: snap.stored?.id ?? '',
      dir: snap.dir || join(this.containerdRoot, OVERLAY, 'snapshots', '(missing)'),
      full: false,
      images: [],
    };
    this.layers.set(key, layer);
    return layer;
  }

  /**
   * The layer to put under a container's snapshot whose parent is snapshot `key`: the image layer
   * `key` when the snapshots below it are the image's own layers, else the snapshot chain as the
   * kernel mounts it (`snapshot:<key>` layers). Images made by the classic builder need the latter:
   * their layer snapshots sit on the build containers' `-init` snapshots, whose files (/proc,
   * /dev/pts, /etc/hosts…) a container of the image sees.
   */
  private mountedChain(key: string): string {
    const pending: string[] = [];
    let below: string | undefined;
    for (let k: string | undefined = key; k; k = this.snapshot(k)?.meta.parent) {
      if (this.imageChainMatches(k)) {
        below = k;
        break;
      }
      if (this.layers.has(`snapshot:${k}`) || pending.includes(k)) {
        below = `snapshot:${k}`;
        break;
      }
      pending.push(k);
    }
    for (const k of pending.reverse()) {
      const snap = this.snapshot(k);
      const image = this.layers.get(k);
      const id = `snapshot:${k}`;
      this.layers.set(id, {
        id,
        kind: image ? 'image' : 'init',
        diffId: image?.diffId,
        parent: below,
        cacheId: snap?.stored?.id ?? '',
        dir: snap?.dir || join(this.containerdRoot, OVERLAY, 'snapshots', '(missing)'),
        full: false,
        size: snap?.stored?.size,
        images: [],
      });
      below = id;
    }
    return below ?? key;
  }

  /** Whether snapshot `key` and every snapshot below it are the image layers of the same chain. */
  private imageChainMatches(key: string): boolean {
    for (let k: string | undefined = key; k;) {
      const layer = this.layers.get(k);
      if (layer?.kind !== 'image') return false;
      const parent: string | undefined = this.snapshot(k)?.meta.parent;
      if (parent !== layer.parent) return false;
      k = parent;
    }
    return true;
  }

  /** Docker's containers (containers/<id>/config.v2.json): rw = snapshot `<id>`, on `<id>-init`. */
  private dockerContainers(problems: Problems): Container[] {
    const root = this.opts.dockerRoot!;
    return readContainers(
      root,
      'overlay2',
      this.layers,
      problems,
      (c) => {
        const init = this.containerLayer(`${c.id}-init`, 'init', c.name, problems);
        const rw = this.containerLayer(c.id, 'rw', c.name, problems);
        if (!rw) {
          problems.add(join(root, 'containers', c.id), `container ${c.name} has no snapshot in containerd's ${this.namespace} namespace`);
          return;
        }
        c.rwLayer = rw.id;
        c.initLayer = init?.id;
        c.parentLayer = init?.parent ?? rw.parent;
        if (c.parentLayer && !this.layers.has(c.parentLayer))
          problems.add(join(root, 'containers', c.id), `container ${c.name} sits on snapshot ${c.parentLayer}, which containerd does not have`);
      },
      this.images,
    );
  }

  /** containerd's container records, then active snapshots that no container owns. */
  private containerdContainers(problems: Problems): Container[] {
    const out: Container[] = [];
    const owned = new Set<string>();
    const imageIds = new Map(this.ns.images.map((r) => [r.name, r.target.digest]));
    const attach = (c: Container, key: string) => {
      // An active snapshot on another active one (rare) is listed as its own item too.
      const rw = this.containerLayer(key, 'rw', c.name, problems);
      owned.add(key);
      c.rwLayer = rw?.id;
      c.parentLayer = rw?.parent;
    };
    for (const r of this.ns.containers) {
      const c = containerdContainer(
        r.id,
        r.image ? familiarName(r.image) : '',
        imageIds.get(r.image) ?? '',
        r.createdAt,
        r.spec?.process?.args?.join(' ') ?? '',
        r.labels,
        bindMounts(r.spec?.mounts),
      );
      if (r.snapshotter && r.snapshotter !== SNAPSHOTTER)
        problems.add(`${this.containerdRoot}: container ${r.id}`, `uses the ${r.snapshotter} snapshotter, which is not read`);
      else if (r.snapshotKey) attach(c, r.snapshotKey);
      out.push(c);
    }
    for (const [key, meta] of this.ns.snapshots.get(SNAPSHOTTER) ?? []) {
      const stored = this.stored.get(meta.name);
      if (owned.has(key) || stored?.kind !== 'active') continue;
      const c = containerdContainer(key, '', '', meta.createdAt, '(active snapshot, no container)', meta.labels);
      attach(c, key);
      out.push(c);
    }
    return out;
  }

  private readDockerVolumes(problems: Problems): void {
    const root = this.opts.dockerRoot!;
    const meta = readVolumeMetadata(root);
    for (const message of meta.problems) problems.add(join(root, 'volumes', 'metadata.db'), message);
    // Managed plugins live in the Docker root whatever the image store (plugins/<id>/config.json).
    replaceArray(this.plugins, readPlugins(root, problems));
    replaceArray(this.volumes, readVolumes(root, this.containers, meta.volumes, problems, this.plugins, this.opts.swarmUnlockKey));
    const swarm = swarmNotice(root);
    if (swarm && !this.notices.includes(swarm)) this.notices.push(swarm);
  }

  /** containerd alone: its namespace's blobs (`docker system df` has no such section). */
  override contentBlobs(): Map<string, number> | undefined {
    return this.kind === 'containerd' ? this.ns.content : undefined;
  }

  /** containerd's snapshot usage, as docker reports SizeRw in this mode: the rw snapshot's blocks. */
  override containerSizeRw(c: Container): number {
    const layer = c.rwLayer ? this.layers.get(c.rwLayer) : undefined;
    return layer ? blockUsage(layer.dir, this.problems) : 0;
  }

  override liveCatalog(): LiveCatalog {
    const metaDir = join(this.containerdRoot, 'io.containerd.metadata.v1.bolt');
    const docker = this.opts.dockerRoot;
    const dirs = [metaDir, ...(docker ? [join(docker, 'containers'), join(docker, 'volumes')] : [])];
    return {
      dirs,
      catalogOf: (path) => {
        // bbolt writes meta.db in place; every image, snapshot or container change passes through it.
        if (path === metaDir || path === join(metaDir, 'meta.db')) return 'images';
        if (!docker) return undefined;
        const rel = path.slice(docker.length + 1).split('/');
        if (rel[0] === 'containers' && (rel.length <= 2 || (rel.length === 3 && ['config.v2.json', 'hostconfig.json'].includes(rel[2]!)))) return 'containers';
        if (rel[0] === 'volumes' && rel.length <= 2) return 'volumes';
        return undefined;
      },
      reread: (what, problems) => {
        if (what === 'volumes' && docker) return this.readDockerVolumes(problems);
        if (what === 'containers' && docker) return replaceContainers(this, this.dockerContainers(problems));
        // containerd may be mid-write: a database that cannot be read now keeps the last catalog.
        let meta;
        try {
          meta = readMeta(join(this.containerdRoot, META_DB), problems);
        } catch (err) {
          problems.add(join(this.containerdRoot, META_DB), `not re-read: ${(err as Error).message}`);
          return;
        }
        this.readCatalog(meta.get(this.namespace), problems);
      },
    };
  }
}

/** Kubernetes nodes keep their images in `k8s.io`, `ctr` and nerdctl in `default`. */
function defaultNamespace(names: string[]): string {
  return ['k8s.io', 'default', 'moby'].find((n) => names.includes(n)) ?? names[0] ?? 'default';
}

function containerdContainer(
  id: string,
  imageRef: string,
  imageId: string,
  created: string | undefined,
  command: string,
  labels: Record<string, string>,
  mounts: MountPoint[] = [],
): Container {
  // containerd keeps task state outside its root (under /run): stored containers show as created.
  return {id, name: id, imageId, imageRef, state: 'created', exitCode: 0, created, command, mounts, tmpfs: {}, mountUses: {}, config: {Labels: labels}};
}

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

/**
 * The spec's bind mounts (`ctr run --mount`, nerdctl volumes, a pod's volumes), as `docker
 * inspect` shows binds; the runtime's own mounts (/proc, /dev, /sys…) are not the user's.
 */
function bindMounts(specMounts: NonNullable<MetaContainer['spec']>['mounts']): MountPoint[] {
  if (!Array.isArray(specMounts)) return [];
  return specMounts
    .filter((m) => m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind'))
    .map((m) => {
      const options = Array.isArray(m.options) ? m.options.map(String) : [];
      return {
        Type: 'bind',
        Source: String(m.source ?? ''),
        Destination: String(m.destination ?? ''),
        Mode: '',
        RW: !options.includes('ro'),
        Propagation: options.find((o) => PROPAGATIONS.includes(o)) ?? '',
        Options: options,
      };
    });
}

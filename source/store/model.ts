// What a storage root holds, as the reader reconstructs it. Plain data: the UI and the CLI
// render it; nothing here touches the filesystem.

export interface HistoryEntry {
  created?: string;
  createdBy: string;
  comment?: string;
  author?: string;
  emptyLayer: boolean;
}

export interface ImageConfig {
  Env?: string[];
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  WorkingDir?: string;
  Volumes?: Record<string, object> | null;
  Labels?: Record<string, string> | null;
  User?: string;
  ExposedPorts?: Record<string, object> | null;
  [key: string]: unknown;
}

export interface Image {
  /** `sha256:<hex>` */
  id: string;
  /** `repo:tag` references, familiar form. */
  tags: string[];
  /** `repo@sha256:...` references. */
  digests: string[];
  created?: string;
  parent?: string;
  /** Chain ids of the image's layers, bottom first. */
  layers: string[];
  diffIds: string[];
  history: HistoryEntry[];
  config: ImageConfig;
  os?: string;
  architecture?: string;
  author?: string;
  comment?: string;
  /** Sum of the layers' sizes, as `docker images` shows. */
  size: number;
  /** Bytes of the image's manifest, config and layer blobs in a content store (containerd), as `ctr images ls` counts them. */
  contentSize?: number;
  /** Ids of the images whose parent is this one. */
  children: string[];
  /** Untagged and not the parent of another image. */
  dangling: boolean;
  /**
   * What `id` is, as the tool that wrote the source shows image ids: the config digest (classic
   * Docker, podman), or the manifest or index digest (Docker's containerd image store).
   */
  idKind?: 'config digest' | 'manifest digest' | 'index digest';
  /** `os/arch[/variant]` of the image read from an index, and every platform the index lists. */
  platform?: string;
  platforms?: PlatformEntry[];
  /** Attestation manifests (provenance, SBOM) of this image: their statements are files of a layer of kind `attestation`. */
  attestations?: Attestation[];
}

export interface PlatformEntry {
  platform: string;
  /** The platform's manifest digest. */
  digest: string;
  /** Whether the source holds the manifest (a containerd `docker save` keeps only the platforms it has). */
  present: boolean;
}

export interface Attestation {
  /** The attestation manifest's digest. */
  digest: string;
  /** The layer (kind `attestation`) whose files are the in-toto statements. */
  layer: string;
  predicateTypes: string[];
}

/** An image layer (layerdb) or a container's init or writable layer. */
export interface Layer {
  /** Chain id for image layers; `<container-id>-init` / `<container-id>` for container layers. */
  id: string;
  /** `attestation`: not a filesystem layer; its files are an attestation manifest's in-toto statements. */
  kind: 'image' | 'init' | 'rw' | 'attestation';
  diffId?: string;
  parent?: string;
  cacheId: string;
  /** The directory holding this layer's files (overlay2 `diff/`, vfs full copy). */
  dir: string;
  /** Whether `dir` holds a change set (overlay2) or a full root filesystem (vfs). */
  full: boolean;
  /** Why the layer's files cannot be read (an unmounted zfs dataset, a devicemapper thin device). */
  unavailable?: string;
  /** Size recorded by Docker (layerdb `size`), when there is one. */
  size?: number;
  /** Image ids that include this layer. */
  images: string[];
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface MountPoint {
  Type: 'volume' | 'bind' | 'tmpfs' | 'npipe' | string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** Mount options podman shows (nosuid, nodev, rbind...). */
  Options?: string[];
}

export interface Container {
  id: string;
  name: string;
  imageId: string;
  /** What the user asked for (`Config.Image`), e.g. `myapp:1`. */
  imageRef: string;
  state: ContainerState;
  exitCode: number;
  created?: string;
  startedAt?: string;
  finishedAt?: string;
  command: string;
  /** Mounts as `docker inspect` shows them. */
  mounts: MountPoint[];
  /** `--tmpfs` mounts (HostConfig.Tmpfs): destination → options. */
  tmpfs: Record<string, string>;
  /** How each mount (by destination) was asked for (Docker: hostconfig Binds, Mounts, Tmpfs, VolumeDriver, Config.Volumes; podman: CreateCommand). */
  mountUses: Record<string, MountUse>;
  /** Layer stack: image chain id of the parent, then init and writable layers. */
  parentLayer?: string;
  initLayer?: string;
  rwLayer?: string;
  config: Record<string, unknown>;
}

/** How a container asked for a mount, as the docker or podman CLI was told. */
export interface MountUse {
  /**
   * `-v` (HostConfig.Binds), `--mount` (HostConfig.Mounts), `--tmpfs`, an anonymous `-v /path`, or
   * the image's VOLUME; `no command line` for a podman container made without `podman run|create`
   * (through the API), whose record does not say which flag made a mount.
   */
  how: '-v' | '--mount' | '--tmpfs' | 'anonymous -v' | 'image VOLUME' | 'no command line';
  /**
   * The flag: Docker's reconstructed from the hostconfig (`-v labeled:/labeled:ro`, `--mount
   * type=volume,src=x,dst=/x,volume-driver=D`); podman's as typed in its CreateCommand, or its
   * `-v` / `--tmpfs` equivalent when there is none.
   */
  flag: string;
  /** The volume driver the container named and where: `--volume-driver NAME` or `volume-driver=NAME`. */
  volumeDriver?: string;
}

/** A managed (v2) plugin: `plugins/<id>/config.json`, what `docker plugin ls` lists. */
export interface ManagedPlugin {
  id: string;
  /** `name:tag`, as `docker plugin ls` shows it. */
  name: string;
  description: string;
  enabled: boolean;
  /** What it implements (Config.Interface.Types), e.g. `docker.volumedriver/1.0`. */
  types: string[];
  /** Linux capabilities it was granted (Config.Linux.Capabilities). */
  capabilities: string[];
  /** Where the plugin's volumes appear to the host at run time (plugins/<id>/propagated-mount). */
  propagatedMount?: string;
}

/** Where a volume's data is. */
export type VolumeData =
  /**
   * Files under `volumes/<name>/_data` in this root (a `size` option only sets a quota on it).
   * `root`: the store root; reads of `path` resolve inside it, or are refused (a path podman
   * recorded elsewhere, a `_data` or `volumes` symlinked out).
   */
  | {kind: 'local'; path: string; quota?: string; root: string}
  /** The local driver with mount options: at run time `device` is mounted over `_data`; nothing is stored in the root. */
  | {kind: 'mount'; type: string; device: string; options: string; source: string}
  /** A plugin's volume: the plugin keeps the data, outside this root (legacy plugins are found at run time). */
  | {kind: 'plugin'; plugin: string; managed?: ManagedPlugin; engine: 'docker' | 'podman'}
  /** A swarm cluster volume: its CSI plugin provisions and keeps the data, on whatever storage it drives. */
  | {kind: 'csi'; plugin: string; managed?: ManagedPlugin};

/** A topology: segments such as `region=eu, zone=a` (CSI's accessible topology). */
export type Topology = Record<string, string> | null;

/** A CSI cluster volume as swarmkit's raft store records it (swarmkit api Volume), in Docker's words. */
export interface ClusterVolume {
  /** swarmkit's object id (not the CSI plugin's volume id). */
  id: string;
  version: bigint;
  /** RFC 3339 with nanoseconds, as `docker volume inspect` shows ClusterVolume.CreatedAt / UpdatedAt. */
  createdAt?: string;
  updatedAt?: string;
  group: string;
  /** Absent when the spec has no access mode. */
  accessMode?: {
    scope: 'single' | 'multi';
    sharing: 'none' | 'readonly' | 'onewriter' | 'all';
    type?: {kind: 'block'} | {kind: 'mount'; fsType: string; mountFlags: string[]};
  };
  /** Secret references: the key passed to the plugin and the swarm secret's id or name (never its data). */
  secrets: {key: string; secret: string}[];
  topology?: {requisite: Topology[]; preferred: Topology[]};
  capacity?: {requiredBytes: bigint; limitBytes: bigint};
  availability: 'active' | 'pause' | 'drain';
  /** Per node: published, pending publish or unpublish. */
  publishStatus: {nodeId: string; state: string; publishContext: Record<string, string> | null}[];
  /** What the plugin answered when it created the volume; absent until it has. */
  info?: {capacityBytes: bigint; volumeContext: Record<string, string> | null; volumeId: string; accessibleTopology: Topology[]};
  /** `docker volume rm` was asked; swarm removes it once the plugin has deleted it. */
  pendingDelete: boolean;
}

export interface Volume {
  name: string;
  driver: string;
  /** `volumes/<name>/_data` for the local driver; undefined when only the plugin knows it (at run time). */
  mountpoint?: string;
  createdAt?: string;
  /** As `docker volume inspect` shows them: null and {} differ (metadata.db keeps which). */
  labels: Record<string, string> | null;
  options: Record<string, string> | null;
  /** `local` for the local driver; a plugin's scope comes from its Capabilities at run time; `global` for cluster volumes. */
  scope?: 'local' | 'global';
  /** What of `docker volume inspect` only the plugin answers, at run time, and why it is not shown. */
  unknown?: {fields: string[]; why: string};
  data: VolumeData;
  /** A swarm cluster volume's record (CSI); absent for a daemon's own volumes. */
  cluster?: ClusterVolume;
  /** Anonymous volumes have a 64-hex name and were created for an image VOLUME or `-v /path`. */
  anonymous: boolean;
  /** Ids of the containers that mount it. */
  usedBy: string[];
  /** Every mount of it: container id, destination, read-only, and how it was asked for. */
  uses: VolumeUseOf[];
}

export interface VolumeUseOf {
  container: string;
  destination: string;
  readOnly: boolean;
  use?: MountUse;
}

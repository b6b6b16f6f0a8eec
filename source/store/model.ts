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
  /** Ids of the images whose parent is this one. */
  children: string[];
  /** Untagged and not the parent of another image. */
  dangling: boolean;
}

/** An image layer (layerdb) or a container's init or writable layer. */
export interface Layer {
  /** Chain id for image layers; `<container-id>-init` / `<container-id>` for container layers. */
  id: string;
  kind: 'image' | 'init' | 'rw';
  diffId?: string;
  parent?: string;
  cacheId: string;
  /** The directory holding this layer's files (overlay2 `diff/`, vfs full copy). */
  dir: string;
  /** Whether `dir` holds a change set (overlay2) or a full root filesystem (vfs). */
  full: boolean;
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
  /** Layer stack: image chain id of the parent, then init and writable layers. */
  parentLayer?: string;
  initLayer?: string;
  rwLayer?: string;
  config: Record<string, unknown>;
}

export interface Volume {
  name: string;
  driver: string;
  mountpoint: string;
  createdAt?: string;
  labels: Record<string, string> | null;
  options: Record<string, string> | null;
  scope: 'local';
  /** Anonymous volumes have a 64-hex name and were created for an image VOLUME or `-v /path`. */
  anonymous: boolean;
  /** Ids of the containers that mount it. */
  usedBy: string[];
}

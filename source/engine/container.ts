// `layerscope create`: a container as `docker create` leaves it (state "created"), in Docker's files:
//   containers/<id>/{config.v2.json,hostconfig.json,checkpoints/}, layerdb/mounts/<id>/, overlay2/<mount-id>{,-init}/
// plus what starting it would add to the writable layer: the mount points the image lacks.
// Also the lookup every later command shares: a container's layers as the read-only store reader sees them.
import {randomBytes} from 'node:crypto';
import {existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {findContainer} from '../store/refs.js';
import {DockerStore} from '../store/store.js';
import type {Container} from '../store/model.js';
import {EngineRoot, type Txn} from './engine-root.js';
import {hostConfigMounts, mountPointRecord, parseMountFlag, parseVolumeFlag, type MountSpec} from './container-mounts.js';
import {CowView} from './cow.js';
import {goJson, goTime} from './layout-json.js';
import {chainDiffDirs, createContainerLayers, rootPaths} from './layout.js';
import {goContainerConfig, imageChainId, readImageConfig, resolveImage} from './layout-image.js';
import {anonymousVolumeName, copyImagePath, ensureVolume} from './volume.js';

export interface CreateOptions {
  root: string;
  /** NAME[:TAG] or image id */
  image: string;
  /** default: container-<first 12 hex digits of the id> */
  name?: string;
  /** `-v` specs */
  volumes?: readonly string[];
  /** `--mount` specs */
  mounts?: readonly string[];
  /** replaces the image's CMD */
  cmd?: readonly string[];
}

export interface CreatedContainer {
  id: string;
  name: string;
  /** volume names in mount order, anonymous ones included */
  volumes: string[];
}

const ZERO_TIME = '0001-01-01T00:00:00Z';
/** Docker's container name rule (daemon/names: validContainerNamePattern). */
const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

function existingNames(root: string): Set<string> {
  const dir = join(root, 'containers');
  const names = new Set<string>();
  for (const id of readdirSync(dir, {withFileTypes: true}).filter((e) => e.isDirectory())) {
    try {
      names.add((JSON.parse(readFileSync(join(dir, id.name, 'config.v2.json'), 'utf8')) as {Name?: string}).Name?.replace(/^\//, '') ?? '');
    } catch {
      // a damaged container does not hold a name
    }
  }
  return names;
}

/** The specs from the flags, plus an anonymous volume for each image VOLUME nothing else mounts over. */
function mountSpecs(o: CreateOptions, imageVolumes: readonly string[]): Array<{raw: string; spec: MountSpec}> {
  const specs = [...(o.volumes ?? []).map((raw) => ({raw, spec: parseVolumeFlag(raw)})), ...(o.mounts ?? []).map((raw) => ({raw, spec: parseMountFlag(raw)}))];
  const targets = new Set<string>();
  for (const {spec} of specs) {
    if (targets.has(spec.target)) throw new Error(`duplicate mount point: ${spec.target}`);
    targets.add(spec.target);
  }
  for (const path of imageVolumes) {
    if (!targets.has(path)) specs.push({raw: path, spec: {type: 'volume', target: path, readonly: false, mode: '', via: 'image'}});
  }
  return specs;
}

export async function createContainer(o: CreateOptions): Promise<CreatedContainer> {
  const engine = await EngineRoot.open(o.root);
  return engine.transaction((txn) => create(txn, o));
}

async function create(txn: Txn, o: CreateOptions): Promise<CreatedContainer> {
  const root = txn.root;
  const imageId = await resolveImage(root, o.image);
  const {config: image} = await readImageConfig(root, imageId);
  const id = randomBytes(32).toString('hex');
  const name = o.name ?? `container-${id.slice(0, 12)}`;
  if (!VALID_NAME.test(name)) throw new Error(`invalid container name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  mkdirSync(join(root, 'containers'), {recursive: true, mode: 0o710});
  if (existingNames(root).has(name)) throw new Error(`the container name "${name}" is already in use`);

  const specs = mountSpecs(o, Object.keys(image.config?.Volumes ?? {}));
  const volumesConfig: Record<string, object> = {...image.config?.Volumes};
  for (const {spec} of specs) if (spec.type === 'volume' && spec.via === 'v' && !spec.name) volumesConfig[spec.target] = {};
  const cmd = o.cmd?.length ? [...o.cmd] : (image.config?.Cmd ?? null);
  const argv = [...(image.config?.Entrypoint ?? []), ...(cmd ?? [])];
  if (argv.length === 0) throw new Error(`no command specified: image ${o.image} has neither ENTRYPOINT nor CMD`);

  const chain = imageChainId(image);
  const layers = await createContainerLayers(txn, chain, id);
  const overlay = rootPaths(root).overlay;
  const view = new CowView({
    upper: join(overlay, layers.mountId, 'diff'),
    lowers: [join(overlay, layers.initId, 'diff'), ...(await chainDiffDirs(root, chain))],
  });
  const points: Record<string, unknown> = {};
  const volumes: string[] = [];
  for (const {spec} of specs) {
    let volumeName: string | undefined;
    let volumeData: string | undefined;
    if (spec.type === 'volume') {
      const wanted = spec.name ?? anonymousVolumeName();
      if (!existsSync(join(root, 'volumes', wanted))) await txn.note({kind: 'path', rel: join('volumes', wanted)});
      const volume = ensureVolume(root, wanted);
      if (!spec.mode.split(',').includes('nocopy')) copyImagePath(view, spec.target, volume.data);
      [volumeName, volumeData] = [volume.name, volume.data];
      volumes.push(volume.name);
    }
    makeMountPoint(view, spec);
    points[spec.target] = mountPointRecord(spec, volumeName, volumeData);
  }
  // Docker's SetupWorkingDirectory, at create time.
  if (image.config?.WorkingDir) ensureDir(view, image.config.WorkingDir);

  const config = goContainerConfig({
    ...image.config,
    Hostname: id.slice(0, 12),
    AttachStdout: true,
    AttachStderr: true,
    Cmd: cmd,
    Image: o.image,
    Volumes: Object.keys(volumesConfig).length ? volumesConfig : null,
    Labels: image.config?.Labels ?? {},
  });
  const dir = join(root, 'containers', id);
  await txn.note({kind: 'path', rel: join('containers', id)});
  mkdirSync(join(dir, 'checkpoints'), {recursive: true, mode: 0o700});
  writeFileSync(join(dir, 'hostconfig.json'), goJson(hostConfig(specs)), {mode: 0o644});
  writeFileSync(
    join(dir, 'config.v2.json'),
    goJson({
      StreamConfig: {},
      State: {
        Running: false,
        Paused: false,
        Restarting: false,
        OOMKilled: false,
        RemovalInProgress: false,
        Dead: false,
        Pid: 0,
        ExitCode: 0,
        Error: '',
        StartedAt: ZERO_TIME,
        FinishedAt: ZERO_TIME,
        Health: null,
      },
      ID: id,
      Created: goTime(),
      Managed: false,
      Path: argv[0],
      Args: argv.slice(1),
      Config: config,
      Image: imageId,
      NetworkSettings: {Bridge: '', SandboxID: '', HairpinMode: false, Networks: {}, Ports: null, SandboxKey: ''},
      LogPath: '',
      Name: `/${name}`,
      Driver: 'overlay2',
      OS: 'linux',
      MountLabel: '',
      ProcessLabel: '',
      RestartCount: 0,
      HasBeenStartedBefore: false,
      HasBeenManuallyStopped: false,
      MountPoints: points,
      SecretReferences: null,
      ConfigReferences: null,
      AppArmorProfile: '',
      HostnamePath: '',
      HostsPath: '',
      ShmPath: '',
      ResolvConfPath: '',
      SeccompProfile: '',
      NoNewPrivileges: false,
      LocalLogCacheMeta: {HaveNotifyEnabled: false},
    }),
    {mode: 0o600},
  );
  return {id, name, volumes};
}

function ensureDir(view: CowView, path: string): void {
  try {
    view.stat(path);
  } catch {
    view.mkdir(path, {recursive: true});
  }
}

/** The mount point the runtime creates when the image lacks it: a file for a bind-mounted file, else a directory. */
function makeMountPoint(view: CowView, spec: MountSpec): void {
  try {
    const st = view.stat(spec.target);
    if (!st.isDirectory() && spec.type !== 'bind') throw new Error(`cannot mount a ${spec.type} over existing file ${spec.target}`);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const fileSource = spec.type === 'bind' && statSync(spec.source, {throwIfNoEntry: false})?.isFile();
  if (fileSource) {
    ensureDir(view, join(spec.target, '..'));
    view.writeFile(spec.target, '');
  } else view.mkdir(spec.target, {recursive: true});
}

function hostConfig(specs: ReadonlyArray<{raw: string; spec: MountSpec}>): Record<string, unknown> {
  const {Binds, Mounts} = hostConfigMounts(specs);
  return {
    Binds,
    ContainerIDFile: '',
    LogConfig: {Type: 'json-file', Config: {}},
    NetworkMode: 'none',
    PortBindings: {},
    RestartPolicy: {Name: 'no', MaximumRetryCount: 0},
    AutoRemove: false,
    VolumeDriver: '',
    VolumesFrom: null,
    CapAdd: null,
    CapDrop: null,
    CgroupnsMode: 'host',
    Dns: [],
    DnsOptions: [],
    DnsSearch: [],
    ExtraHosts: null,
    GroupAdd: null,
    IpcMode: 'private',
    Cgroup: '',
    Links: null,
    OomScoreAdj: 0,
    PidMode: '',
    Privileged: false,
    PublishAllPorts: false,
    ReadonlyRootfs: false,
    SecurityOpt: null,
    UTSMode: '',
    UsernsMode: '',
    ShmSize: 67108864,
    Runtime: 'runc',
    ...(Mounts ? {Mounts} : {}),
  };
}

// ---------------------------------------------------------------- looking containers up

export interface ContainerLayers {
  container: Container;
  /** the writable layer's diff dir */
  upper: string;
  /** init layer and image layers, top-most first (overlay's lowerdir order) */
  lowers: string[];
  /** overlay2/<mount-id> */
  layerDir: string;
}

/** Find a container by name or id with the read-only reader, and its layer directories. */
export function containerLayers(root: string, ref: string): ContainerLayers {
  const store = new DockerStore(root);
  const container = findContainer(store, ref);
  if (!container) throw new Error(`no such container: ${ref}`);
  if (store.driver !== 'overlay2' || !container.rwLayer) throw new Error(`container ${ref} has no overlay2 writable layer in ${root}`);
  const chain = store.chain(container.rwLayer).reverse();
  const [top, ...below] = chain;
  return {container, upper: top!.dir, lowers: below.map((l) => l.dir), layerDir: join(rootPaths(root).overlay, top!.cacheId)};
}

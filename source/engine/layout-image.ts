// Image configs, tags and listing in Docker's imagedb layout:
//   image/overlay2/imagedb/content/sha256/<id>    config JSON, id = sha256 of these exact bytes
//   image/overlay2/imagedb/metadata/sha256/<id>/{parent,lastUpdated}
//   image/overlay2/repositories.json              {"Repositories":{"name":{"name:tag":"sha256:..."}}}
import {existsSync} from 'node:fs';
import * as fsp from 'node:fs/promises';
import {join, relative} from 'node:path';
import type {Txn} from './engine-root.js';
import {goJson, goTime, sortedKeys} from './layout-json.js';
import {chainIds} from '../docker/chain-id.js';
import {hexOf as hex, sha256Digest as sha256} from '../docker/digest.js';
import {parseReference, type Reference} from '../docker/reference.js';
import {rootPaths, writeFileAtomic} from './layout.js';

/** Docker's container.Config (the fields the engine sets; unknown ones are kept when re-serialising). */
export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, object>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[] | null;
  Cmd: string[] | null;
  ArgsEscaped?: boolean;
  Image: string;
  Volumes: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  OnBuild: string[] | null;
  Labels: Record<string, string> | null;
  StopSignal?: string;
  Shell?: string[];
  [extra: string]: unknown;
}

export interface HistoryEntry {
  created: string;
  author?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  architecture: string;
  author?: string;
  comment?: string;
  config: ContainerConfig;
  container?: string;
  container_config: ContainerConfig;
  created: string;
  docker_version: string;
  history: HistoryEntry[];
  os: string;
  rootfs: {type: 'layers'; diff_ids: string[]};
  [extra: string]: unknown;
}

export const DOCKER_VERSION = 'layerscope-0.1.0';

export function emptyContainerConfig(): ContainerConfig {
  return {
    Hostname: '',
    Domainname: '',
    User: '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: null,
    Cmd: null,
    Image: '',
    Volumes: null,
    WorkingDir: '',
    Entrypoint: null,
    OnBuild: null,
    Labels: null,
  };
}

// Go struct field order of container.Config; `omit` fields are omitempty.
const CONFIG_FIELDS: Array<[string, boolean]> = [
  ['Hostname', false],
  ['Domainname', false],
  ['User', false],
  ['AttachStdin', false],
  ['AttachStdout', false],
  ['AttachStderr', false],
  ['ExposedPorts', true],
  ['Tty', false],
  ['OpenStdin', false],
  ['StdinOnce', false],
  ['Env', false],
  ['Cmd', false],
  ['Healthcheck', true],
  ['ArgsEscaped', true],
  ['Image', false],
  ['Volumes', false],
  ['WorkingDir', false],
  ['Entrypoint', false],
  ['NetworkDisabled', true],
  ['MacAddress', true],
  ['OnBuild', false],
  ['Labels', false],
  ['StopSignal', true],
  ['StopTimeout', true],
  ['Shell', true],
];

function isEmpty(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    v === false ||
    v === '' ||
    v === 0 ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' && Object.keys(v as object).length === 0)
  );
}

/** container.Config in Go's field order (maps with sorted keys), as json.Marshal writes it. */
export function goContainerConfig(c: Partial<ContainerConfig> | undefined): Record<string, unknown> {
  const src: Record<string, unknown> = {...emptyContainerConfig(), ...c};
  const out: Record<string, unknown> = {};
  for (const [key, omit] of CONFIG_FIELDS) {
    let v = src[key];
    if (omit && isEmpty(v)) continue;
    if ((key === 'ExposedPorts' || key === 'Volumes' || key === 'Labels') && v) v = sortedKeys(v as Record<string, unknown>);
    out[key] = v ?? null;
  }
  return out;
}

function goHistory(h: HistoryEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {created: h.created};
  if (h.author) out.author = h.author;
  if (h.created_by) out.created_by = h.created_by;
  if (h.comment) out.comment = h.comment;
  if (h.empty_layer) out.empty_layer = true;
  return out;
}

/** The config bytes Docker would write for this image: top-level keys sorted (Docker marshals via a map). */
export function serializeImageConfig(img: ImageConfig): string {
  const top: Record<string, unknown> = {...img};
  top.config = goContainerConfig(img.config);
  top.container_config = goContainerConfig(img.container_config);
  top.history = img.history.map(goHistory);
  top.rootfs = {type: img.rootfs.type, diff_ids: img.rootfs.diff_ids};
  for (const k of Object.keys(top)) if (top[k] === undefined || ((k === 'container' || k === 'comment' || k === 'author') && !top[k])) delete top[k];
  return goJson(sortedKeys(top));
}

// ---------------------------------------------------------------- imagedb

/** Store config bytes as they are (loaded images keep their id) and return `sha256:<id>`; new files are journalled in `txn`. */
export async function storeImageConfig(txn: Txn, bytes: string | Buffer, meta: {parent?: string; lastUpdated?: boolean} = {}): Promise<string> {
  const root = txn.root;
  const p = rootPaths(root);
  const id = sha256(bytes);
  const path = join(p.imageContent, hex(id));
  if (!existsSync(path)) {
    await txn.note({kind: 'path', rel: relative(root, path)});
    await writeFileAtomic(path, bytes, 0o600);
  }
  const metaDir = join(p.imageMetadata, hex(id));
  if ((meta.parent || meta.lastUpdated) && !existsSync(metaDir)) await txn.note({kind: 'path', rel: relative(root, metaDir)});
  if (meta.parent) {
    await fsp.mkdir(metaDir, {recursive: true, mode: 0o700});
    await fsp.writeFile(join(metaDir, 'parent'), meta.parent, {mode: 0o600});
  }
  if (meta.lastUpdated) await touchImage(root, id);
  return id;
}

/** Set metadata lastUpdated, which Docker writes when an image is tagged or finished building. */
export async function touchImage(root: string, id: string): Promise<void> {
  const dir = join(rootPaths(root).imageMetadata, hex(id));
  await fsp.mkdir(dir, {recursive: true, mode: 0o700});
  await fsp.writeFile(join(dir, 'lastUpdated'), goTime(), {mode: 0o600});
}

export async function readImageConfig(root: string, id: string): Promise<{id: string; bytes: Buffer; config: ImageConfig}> {
  const bytes = await fsp.readFile(join(rootPaths(root).imageContent, hex(id))).catch(() => {
    throw new Error(`image ${id} is not in ${root}`);
  });
  return {id: `sha256:${hex(id)}`, bytes, config: JSON.parse(bytes.toString('utf8')) as ImageConfig};
}

export async function imageParent(root: string, id: string): Promise<string | undefined> {
  return fsp.readFile(join(rootPaths(root).imageMetadata, hex(id), 'parent'), 'utf8').then(
    (s) => s.trim() || undefined,
    () => undefined,
  );
}

export async function allImageIds(root: string): Promise<string[]> {
  const names = await fsp.readdir(rootPaths(root).imageContent).catch(() => [] as string[]);
  return names.filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}`);
}

/** Images whose metadata parent is `parent` ("" = images without a parent, like Docker's scratch case). */
export async function childImages(root: string, parent: string): Promise<string[]> {
  const out: string[] = [];
  for (const id of await allImageIds(root)) if (((await imageParent(root, id)) ?? '') === parent) out.push(id);
  return out;
}

export function imageChainId(config: ImageConfig): string | undefined {
  return chainIds(config.rootfs.diff_ids).at(-1);
}

type Repositories = Record<string, Record<string, string>>;

export async function readRepositories(root: string): Promise<Repositories> {
  const text = await fsp.readFile(rootPaths(root).repositories, 'utf8').catch(() => '{}');
  return (JSON.parse(text) as {Repositories?: Repositories}).Repositories ?? {};
}

/** Point NAME:TAG at an image (moving the tag if it pointed elsewhere). */
export async function tagImage(root: string, ref: string, id: string): Promise<Reference> {
  const r = parseReference(ref);
  const repos = await readRepositories(root);
  repos[r.name] = sortedKeys({...repos[r.name], [r.full]: `sha256:${hex(id)}`});
  await writeFileAtomic(rootPaths(root).repositories, goJson({Repositories: sortedKeys(repos)}), 0o600);
  await touchImage(root, id);
  return r;
}

/** Resolve NAME[:TAG], a full or short image id to `sha256:<id>`. */
export async function resolveImage(root: string, ref: string): Promise<string> {
  const repos = await readRepositories(root);
  if (/^(sha256:)?[0-9a-f]{4,64}$/.test(ref)) {
    const want = hex(ref);
    const matches = (await allImageIds(root)).filter((id) => hex(id).startsWith(want));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new Error(`image id prefix ${ref} is ambiguous in ${root}`);
  }
  let r: Reference;
  try {
    r = parseReference(ref);
  } catch {
    throw new Error(`no such image: ${ref}`);
  }
  const id = repos[r.name]?.[r.full];
  if (!id) throw new Error(`no such image: ${r.full} (not in ${root})`);
  return id;
}

export interface ImageSummary {
  id: string;
  tags: string[];
  created: string;
  parent?: string;
  /** sum of the layer sizes, as `docker images` shows */
  size: number;
  layers: number;
}

/** Every image in the root (tagged or not), newest first. */
export async function listImages(root: string): Promise<ImageSummary[]> {
  const repos = await readRepositories(root);
  const tagsOf = new Map<string, string[]>();
  for (const tags of Object.values(repos)) for (const [tag, id] of Object.entries(tags)) tagsOf.set(id, [...(tagsOf.get(id) ?? []), tag]);
  const out: ImageSummary[] = [];
  for (const id of await allImageIds(root)) {
    const {config} = await readImageConfig(root, id);
    let size = 0;
    for (const chain of chainIds(config.rootfs.diff_ids)) {
      size += Number(await fsp.readFile(join(rootPaths(root).layerdb, hex(chain), 'size'), 'utf8').catch(() => '0'));
    }
    out.push({id, tags: tagsOf.get(id) ?? [], created: config.created, parent: await imageParent(root, id), size, layers: config.rootfs.diff_ids.length});
  }
  return out.sort((a, b) => b.created.localeCompare(a.created));
}

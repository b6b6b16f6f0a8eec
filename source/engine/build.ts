// `layerscope build`: Docker's classic builder (DOCKER_BUILDKIT=0) on an engine root. One image per
// step (metadata parent links), one layer per filesystem-changing step, `created_by` strings and the
// COPY/ADD content hashes exactly as Docker writes them, and the classic layer cache: a step is reused
// when a child of the current image has the same container_config (command, env, labels, ...).
import {createHash, randomBytes} from 'node:crypto';
import {lstatSync, readlinkSync, type Stats} from 'node:fs';
import * as fsp from 'node:fs/promises';
import {basename, isAbsolute, join, posix, resolve} from 'node:path';
import {constants as zlibConstants, gunzipSync} from 'node:zlib';
import {parseDockerfile, parseKeyValues, processWords, expandWord, DockerfileError, type Instruction, type Vars} from './dockerfile.js';
import {CowError, CowView} from './cow.js';
import {mkdirAllInView, resolveInView, resolveScoped, type LinkReader} from './cow-resolve.js';
import {shortId} from '../docker/digest.js';
import {goArch} from '../docker/platform.js';
import {maybeDecompress, type Output} from './import.js';
import {applyLayerTar} from './layer-tar.js';
import {goTime} from './layout-json.js';
import {EngineRoot, type Txn} from './engine-root.js';
import {chainDiffDirs, newLayerDir, registerLayerDir, removeLayerDir, type LayerDir, type LayerInfo} from './layout.js';
import {
  childImages,
  DOCKER_VERSION,
  emptyContainerConfig,
  imageChainId,
  readImageConfig,
  resolveImage,
  serializeImageConfig,
  storeImageConfig,
  tagImage,
  type ContainerConfig,
  type ImageConfig,
} from './layout-image.js';
import {runInLayer} from './run.js';

export interface BuildOptions {
  root: string;
  /** build context directory */
  context: string;
  /** Dockerfile path (default: <context>/Dockerfile; relative paths are relative to the context) */
  file?: string;
  /** NAME[:TAG] references for the result */
  tags?: string[];
  buildArgs?: Record<string, string>;
  /** ignore the layer cache */
  noCache?: boolean;
  /** progress and RUN output */
  out?: Output;
}

export interface BuildResult {
  id: string;
  /** image id after each step, with whether it came from the cache */
  steps: Array<{instruction: string; id: string; cached: boolean}>;
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface Stage {
  name?: string;
  imageId: string;
  config?: ImageConfig;
  chainId?: string;
  runConfig: ContainerConfig;
  cmdSet: boolean;
  /** ARGs declared in this stage, value undefined when it has none */
  args: Map<string, string | undefined>;
  maintainer?: string;
}

/** Docker's %q of a Go string. */
function goQuote(s: string): string {
  return JSON.stringify(s)
    .replace(/\\u00([0-9a-f]{2})/g, (_, h: string) => (({'07': '\\a', '0b': '\\v'}) as Record<string, string>)[h] ?? `\\x${h}`)
    .replace(/\x7f/g, '\\x7f');
}

/** Docker's image cache comparison (image/cache/compare.go), plus WorkingDir. */
function sameRunConfig(a: ContainerConfig, b: ContainerConfig): boolean {
  const eqList = (x: unknown[] | null | undefined, y: unknown[] | null | undefined): boolean => JSON.stringify(x ?? []) === JSON.stringify(y ?? []);
  const keys = (m: Record<string, unknown> | null | undefined): string => JSON.stringify(Object.keys(m ?? {}).sort());
  const entries = (m: Record<string, string> | null | undefined): string => JSON.stringify(Object.entries(m ?? {}).sort());
  return (
    !a.OpenStdin &&
    !b.OpenStdin &&
    a.AttachStdout === b.AttachStdout &&
    a.AttachStderr === b.AttachStderr &&
    a.User === b.User &&
    a.Tty === b.Tty &&
    a.WorkingDir === b.WorkingDir &&
    eqList(a.Cmd, b.Cmd) &&
    eqList(a.Env, b.Env) &&
    eqList(a.Entrypoint, b.Entrypoint) &&
    entries(a.Labels) === entries(b.Labels) &&
    keys(a.ExposedPorts) === keys(b.ExposedPorts) &&
    keys(a.Volumes) === keys(b.Volumes)
  );
}

const clone = <T>(v: T): T => structuredClone(v);

export class Builder {
  private readonly stages: Stage[] = [];
  private readonly metaArgs = new Map<string, string | undefined>();
  readonly steps: BuildResult['steps'] = [];

  constructor(
    private readonly opts: BuildOptions,
    private readonly engine: EngineRoot,
  ) {}

  private print(text: string): void {
    this.opts.out?.write(text);
  }

  private get stage(): Stage {
    return this.stages.at(-1)!;
  }

  /** Variables visible to an instruction: ARGs (with values) overridden by ENV. */
  private vars(): Vars {
    const v = new Map<string, string>();
    for (const [k, d] of this.stage.args) {
      const val = this.opts.buildArgs?.[k] ?? d;
      if (val !== undefined) v.set(k, val);
    }
    for (const e of this.stage.runConfig.Env ?? []) v.set(e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1));
    return v;
  }

  /** Build args in effect for RUN, as `k=v` (not those ENV overrides). */
  private buildArgEnv(): string[] {
    const env = new Set((this.stage.runConfig.Env ?? []).map((e) => e.slice(0, e.indexOf('='))));
    const out: string[] = [];
    for (const [k, d] of this.stage.args) {
      const val = this.opts.buildArgs?.[k] ?? d;
      if (val !== undefined && !env.has(k)) out.push(`${k}=${val}`);
    }
    return out.sort();
  }

  async run(instructions: Instruction[]): Promise<BuildResult> {
    const first = instructions.findIndex((i) => i.keyword === 'FROM');
    for (const i of instructions.slice(0, first)) {
      for (const w of processWords(i.args, new Map(), i.line)) {
        const eq = w.indexOf('=');
        this.metaArgs.set(eq === -1 ? w : w.slice(0, eq), eq === -1 ? undefined : w.slice(eq + 1));
      }
    }
    const steps = instructions.slice(first);
    for (const [n, inst] of steps.entries()) {
      this.print(`Step ${n + 1}/${steps.length} : ${inst.original}\n`);
      try {
        await this.dispatch(inst);
      } catch (err) {
        if (err instanceof DockerfileError) throw err;
        throw new DockerfileError(inst.line, (err as Error).message);
      }
      this.stage.runConfig.Image = this.stage.imageId;
    }
    const id = this.stage.imageId;
    if (!id) throw new Error('the build produced no image (FROM scratch with no instructions)');
    this.print(`Successfully built ${shortId(id)}\n`);
    for (const t of this.opts.tags ?? []) {
      const r = await tagImage(this.opts.root, t, id);
      this.print(`Successfully tagged ${r.full}\n`);
    }
    return {id, steps: this.steps};
  }

  private async dispatch(inst: Instruction): Promise<void> {
    switch (inst.keyword) {
      case 'FROM':
        return this.from(inst);
      case 'RUN':
        return this.runStep(inst);
      case 'COPY':
      case 'ADD':
        return this.copy(inst);
      case 'WORKDIR':
        return this.workdir(inst);
      default:
        return this.metadata(inst);
    }
  }

  private async from(inst: Instruction): Promise<void> {
    const metaVars = new Map<string, string>();
    for (const [k, d] of this.metaArgs) {
      const v = this.opts.buildArgs?.[k] ?? d;
      if (v !== undefined) metaVars.set(k, v);
    }
    const words = processWords(inst.args, metaVars, inst.line);
    if (words.length !== 1 && !(words.length === 3 && words[1]!.toUpperCase() === 'AS')) {
      throw new DockerfileError(inst.line, 'FROM expects an image and optionally "AS name"');
    }
    const ref = words[0]!;
    const named = this.stages.find((s) => s.name === ref.toLowerCase());
    let imageId = '';
    let config: ImageConfig | undefined;
    if (named) ({imageId, config} = named);
    else if (ref !== 'scratch') {
      imageId = await resolveImage(this.opts.root, ref);
      config = (await readImageConfig(this.opts.root, imageId)).config;
    }
    const runConfig = config ? clone({...emptyContainerConfig(), ...config.config}) : emptyContainerConfig();
    if (!(runConfig.Env ?? []).some((e) => e.startsWith('PATH='))) runConfig.Env = [...(runConfig.Env ?? []), DEFAULT_PATH];
    runConfig.OpenStdin = false;
    runConfig.StdinOnce = false;
    runConfig.Image = imageId;
    this.stages.push({
      name: words[2]?.toLowerCase(),
      imageId,
      config,
      chainId: config ? imageChainId(config) : undefined,
      runConfig,
      cmdSet: false,
      args: new Map(),
    });
    this.print(imageId ? ` ---> ${shortId(imageId)}\n` : ' ---> \n');
    this.steps.push({instruction: inst.original, id: imageId, cached: false});
  }

  /** Look for an earlier step with the same parent and container_config. */
  private async probeCache(probe: ContainerConfig): Promise<boolean> {
    if (this.opts.noCache) return false;
    for (const id of await childImages(this.opts.root, this.stage.imageId)) {
      const {config} = await readImageConfig(this.opts.root, id);
      if (!sameRunConfig(config.container_config, probe)) continue;
      this.adopt(id, config);
      this.print(` ---> Using cache\n ---> ${shortId(id)}\n`);
      return true;
    }
    return false;
  }

  private adopt(id: string, config: ImageConfig): void {
    this.stage.imageId = id;
    this.stage.config = config;
    this.stage.chainId = imageChainId(config);
    Object.assign(this.steps.at(-1)!, {id, cached: true});
  }

  /** Write the step's image (NewChildImage): history entry, optional layer, metadata parent. */
  private async commit(txn: Txn, containerConfig: ContainerConfig, layer: LayerInfo | undefined, containerId?: string): Promise<string> {
    const s = this.stage;
    const parent = s.config;
    const created = goTime();
    const createdBy = (containerConfig.Cmd ?? []).join(' ');
    const img: ImageConfig = {
      architecture: parent?.architecture ?? goArch(),
      author: s.maintainer,
      config: clone(s.runConfig),
      container: containerId,
      container_config: containerConfig,
      created,
      docker_version: DOCKER_VERSION,
      history: [...(parent?.history ?? []), {created, author: s.maintainer, created_by: createdBy, empty_layer: layer ? undefined : true}],
      os: parent?.os ?? 'linux',
      rootfs: {type: 'layers', diff_ids: [...(parent?.rootfs.diff_ids ?? []), ...(layer ? [layer.diffId] : [])]},
    };
    const id = await storeImageConfig(txn, serializeImageConfig(img), {parent: s.imageId || undefined});
    s.imageId = id;
    s.config = img;
    s.chainId = layer ? layer.chainId : s.chainId;
    this.steps.at(-1)!.id = id;
    this.print(` ---> ${shortId(id)}\n`);
    return id;
  }

  private withCmd(cmd: string[]): ContainerConfig {
    return {...clone(this.stage.runConfig), Cmd: cmd};
  }

  /** Metadata-only steps: Docker creates (but never starts) a container and commits it. */
  private async commitComment(comment: string, single = false): Promise<void> {
    const probe = this.withCmd(single ? ['/bin/sh', '-c', `#(nop) ${comment}`] : ['/bin/sh', '-c', '#(nop) ', comment]);
    this.steps.push({instruction: comment, id: '', cached: false});
    if (await this.probeCache(probe)) return;
    const cid = randomBytes(32).toString('hex');
    this.print(` ---> Running in ${cid.slice(0, 12)}\nRemoving intermediate container ${cid.slice(0, 12)}\n`);
    await this.engine.transaction((txn) => this.commit(txn, {...probe, Hostname: cid.slice(0, 12), Labels: probe.Labels ?? {}}, undefined, cid));
  }

  private async metadata(inst: Instruction): Promise<void> {
    const rc = this.stage.runConfig;
    const vars = this.vars();
    switch (inst.keyword) {
      case 'ENV': {
        const pairs = parseKeyValues(inst, vars);
        for (const [k, v] of pairs) {
          const env = rc.Env ?? [];
          const i = env.findIndex((e) => e.slice(0, e.indexOf('=')) === k);
          if (i === -1) env.push(`${k}=${v}`);
          else env[i] = `${k}=${v}`;
          rc.Env = env;
        }
        return this.commitComment(`ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`);
      }
      case 'LABEL': {
        const pairs = parseKeyValues(inst, vars);
        rc.Labels = {...rc.Labels};
        for (const [k, v] of pairs) rc.Labels[k] = v;
        return this.commitComment(`LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`);
      }
      case 'ARG': {
        const parts: string[] = [];
        for (const w of processWords(inst.args, vars, inst.line)) {
          const eq = w.indexOf('=');
          const key = eq === -1 ? w : w.slice(0, eq);
          const value = eq === -1 ? (this.metaArgs.has(key) ? this.metaArgs.get(key) : undefined) : w.slice(eq + 1);
          this.stage.args.set(key, value);
          parts.push(eq === -1 ? key : `${key}=${value}`);
        }
        return this.commitComment(`ARG ${parts.join(' ')}`);
      }
      case 'USER':
        rc.User = expandWord(inst.args, vars, inst.line);
        return this.commitComment(`USER ${rc.User}`);
      case 'STOPSIGNAL':
        rc.StopSignal = expandWord(inst.args, vars, inst.line);
        return this.commitComment(`STOPSIGNAL ${rc.StopSignal}`);
      case 'MAINTAINER':
        this.stage.maintainer = inst.args;
        return this.commitComment(`MAINTAINER ${inst.args}`);
      case 'EXPOSE': {
        const ports = processWords(inst.args, vars, inst.line);
        rc.ExposedPorts = {...rc.ExposedPorts};
        for (const p of ports) for (const key of portKeys(p, inst.line)) rc.ExposedPorts[key] = {};
        return this.commitComment(`EXPOSE ${ports.join(' ')}`);
      }
      case 'VOLUME': {
        const vols = inst.json ?? processWords(inst.args, vars, inst.line);
        rc.Volumes = {...rc.Volumes};
        for (const v of vols) {
          if (!v) throw new DockerfileError(inst.line, 'VOLUME specified can not be an empty string');
          rc.Volumes[v] = {};
        }
        return this.commitComment(`VOLUME [${vols.join(' ')}]`);
      }
      case 'CMD':
      case 'ENTRYPOINT': {
        const cmd = inst.json ?? (inst.args ? ['/bin/sh', '-c', inst.args] : null);
        if (inst.keyword === 'CMD') {
          rc.Cmd = cmd;
          await this.commitComment(`CMD [${(cmd ?? []).map(goQuote).join(' ')}]`);
          if (inst.args) this.stage.cmdSet = true;
          return;
        }
        rc.Entrypoint = cmd;
        if (!this.stage.cmdSet) rc.Cmd = null;
        return this.commitComment(`ENTRYPOINT [${(cmd ?? []).map(goQuote).join(' ')}]`);
      }
      default:
        throw new DockerfileError(inst.line, `${inst.keyword} is not supported`);
    }
  }

  private imageDirs(): Promise<string[]> {
    return chainDiffDirs(this.opts.root, this.stage.chainId);
  }

  /** Register a filled layer dir, or drop it when the step changed nothing (Docker's empty_layer). */
  private async finishLayer(txn: Txn, layer: LayerDir): Promise<LayerInfo | undefined> {
    await fsp.rm(join(layer.dir, 'work', 'work'), {recursive: true, force: true}).catch(() => undefined);
    if ((await fsp.readdir(layer.diffDir)).length === 0) {
      await removeLayerDir(this.opts.root, layer.id);
      return undefined;
    }
    return registerLayerDir(txn, this.stage.chainId, layer);
  }

  private async workdir(inst: Instruction): Promise<void> {
    const rc = this.stage.runConfig;
    const path = expandWord(inst.args, this.vars(), inst.line);
    rc.WorkingDir = posix.resolve(rc.WorkingDir || '/', path);
    const probe = this.withCmd(['/bin/sh', '-c', `#(nop) WORKDIR ${rc.WorkingDir}`]);
    this.steps.push({instruction: inst.original, id: '', cached: false});
    if (await this.probeCache(probe)) return;
    const cid = randomBytes(32).toString('hex');
    this.print(` ---> Running in ${cid.slice(0, 12)}\nRemoving intermediate container ${cid.slice(0, 12)}\n`);
    // Docker creates the directory in the step's container, so a new directory becomes a layer.
    await this.engine.transaction(async (txn) => {
      const layer = await newLayerDir(txn, this.stage.chainId);
      mkdirAllInView(stepView(layer.diffDir, await this.imageDirs()), rc.WorkingDir);
      const info = await this.finishLayer(txn, layer);
      await this.commit(txn, {...probe, Hostname: cid.slice(0, 12), Labels: probe.Labels ?? {}}, info, cid);
    });
  }

  private async runStep(inst: Instruction): Promise<void> {
    const rc = this.stage.runConfig;
    const cmd = inst.json ?? ['/bin/sh', '-c', inst.args];
    const buildArgs = this.buildArgEnv();
    const saveCmd = buildArgs.length ? [`|${buildArgs.length}`, ...buildArgs, ...cmd] : cmd;
    const probe: ContainerConfig = {...this.withCmd(saveCmd), Entrypoint: null};
    this.steps.push({instruction: inst.original, id: '', cached: false});
    if (await this.probeCache(probe)) return;
    const cid = randomBytes(32).toString('hex');
    this.print(` ---> Running in ${cid.slice(0, 12)}\n`);
    await this.engine.transaction(async (txn) => {
      const layer = await newLayerDir(txn, this.stage.chainId);
      const code = await runInLayer({
        overlayDir: this.engine.paths.overlay,
        lowerDirs: await this.imageDirs(),
        upperDir: layer.diffDir,
        workDir: layer.workDir,
        scratchDir: await txn.scratch('run'),
        argv: cmd,
        env: [...(rc.Env ?? []), ...buildArgs],
        cwd: rc.WorkingDir,
        user: rc.User,
        hostname: cid.slice(0, 12),
        onOutput: (chunk) => this.print(chunk.toString()),
      });
      if (code !== 0) throw new Error(`The command '${cmd.join(' ')}' returned a non-zero code: ${code}`);
      this.print(`Removing intermediate container ${cid.slice(0, 12)}\n`);
      const info = await this.finishLayer(txn, layer);
      await this.commit(txn, probe, info, cid);
    });
  }

  private async copy(inst: Instruction): Promise<void> {
    const vars = this.vars();
    const words = inst.json ?? processWords(inst.args, vars, inst.line);
    if (words.length < 2) throw new DockerfileError(inst.line, `${inst.keyword} requires at least one source and a destination`);
    const rc = this.stage.runConfig;
    const destRaw = words.at(-1)!;
    const from = inst.flags.from;
    if (inst.flags.chown) throw new DockerfileError(inst.line, `${inst.keyword} --chown is not supported by this engine`);
    let source: FileSource;
    if (from !== undefined) {
      const stage = /^\d+$/.test(from) ? this.stages[Number(from)] : this.stages.find((s) => s.name === from.toLowerCase());
      const imageId = stage ? stage.imageId : await resolveImage(this.opts.root, from);
      const cfg = stage?.config ?? (await readImageConfig(this.opts.root, imageId)).config;
      source = imageSource(await chainDiffDirs(this.opts.root, imageChainId(cfg)));
    } else source = localSource(resolve(this.opts.context));
    const infos: Array<{rel: string; hash: string}> = [];
    for (const src of words.slice(0, -1)) {
      if (/^[a-z]+:\/\//i.test(src)) throw new DockerfileError(inst.line, `${inst.keyword} from a URL (${src}) is not supported: no network`);
      const matches = await globSource(source, src);
      if (matches.length === 0) throw new DockerfileError(inst.line, `${inst.keyword} failed: no source files were specified (${src} not found)`);
      for (const match of matches) {
        const rel = await source.resolve(match);
        infos.push({rel, hash: await sourceHash(source, rel)});
      }
    }
    const hash = infos.length === 1 ? infos[0]!.hash : `multi:${sha256hex(infos.map((i) => i.hash).join(','))}`;
    const probe = this.withCmd(['/bin/sh', '-c', `#(nop) ${inst.keyword} ${hash} in ${destRaw} `]);
    this.steps.push({instruction: inst.original, id: '', cached: false});
    if (await this.probeCache(probe)) return;

    const image = await this.imageDirs();
    const destAbs = posix.resolve(rc.WorkingDir || '/', destRaw);
    const destIsDir = destRaw.endsWith('/') || destRaw.endsWith('/.') || infos.length > 1;
    await this.engine.transaction(async (txn) => {
      const layer = await newLayerDir(txn, this.stage.chainId);
      const view = stepView(layer.diffDir, image);
      for (const info of infos) {
        const {st, path} = await source.stat(info.rel);
        if (inst.keyword === 'ADD' && from === undefined && st.isFile() && (await isTarArchive(path))) {
          await extractIntoView(path, destAbs, view, await txn.scratch('add'));
          continue;
        }
        await copyIntoView(source, info.rel, destAbs, destIsDir, view, {preserveOwner: from !== undefined});
      }
      const info = await this.finishLayer(txn, layer);
      await this.commit(txn, probe, info);
    });
  }
}

// ---------------------------------------------------------------- COPY/ADD sources

const sha256hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Where COPY reads from: the build context, or an image's merged layers (COPY --from). */
interface FileSource {
  /** lstat of an entry whose parent components are resolved inside the source (a final symlink is not followed) */
  stat(rel: string): Promise<{st: Stats; path: string}>;
  readdir(rel: string): Promise<string[]>;
  /** A named source path with every symlink, the last one included, resolved inside the source (Docker's FollowSymlinkInScope). */
  resolve(rel: string): Promise<string>;
  /** the context tar the CLI sends records uid/gid 0; an image source hashes real owners */
  realOwners: boolean;
}

function cleanRel(src: string): string {
  const rel = posix.normalize(`/${src}`).slice(1).replace(/\/$/, '');
  return rel;
}

/** A build context directory as a tree to resolve paths in (Docker's FollowSymlinkInScope allows 255 links). */
function contextTree(root: string): LinkReader {
  return {lstat: (p) => lstatSync(join(root, p), {throwIfNoEntry: false}), readlink: (p) => readlinkSync(join(root, p))};
}

function localSource(root: string): FileSource {
  const tree = contextTree(root);
  const inScope = (rel: string, followLast: boolean): string => resolveScoped(tree, rel, {followLast, maxLinks: 255}).slice(1);
  const abs = async (rel: string): Promise<string> => join(root, inScope(rel, false));
  return {
    realOwners: false,
    async stat(rel) {
      const path = await abs(rel);
      const st = await fsp.lstat(path).catch(() => {
        throw new Error(`${rel || '.'}: no such file or directory in the build context`);
      });
      return {st, path};
    },
    readdir: async (rel) => (await fsp.readdir(await abs(rel))).sort(),
    resolve: async (rel) => inScope(rel, true),
  };
}

/** An image's merged view, for reading: CowView's lookup (checked against the kernel), nothing written. */
const imageView = (layers: readonly string[]) => new CowView({upper: layers[0]!, lowers: layers.slice(1)});

/** The layer file that shows at `rel` in the image's merged view (symlinked parents resolved in the image). */
function viewStat(layers: readonly string[], rel: string): {path: string; st: Stats} | undefined {
  if (layers.length === 0) return undefined;
  try {
    const e = imageView(layers).entry(`/${rel}`);
    return {path: e.real, st: e.stats};
  } catch (err) {
    if (err instanceof CowError) return undefined;
    throw err;
  }
}

function imageSource(layers: string[]): FileSource {
  return {
    realOwners: true,
    async stat(rel) {
      const e = viewStat(layers, rel);
      if (!e) throw new Error(`${rel}: no such file or directory in the source image`);
      return e;
    },
    resolve: async (rel) => rel,
    readdir: async (rel) => {
      try {
        return layers.length ? imageView(layers).readdir(`/${rel}`) : [];
      } catch (err) {
        if (err instanceof CowError) return [];
        throw err;
      }
    },
  };
}

/** Expand `*`, `?` and `[...]` per path component (filepath.Match), or check that a plain path exists. */
async function globSource(source: FileSource, src: string): Promise<string[]> {
  const rel = cleanRel(src);
  if (!/[*?[]/.test(rel)) {
    await source.stat(rel);
    return [rel];
  }
  let found = [''];
  for (const part of rel.split('/')) {
    const re = new RegExp(
      `^${part
        .replace(/[.+^${}()|\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')}$`,
    );
    const next: string[] = [];
    for (const dir of found) {
      const names = /[*?[]/.test(part) ? await source.readdir(dir).catch(() => [] as string[]) : [part];
      for (const n of names) {
        const cand = dir ? `${dir}/${n}` : n;
        if (
          re.test(n) &&
          (await source.stat(cand).then(
            () => true,
            () => false,
          ))
        )
          next.push(cand);
      }
    }
    found = next;
  }
  return found;
}

const TYPEFLAG = (st: Stats): string =>
  st.isDirectory() ? '5' : st.isSymbolicLink() ? '2' : st.isCharacterDevice() ? '3' : st.isBlockDevice() ? '4' : st.isFIFO() ? '6' : '0';

/** Docker's tarsum v1 file sum: header fields (no mtime, no user names) followed by the content. */
async function tarsumOf(source: FileSource, rel: string): Promise<string> {
  const {st, path} = await source.stat(rel);
  const h = createHash('sha256');
  const size = st.isFile() ? st.size : 0;
  const link = st.isSymbolicLink() ? await fsp.readlink(path) : '';
  const [uid, gid] = source.realOwners ? [st.uid, st.gid] : [0, 0];
  h.update(
    `name${rel}${st.isDirectory() ? '/' : ''}mode${st.mode}uid${uid}gid${gid}size${size}typeflag${TYPEFLAG(st)}linkname${link}unamegnamedevmajor0devminor0`,
  );
  if (size > 0) for await (const chunk of (await fsp.open(path)).createReadStream()) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The `file:<sum>` / `dir:<sum>` in COPY/ADD `created_by`, computed as Docker's copier does. */
async function sourceHash(source: FileSource, rel: string): Promise<string> {
  const {st} = await source.stat(rel);
  if (!st.isDirectory()) return `file:${await tarsumOf(source, rel)}`;
  const sums: string[] = [];
  const walk = async (r: string): Promise<void> => {
    if (r !== '') sums.push(await tarsumOf(source, r));
    if ((await source.stat(r)).st.isDirectory()) for (const n of await source.readdir(r)) await walk(r ? `${r}/${n}` : n);
  };
  await walk(rel);
  return `dir:${sha256hex(sums.sort().join(','))}`;
}

// ---------------------------------------------------------------- COPY/ADD into a layer dir

/** The step's merged view: its layer dir over the image's layers; every write of a step goes through it. */
const stepView = (layer: string, image: readonly string[]): CowView => new CowView({upper: layer, lowers: [...image]});

function lstatInView(view: CowView, path: string): Stats | undefined {
  try {
    return view.lstat(path);
  } catch (err) {
    if (err instanceof CowError) return undefined;
    throw err;
  }
}

interface CopyOptions {
  /** keep the source's owners (COPY --from, ADD of an archive as root); otherwise root's */
  preserveOwner: boolean;
  /**
   * ADD of an archive: the directories the archive names itself. The others only hold its entries, and
   * Docker's Untar leaves such a directory as it finds it (a symlink is followed, inside the image).
   */
  archiveDirs?: ReadonlySet<string>;
}

/** Copy one entry (recursively for directories) with mode and times kept, owned by root unless preserved. */
async function copyEntry(source: FileSource, rel: string, target: string, view: CowView, opts: CopyOptions): Promise<void> {
  const {st, path} = await source.stat(rel);
  const existing = lstatInView(view, target);
  const children = async (dir: string): Promise<void> => {
    for (const n of await source.readdir(rel)) await copyEntry(source, rel ? `${rel}/${n}` : n, posix.join(dir, n), view, opts);
  };
  if (st.isDirectory() && opts.archiveDirs && !opts.archiveDirs.has(rel)) return children(impliedDir(view, target, existing));
  if (existing && !(existing.isDirectory() && st.isDirectory())) view.rm(target, {recursive: true});
  if (st.isDirectory()) {
    if (!existing?.isDirectory()) view.mkdir(target);
    await children(target);
  } else if (st.isSymbolicLink()) view.symlink(await fsp.readlink(path), target);
  else if (st.isFile()) {
    // Made through the view (its parents copied up), then filled in place: a regular file of the layer.
    view.writeFile(target, '');
    await fsp.copyFile(path, view.entry(target).real);
  } else throw new Error(`${rel}: only files, directories and symlinks can be copied`);
  // Without root, files stay the builder's (the demo says so); only root can give them away.
  if (process.getuid?.() === 0) view.lchown(target, opts.preserveOwner ? st.uid : 0, opts.preserveOwner ? st.gid : 0);
  if (!st.isSymbolicLink()) view.chmod(target, st.mode & 0o7777);
  view.lutimes(target, st.atimeMs / 1000, st.mtimeMs / 1000);
}

/**
 * Where the entries under a directory an archive only implies go (Docker's Untar: a missing one is made
 * root's, 0755; an existing one is kept, a symlink followed inside the image and refused when it leads
 * to nothing or to a non-directory, as the kernel refuses the files' creation there).
 */
function impliedDir(view: CowView, target: string, existing: Stats | undefined): string {
  if (!existing) return mkdirAllInView(view, target);
  const resolved = existing.isSymbolicLink() ? resolveInView(view, target) : target;
  const st = resolved === target ? existing : lstatInView(view, resolved);
  if (!st) throw new CowError('ENOENT', 'open', target);
  if (!st.isDirectory()) throw new CowError('ENOTDIR', 'open', target);
  return resolved;
}

/**
 * COPY semantics: a directory's contents go into dest; a file goes to dest, or into it when dest is a
 * directory. Dest is resolved in the image (its symlinks followed inside the view, as Docker does).
 */
async function copyIntoView(source: FileSource, rel: string, dest: string, destIsDir: boolean, view: CowView, opts: CopyOptions): Promise<void> {
  const {st} = await source.stat(rel);
  if (st.isDirectory()) {
    const dir = mkdirAllInView(view, dest);
    for (const n of await source.readdir(rel)) await copyEntry(source, rel ? `${rel}/${n}` : n, posix.join(dir, n), view, opts);
    return;
  }
  const resolved = resolveInView(view, dest);
  const intoDir = destIsDir || (lstatInView(view, resolved)?.isDirectory() ?? false);
  const target = intoDir ? posix.join(resolved, basename(rel)) : resolved;
  const parent = mkdirAllInView(view, posix.dirname(target));
  await copyEntry(source, rel, posix.join(parent, posix.basename(target)), view, opts);
}

/** ADD extracts local tar archives (plain or gzip'd), recognised by content as Docker does. */
async function isTarArchive(path: string): Promise<boolean> {
  const fh = await fsp.open(path);
  const {buffer, bytesRead} = await fh.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, 0);
  await fh.close();
  let head = buffer.subarray(0, bytesRead);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    try {
      head = gunzipSync(head, {finishFlush: zlibConstants.Z_SYNC_FLUSH});
    } catch {
      return false;
    }
  } else if (head.subarray(0, 3).toString('latin1') === 'BZh' || head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]))) {
    throw new Error(`${path}: bzip2/xz archives are not supported by this engine's ADD (use a plain or gzip'd tar)`);
  }
  return head.length >= 263 && head.subarray(257, 262).toString('latin1') === 'ustar';
}

/**
 * ADD of a local archive: extracted into a scratch directory of the step by the layer applier (which keeps
 * every entry there, absolute symlink targets as they are, `.wh.` names as plain names as Docker's Untar
 * does), then copied into the view with its owners.
 */
async function extractIntoView(archive: string, dest: string, view: CowView, scratch: string): Promise<void> {
  const archiveDirs = new Set<string>();
  await applyLayerTar(await maybeDecompress(archive), scratch, {whiteouts: false, dirs: archiveDirs});
  await copyIntoView(localSource(scratch), '', dest, true, view, {preserveOwner: process.getuid?.() === 0, archiveDirs});
}

/** nat.ParsePortSpecs for EXPOSE: "80", "80/udp", "8000-8002/tcp". */
function portKeys(spec: string, line: number): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!m) throw new DockerfileError(line, `invalid port "${spec}"`);
  const lo = Number(m[1]);
  const hi = m[2] ? Number(m[2]) : lo;
  const proto = (m[3] ?? 'tcp').toLowerCase();
  return Array.from({length: hi - lo + 1}, (_, i) => `${lo + i}/${proto}`);
}

/** Build CONTEXT with its Dockerfile into the engine root; prints Docker-style progress to `out`. */
export async function build(opts: BuildOptions): Promise<BuildResult> {
  const engine = await EngineRoot.open(opts.root);
  const file = opts.file ? (isAbsolute(opts.file) ? opts.file : join(opts.context, opts.file)) : join(opts.context, 'Dockerfile');
  const text = await fsp.readFile(file, 'utf8').catch(() => {
    throw new Error(`cannot read Dockerfile ${file}`);
  });
  return new Builder(opts, engine).run(parseDockerfile(text));
}

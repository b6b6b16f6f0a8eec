// The read-only commands: images, history, diff, ls, volumes, mounts, df.
import {changes, type Change} from '../tree/changes.js';
import {lookup, walk, type MergedNode} from '../tree/entry.js';
import {containerStatus, humanAge, humanSize, modeString} from '../tree/human.js';
import {historyRows} from '../store/history.js';
import {Opener, parseSpec} from '../store/open.js';
import {findContainer, RefError, type Target} from '../store/refs.js';
import {shortId, type LayerStore} from '../store/store.js';
import {containerUsage, imageUsage, volumeUsage} from '../store/usage.js';
import {openStore, printJson, reportProblems, type Command, type CommandContext} from './context.js';
import {table} from './table.js';

/** Open the --root store, run `body`, report problems; an unknown ref is exit 1 with a message. */
function withStore(body: (store: LayerStore, ctx: CommandContext) => number): Command {
  return withSources(async (open, ctx) => body(await open.store(undefined), ctx));
}

/**
 * For commands that name sources: a REF in the --root store, or
 * `ARCHIVE[:IMAGE][@N]`, an OCI layout directory, `ROOT:REF` (see store/open.ts).
 */
export function withSources(body: (open: Opener, ctx: CommandContext) => Promise<number>): Command {
  return async (ctx) => {
    const open = new Opener(ctx.root, openStore);
    try {
      return await body(open, ctx);
    } catch (err) {
      if (err instanceof RefError) {
        ctx.err(`layerscope: ${err.message}\n`);
        return 1;
      }
      throw err;
    } finally {
      for (const store of open.opened) reportProblems(ctx, store.problemList, store.notices);
    }
  };
}

export function need(ctx: CommandContext, count: number, usage: string): boolean {
  if (ctx.args.length >= count) return true;
  ctx.err(`usage: layerscope ${usage}\n`);
  return false;
}

export const images = withSources(async (open, ctx) => {
  const store = await open.store(ctx.args[0]);
  const list = [...store.images.values()].sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''));
  const rows = list.flatMap((image) =>
    (image.tags.length ? image.tags : ['<none>:<none>']).map((ref) => {
      const i = ref.lastIndexOf(':');
      return {repository: ref.slice(0, i), tag: ref.slice(i + 1), image};
    }),
  );
  if (ctx.json) {
    printJson(ctx, rows.map(({repository, tag, image}) => ({
      Repository: repository,
      Tag: tag,
      ID: image.id,
      CreatedAt: image.created,
      Size: image.size,
      SizeHuman: humanSize(image.size, 3),
      Dangling: image.dangling,
      Intermediate: image.tags.length === 0 && image.children.length > 0,
      Layers: image.layers.length,
    })));
    return 0;
  }
  ctx.out(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows.map(({repository, tag, image}) => [repository, tag, shortId(image.id), humanAge(image.created), humanSize(image.size, 3)])));
  return 0;
});

export const history = withSources(async (open, ctx) => {
  if (!need(ctx, 1, 'history IMAGE|ARCHIVE[:IMAGE]')) return 2;
  const {store, image} = await open.image(ctx.args[0]!);
  const rows = historyRows(store, image);
  if (ctx.json) printJson(ctx, rows);
  else ctx.out(table(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], rows.map((r) => [r.ID === '<missing>' ? r.ID : shortId(r.ID), humanAge(r.CreatedAt), r.CreatedBy, r.SizeHuman, r.Comment])));
  return 0;
});

function changeLines(list: Change[]): string {
  return list.map((c) => `${c.kind} ${c.path}\n`).join('');
}

function changeJson(list: Change[]) {
  return list.map((c) => ({Kind: c.kind, Path: c.path, Type: c.node.meta.kind, Size: c.node.meta.size}));
}

export const diff = withSources(async (open, ctx) => {
  if (!need(ctx, 1, 'diff CONTAINER | diff REF REF')) return 2;
  let list: Change[];
  if (ctx.args.length === 1) {
    const root = parseSpec(ctx.args[0]!) ? undefined : await open.rootStore();
    const container = root && findContainer(root, ctx.args[0]!);
    if (container) list = root.containerChanges(container);
    else {
      const {store, target} = await open.target(ctx.args[0]!, 'container');
      list = target.top ? store.layerChanges(target.top) : [];
    }
  } else {
    const [a, b] = [await open.target(ctx.args[0]!), await open.target(ctx.args[1]!)];
    // Two sources: compare the merged trees (the capability xattr is only readable within a root).
    list = a.store === b.store ? a.store.diff(a.target.top, b.target.top) : changes(a.store.merged(a.target.top), b.store.merged(b.target.top));
  }
  if (ctx.json) printJson(ctx, changeJson(list));
  else ctx.out(changeLines(list));
  return 0;
});

function layerLabel(store: LayerStore, target: Target, node: MergedNode): string {
  const layer = target.top ? store.chain(target.top)[node.layer] : undefined;
  if (!layer) return '-';
  return layer.kind === 'image' ? `${node.layer}` : `${node.layer}:${layer.kind}`;
}

export const ls = withSources(async (open, ctx) => {
  if (!need(ctx, 1, 'ls REF [PATH]')) return 2;
  const {store, target} = await open.target(ctx.args[0]!);
  const path = ctx.args[1] ?? '/';
  const view = store.merged(target.top);
  const start = lookup(view, path);
  if (!start) {
    ctx.err(`layerscope: ${path}: no such file or directory in ${target.label}\n`);
    return 1;
  }
  const base = path === '/' ? '/' : `/${path.split('/').filter(Boolean).join('/')}`;
  const entries: [string, MergedNode][] = start.children ? [...walk(start, base)] : [[base, start]];
  const chain = target.top ? store.chain(target.top) : [];
  if (ctx.json) {
    printJson(ctx, entries.map(([p, n]) => ({
      Path: p, Type: n.meta.kind, Mode: n.meta.mode & 0o7777, Uid: n.meta.uid, Gid: n.meta.gid, Size: n.meta.size,
      LinkTarget: n.meta.target, Layer: n.layer, LayerId: chain[n.layer]?.id,
    })));
    return 0;
  }
  ctx.out(table(['MODE', 'UID:GID', 'SIZE', 'LAYER', 'PATH'], entries.map(([p, n]) => [
    modeString(n.meta.mode), `${n.meta.uid}:${n.meta.gid}`, String(n.meta.size), layerLabel(store, target, n),
    n.meta.target !== undefined ? `${p} -> ${n.meta.target}` : p,
  ])));
  return 0;
});

export const volumes = withStore((store, ctx) => {
  const sized = new Map(volumeUsage(store).map((u) => [u.volume, u]));
  const usage = store.volumes.map((volume) => sized.get(volume) ?? {volume, size: -1, links: volume.usedBy.length});
  if (ctx.json) {
    printJson(ctx, usage.map(({volume: v, size, links}) => ({
      CreatedAt: v.createdAt, Driver: v.driver, Labels: v.labels, Mountpoint: v.mountpoint, Name: v.name, Options: v.options, Scope: v.scope,
      UsageData: {RefCount: links, Size: size},
    })));
    return 0;
  }
  ctx.out(table(['DRIVER', 'VOLUME NAME', 'LINKS', 'SIZE', 'USED BY'], usage.map(({volume: v, size, links}) => [
    v.driver, v.name, String(links), size < 0 ? 'N/A' : humanSize(size), v.usedBy.map((id) => store.containers.find((c) => c.id === id)?.name ?? shortId(id)).join(','),
  ])));
  return 0;
});

export const mounts = withStore((store, ctx) => {
  if (!need(ctx, 1, 'mounts CONTAINER')) return 2;
  const c = findContainer(store, ctx.args[0]!);
  if (!c) throw new RefError(`${ctx.args[0]}: no such container`);
  if (ctx.json) {
    printJson(ctx, c.mounts);
    return 0;
  }
  const rows = c.mounts.map((m) => [m.Type, m.Name ?? '', m.Source, m.Destination, m.RW ? 'rw' : 'ro', m.Driver ?? '', m.Mode, m.Propagation]);
  for (const [dest, opts] of Object.entries(c.tmpfs)) rows.push(['tmpfs', '', '', dest, 'rw', '', opts, '']);
  ctx.out(table(['TYPE', 'NAME', 'SOURCE', 'DESTINATION', 'RW', 'DRIVER', 'MODE', 'PROPAGATION'], rows));
  return 0;
});

/** Like docker: an image given by id shows as a short id. */
function displayImage(ref: string): string {
  return /^sha256:[0-9a-f]{64}$/.test(ref) ? shortId(ref) : ref;
}

export const df = withStore((store, ctx) => {
  const imgs = imageUsage(store).sort((a, b) => (b.image.created ?? '').localeCompare(a.image.created ?? ''));
  const ctrs = containerUsage(store);
  const vols = volumeUsage(store);
  if (ctx.json) {
    printJson(ctx, {
      Images: imgs.map((u) => ({ID: u.image.id, RepoTags: u.image.tags, Created: u.image.created, Size: u.size, SharedSize: u.sharedSize, UniqueSize: u.uniqueSize, Containers: u.containers})),
      Containers: ctrs.map((u) => ({ID: u.container.id, Names: [u.container.name], Image: u.container.imageRef, State: u.container.state, SizeRw: u.sizeRw, LocalVolumes: u.localVolumes})),
      Volumes: vols.map((u) => ({Name: u.volume.name, Driver: u.volume.driver, Links: u.links, Size: u.size})),
    });
    return 0;
  }
  ctx.out('Images space usage:\n\n');
  ctx.out(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'], imgs.flatMap((u) =>
    (u.image.tags.length ? u.image.tags : ['<none>:<none>']).map((ref) => {
      const i = ref.lastIndexOf(':');
      return [ref.slice(0, i), ref.slice(i + 1), shortId(u.image.id), humanAge(u.image.created), humanSize(u.size, 3), humanSize(u.sharedSize), humanSize(u.uniqueSize), String(u.containers)];
    }))));
  ctx.out('\nContainers space usage:\n\n');
  ctx.out(table(['CONTAINER ID', 'IMAGE', 'LOCAL VOLUMES', 'SIZE', 'STATUS', 'NAMES'], ctrs.map((u) => [
    shortId(u.container.id), displayImage(u.container.imageRef), String(u.localVolumes), humanSize(u.sizeRw, 3), containerStatus(u.container.state, u.container.exitCode, u.container.startedAt, u.container.finishedAt), u.container.name,
  ])));
  ctx.out('\nLocal Volumes space usage:\n\n');
  ctx.out(table(['VOLUME NAME', 'LINKS', 'SIZE'], vols.map((u) => [u.volume.name, String(u.links), humanSize(u.size)])));
  return 0;
});

// The read-only commands: images, history, diff, ls, volumes, mounts, df.
import {changes, type Change} from '../tree/changes.js';
import {walk, type MergedNode} from '../tree/entry.js';
import {containerStatus, humanAge, humanSize, modeString} from '../tree/human.js';
import {lookupArg} from '../store/export.js';
import {containerImageLabel, RefError, type Target} from '../store/refs.js';
import {join} from 'node:path';
import {shortId} from '../docker/digest.js';
import {DockerStore, type LayerStore} from '../store/store.js';
import {buildCacheEmpty} from '../store/usage.js';
import type {Container, Image} from '../store/model.js';
import {printJson} from './context.js';
import {withSources, withStore} from './sources.js';
import {table} from './table.js';
import {escape} from '../text/escape.js';

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
    printJson(
      ctx,
      rows.map(({repository, tag, image}) => ({
        Repository: repository,
        Tag: tag,
        ID: image.id,
        CreatedAt: image.created,
        Size: image.size,
        SizeHuman: store.sizeText(image.size),
        ParentId: image.parent,
        Dangling: image.dangling,
        Intermediate: image.tags.length === 0 && image.children.length > 0,
        Layers: image.layers.length,
        ...(image.idKind ? {IDKind: image.idKind} : {}),
        ...(image.platform ? {Platform: image.platform, Platforms: image.platforms} : {}),
        ...(image.attestations ? {Attestations: image.attestations.map((a) => ({Digest: a.digest, PredicateTypes: a.predicateTypes}))} : {}),
        ...(image.contentSize === undefined ? {} : {ContentSize: image.contentSize}),
      })),
    );
    return 0;
  }
  const platforms = list.some((i) => i.platform);
  const head = ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', ...(platforms ? ['PLATFORM'] : [])];
  ctx.out(
    table(
      head,
      rows.map(({repository, tag, image}) => [
        repository,
        tag,
        shortId(image.id),
        humanAge(image.created),
        store.sizeText(image.size),
        ...(platforms ? [platformCell(image)] : []),
      ]),
    ),
  );
  return 0;
});

/** The platform read from an index, and the others it lists. */
function platformCell(image: Image): string {
  const others = (image.platforms ?? []).map((p) => p.platform).filter((p) => p !== image.platform);
  return `${image.platform ?? ''}${others.length ? ` (also ${others.join(', ')})` : ''}`;
}

export const history = withSources(async (open, ctx) => {
  const {store, image} = await open.image(ctx.args[0]!);
  const rows = store.historyRows(image);
  // Like `docker history`: short ids and created_by cut at 45 characters, unless --no-trunc.
  const full = ctx.flags['no-trunc'] === true;
  if (ctx.json) printJson(ctx, rows);
  else
    ctx.out(
      table(
        ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
        rows.map((r) => [
          r.ID === '<missing>' || full ? r.ID : shortId(r.ID),
          humanAge(r.CreatedAt),
          full ? r.CreatedBy : ellipsis(r.CreatedBy, 45),
          r.SizeHuman,
          r.Comment,
        ]),
      ),
    );
  return 0;
});

function changeLines(list: Change[]): string {
  return list.map((c) => `${c.kind} ${escape(c.path)}\n`).join('');
}

function changeJson(list: Change[]) {
  return list.map((c) => ({Kind: c.kind, Path: c.path, Type: c.node.meta.kind, Size: c.node.meta.size}));
}

/**
 * A view whose files cannot be read (an unmounted zfs dataset, a devicemapper thin device) is no
 * answer: say why and exit 1. A full-copy top layer holds the whole tree by itself.
 */
function needFiles(store: LayerStore, top: string | undefined): void {
  const missing = store.unreadable(top);
  if (missing) throw new RefError(missing.unavailable!);
}

export const diff = withSources(async (open, ctx) => {
  let list: Change[];
  if (ctx.args.length === 1) {
    const {store, target} = await open.target(ctx.args[0]!, 'container');
    needFiles(store, target.top);
    needFiles(store, target.top ? store.layers.get(target.top)?.parent : undefined);
    list = target.kind === 'container' ? store.containerChanges(target.container!) : target.top ? store.layerChanges(target.top) : [];
  } else {
    const [a, b] = [await open.target(ctx.args[0]!), await open.target(ctx.args[1]!)];
    needFiles(a.store, a.target.top);
    needFiles(b.store, b.target.top);
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
  const {store, target} = await open.target(ctx.args[0]!);
  needFiles(store, target.top);
  const view = store.merged(target.top);
  const found = lookupArg(view, ctx.args[1] ?? '/');
  const path = found?.path ?? ctx.args[1] ?? '/';
  const start = found?.node;
  if (!start) {
    ctx.err(`layerscope: ${escape(path)}: no such file or directory in ${escape(target.label)}\n`);
    return 1;
  }
  const base = path === '/' ? '/' : `/${path.split('/').filter(Boolean).join('/')}`;
  const entries: [string, MergedNode][] = start.children ? [...walk(start, base)] : [[base, start]];
  const chain = target.top ? store.chain(target.top) : [];
  if (ctx.json) {
    printJson(
      ctx,
      entries.map(([p, n]) => ({
        Path: p,
        Type: n.meta.kind,
        Mode: n.meta.mode & 0o7777,
        Uid: n.meta.uid,
        Gid: n.meta.gid,
        Size: n.meta.size,
        LinkTarget: n.meta.target,
        Layer: n.layer,
        LayerId: chain[n.layer]?.id,
      })),
    );
    return 0;
  }
  ctx.out(
    table(
      ['MODE', 'UID:GID', 'SIZE', 'LAYER', 'PATH'],
      entries.map(([p, n]) => [
        modeString(n.meta.mode),
        `${n.meta.uid}:${n.meta.gid}`,
        String(n.meta.size),
        layerLabel(store, target, n),
        n.meta.target !== undefined ? `${p} -> ${n.meta.target}` : p,
      ]),
    ),
  );
  return 0;
});

/** Docker's stringutils.Ellipsis: at most `max` characters, the last one `…` when cut. */
function ellipsis(s: string, max: number): string {
  if (s.length <= max) return s; // UTF-16 units ≥ characters
  let out = '';
  let n = 0;
  for (const ch of s) {
    if (++n > max) return `${[...out].slice(0, max - 1).join('')}…`;
    out += ch;
  }
  return s;
}

/** RFC 3339 times compared newest first, their fractions of a second to the nanosecond ("…13Z" before "…13.4Z"). */
function newestFirst(a: string | undefined, b: string | undefined): number {
  const key = (t = '') => t.replace(/(\.\d+)?(Z|[+-]\d\d:\d\d)$/, (_, f: string | undefined, z: string) => `${(f ?? '.').padEnd(10, '0')}${z}`);
  return key(b).localeCompare(key(a));
}

export const df = withStore((store, ctx) => {
  // dockerd lists images and containers newest first; podman 4 its images in storage order
  // (images.json) and its containers by id (libpod's bolt keys).
  const podman = store.tool === 'podman';
  const imgs = podman ? store.imageUsage() : store.imageUsage().sort((a, b) => newestFirst(a.image.created, b.image.created));
  const ctrs = store
    .containerUsage()
    .sort((a, b) => (podman ? (a.container.id < b.container.id ? -1 : 1) : newestFirst(a.container.created, b.container.created)));
  const vols = store.volumeUsage();
  const blobs = store.contentBlobs();
  if (ctx.json) {
    printJson(ctx, {
      ...(blobs ? {Content: [...blobs].map(([Digest, Size]) => ({Digest, Size}))} : {}),
      Images: imgs.map((u) => ({
        ID: u.image.id,
        RepoTags: u.image.tags,
        Created: u.image.created,
        Size: u.size,
        SharedSize: u.sharedSize,
        UniqueSize: u.uniqueSize,
        Containers: u.containers,
      })),
      Containers: ctrs.map((u) => ({
        ID: u.container.id,
        Names: [u.container.name],
        Image: u.container.imageRef,
        State: u.container.state,
        SizeRw: u.sizeRw,
        LocalVolumes: u.localVolumes,
      })),
      Volumes: vols.map((u) => ({Name: u.volume.name, Driver: u.volume.driver, Links: u.links, Size: u.size})),
    });
    return 0;
  }
  // podman prints every size with 4 digits and a container's image by id; docker 3 digits and by name.
  const total = (n: number) => humanSize(n, podman ? 4 : 3);
  const imageOf = (c: Container) => (podman ? shortId(c.imageId) : containerImageLabel(store, c));
  ctx.out('Images space usage:\n\n');
  // Like the docker CLI: one row per image, under its first tag; podman: one row per name.
  ctx.out(
    table(
      ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'],
      imgs.flatMap((u) =>
        (podman && u.image.tags.length ? u.image.tags : [u.image.tags[0] ?? '<none>:<none>']).map((ref) => {
          const i = ref.lastIndexOf(':');
          return [
            ref.slice(0, i),
            ref.slice(i + 1),
            shortId(u.image.id),
            humanAge(u.image.created),
            total(u.size),
            humanSize(u.sharedSize),
            humanSize(u.uniqueSize),
            String(u.containers),
          ];
        }),
      ),
    ),
  );
  ctx.out('\nContainers space usage:\n\n');
  ctx.out(
    table(
      ['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES'],
      ctrs.map((u) => [
        shortId(u.container.id),
        imageOf(u.container),
        `"${ellipsis(u.container.command, 20)}"`,
        String(u.localVolumes),
        u.sizeRw < 0 ? 'N/A' : total(u.sizeRw),
        humanAge(u.container.created),
        containerStatus(u.container.state, u.container.exitCode, u.container.startedAt, u.container.finishedAt),
        u.container.name,
      ]),
    ),
  );
  if (blobs) {
    // containerd's content store (`ctr content ls`): what the images' blobs take before unpacking.
    ctx.out(`\nContent store usage: ${blobs.size} blobs, ${humanSize([...blobs.values()].reduce((a, b) => a + b, 0))}\n`);
  }
  ctx.out('\nLocal Volumes space usage:\n\n');
  ctx.out(
    table(
      ['VOLUME NAME', 'LINKS', 'SIZE'],
      vols.map((u) => [u.volume.name, String(u.links), u.size < 0 ? 'N/A' : humanSize(u.size)]),
    ),
  );
  // The classic builder's cache is its images (above); BuildKit's cache is not read.
  const noCache = store instanceof DockerStore ? buildCacheEmpty(store) : true;
  if (noCache === false)
    store.problems.add(join(store.root, 'buildkit', 'metadata_v2.db'), 'BuildKit cache records are not read: build cache usage is not shown');
  else if (noCache) ctx.out('\nBuild cache usage: 0B\n\n' + table(['CACHE ID', 'CACHE TYPE', 'SIZE', 'CREATED', 'LAST USED', 'USAGE', 'SHARED'], []));
  return 0;
});

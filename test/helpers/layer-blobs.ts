// An image's layers as the blobs in a containerd content store say (listed by the system's GNU tar,
// which also decompresses them), stacked by the OCI layer rules: what `ls IMAGE@N` and
// `diff IMAGE@N` must answer, found without layerscope's tar reader.
import {execFileSync} from 'node:child_process';
import {join} from 'node:path';
import {expect, it} from 'vitest';
import {cliJson} from './cli.js';
import {ctrTable} from './ctr-answers.js';
import {answer} from './fixture-root.js';

export interface BlobEntry {
  path: string; // `/app/x`
  type: string; // as `ls --json` names it: file, dir, symlink, char, block, fifo
  mode: number;
  uid: number;
  gid: number;
  size: number;
  target?: string; // a symbolic link's
  layer: number;
}

/** The manifest and config ctr captured (answers/image-{manifest,config}-NS-<12 hex>.json). */
export function ctrImage(fixture: string, ns: string, id: string) {
  const read = (what: string) => JSON.parse(answer(fixture, `image-${what}-${ns}-${id.slice(7, 19)}.json`)) as unknown;
  return {
    manifest: read('manifest') as {layers: {mediaType: string; digest: string}[]},
    config: read('config') as {history?: {created?: string; created_by?: string; comment?: string; empty_layer?: boolean}[]},
  };
}

const TYPES: Record<string, string> = {'-': 'file', h: 'file', d: 'dir', l: 'symlink', c: 'char', b: 'block', p: 'fifo'};

/** `drwxr-xr-x` → 0o755, with setuid/setgid/sticky. */
function modeBits(s: string): number {
  let m = 0;
  for (let i = 0; i < 9; i++) if (s[i] !== '-' && s[i] !== 'S' && s[i] !== 'T') m |= 1 << (8 - i);
  if ('sS'.includes(s[2]!)) m |= 0o4000;
  if ('sS'.includes(s[5]!)) m |= 0o2000;
  if ('tT'.includes(s[8]!)) m |= 0o1000;
  return m;
}

const clean = (p: string) => `/${p.replace(/^\.?\/?/, '').replace(/\/$/, '')}`;

/** One layer blob, as `tar -tv` lists it (hard links keep their target's name in `hardlink`). */
export function blobEntries(contentRoot: string, desc: {mediaType: string; digest: string}, layer: number): (BlobEntry & {hardlink?: string})[] {
  const z = desc.mediaType.endsWith('+gzip') ? ['-z'] : desc.mediaType.endsWith('+zstd') ? ['--zstd'] : [];
  const file = join(contentRoot, 'io.containerd.content.v1.content', 'blobs', 'sha256', desc.digest.slice(7));
  const out = execFileSync('tar', ['-tv', '--numeric-owner', '--quoting-style=literal', ...z, '-f', file], {encoding: 'utf8', maxBuffer: 1 << 26});
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = /^(\S)(\S{9}) (\d+)\/(\d+) +(\S+) \S+ \S+ (.*)$/.exec(line);
      if (!m) throw new Error(`tar -tv line not understood: ${line}`);
      const [, t, perm, uid, gid, size, rest] = m as unknown as string[];
      const [name, link] = t === 'l' ? rest!.split(' -> ') : t === 'h' ? rest!.split(' link to ') : [rest!];
      return {
        path: clean(name!),
        type: TYPES[t!] ?? t!,
        mode: modeBits(perm!),
        uid: Number(uid),
        gid: Number(gid),
        size: /^\d+$/.test(size!) ? Number(size) : 0,
        layer,
        ...(t === 'l' ? {target: link} : {}),
        ...(t === 'h' ? {hardlink: clean(link!)} : {}),
      };
    })
    .filter((e) => e.path !== '/');
}

const under = (dir: string, p: string) => p.startsWith(dir === '/' ? '/' : `${dir}/`);
const parentOf = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';
const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/**
 * The image's layers 0…n stacked (OCI image spec, "Applying changesets"): a layer's `.wh.NAME`
 * deletes NAME below it, `.wh..wh..opq` empties its directory below it, then its entries replace
 * the ones below; a hard link is its target's file. Also what layer n changed over the ones below,
 * as Docker lists a layer's changes: C for an entry that was there, A for a new one, D for what a
 * whiteout deleted (an opaque directory's entries below it that it does not bring back).
 */
export function stackLayers(layers: (BlobEntry & {hardlink?: string})[][], n: number): {tree: Map<string, BlobEntry>; changes: string[]} {
  const tree = new Map<string, BlobEntry>();
  let changes: string[] = [];
  layers.slice(0, n + 1).forEach((entries) => {
    const lower = new Map(tree);
    const mine = new Set(entries.map((e) => e.path));
    changes = [];
    const remove = (p: string) => {
      for (const k of [...tree.keys()]) if (k === p || under(p, k)) tree.delete(k);
    };
    for (const e of entries) {
      const name = base(e.path);
      if (name === '.wh..wh..opq') {
        const dir = parentOf(e.path);
        for (const k of [...lower.keys()]) if (parentOf(k) === dir && !mine.has(k)) changes.push(`D ${k}`);
        for (const k of [...tree.keys()]) if (under(dir, k)) tree.delete(k);
      } else if (name.startsWith('.wh.')) {
        const gone = `${parentOf(e.path) === '/' ? '' : parentOf(e.path)}/${name.slice(4)}`;
        if (lower.has(gone)) changes.push(`D ${gone}`);
        remove(gone);
      }
    }
    for (const e of entries) {
      if (base(e.path).startsWith('.wh.')) continue;
      changes.push(`${lower.has(e.path) ? 'C' : 'A'} ${e.path}`);
      if (e.type !== 'dir') remove(e.path);
      const {hardlink, ...entry} = e;
      tree.set(e.path, hardlink ? {...entry, size: tree.get(hardlink)!.size} : entry);
    }
  });
  return {tree, changes: changes.sort()};
}

/** Each image ctr listed in a namespace (answers/images-NS.txt), by its target digest. */
export const ctrImageIds = (fixture: string, ns: string): string[] => [...new Set(ctrTable(fixture, `images-${ns}.txt`).map((r) => r[2]!))];

/** The config's history, newest first, as `history --json` says it (times to the second, as Docker prints them). */
export function configHistory(fixture: string, ns: string, id: string): [string, string, string, boolean][] {
  return (ctrImage(fixture, ns, id).config.history ?? [])
    .map((h): [string, string, string, boolean] => [
      h.created_by ?? '',
      h.comment ?? '',
      (h.created ?? '').replace(/\.\d+(?=Z|[+-])/, ''),
      h.empty_layer === true,
    ])
    .reverse();
}

/** An entry as `ls --json` and a blob listing can both say it: type, mode, owner, a file's size, a link's target, its layer. */
export const lsLine = (e: {path: string; type: string; mode: number; uid: number; gid: number; size: number; target?: string; layer: number}): string =>
  `${e.type} ${e.mode.toString(8)} ${e.uid}:${e.gid} ${e.type === 'file' ? e.size : '-'} ${e.path}${e.target === undefined ? '' : ` -> ${e.target}`} @${e.layer}`;

/**
 * `ls IMAGE@N /` and `diff IMAGE@N` of every layer of an image in a containerd root, beside what
 * its layer blobs say, one pair per layer.
 */
export function imageLayers(fixture: string, root: string, ns: string, id: string): {layer: number; ls: [string[], string[]]; diff: [string[], string[]]}[] {
  const layers = ctrImage(fixture, ns, id).manifest.layers.map((d, i) => blobEntries(root, d, i));
  return layers.map((_, n) => {
    const {tree, changes} = stackLayers(layers, n);
    const args = ['--root', root, '--namespace', ns];
    const ls = cliJson<{Path: string; Type: string; Mode: number; Uid: number; Gid: number; Size: number; LinkTarget?: string; Layer: number}[]>([
      'ls',
      `${id}@${n}`,
      '/',
      ...args,
    ]);
    const diff = cliJson<{Kind: string; Path: string}[]>(['diff', `${id}@${n}`, ...args]);
    return {
      layer: n,
      ls: [
        ls.map((e) => lsLine({path: e.Path, type: e.Type, mode: e.Mode, uid: e.Uid, gid: e.Gid, size: e.Size, target: e.LinkTarget, layer: e.Layer})).sort(),
        [...tree.values()].map(lsLine).sort(),
      ],
      diff: [diff.map((c) => `${c.Kind} ${c.Path}`).sort(), changes],
    };
  });
}

/**
 * For every image of each namespace: `history` equals the config containerd stores, and `ls` and
 * `diff` of each layer equal its layer blob as tar lists it (`root()`: the extracted fixture's root).
 */
export function itImagesMatchContentStore(fixture: string, root: () => string, namespaces: readonly string[]): void {
  for (const ns of namespaces)
    for (const id of ctrImageIds(fixture, ns)) {
      it(`history ${id.slice(7, 19)} (${ns}) equals the image config containerd stores (ctr content get): created_by, comment, created, empty layers`, () => {
        const got = cliJson<{CreatedBy: string; Comment: string; CreatedAt: string; EmptyLayer: boolean}[]>([
          'history',
          id,
          '--root',
          root(),
          '--namespace',
          ns,
        ]);
        expect(got.map((h) => [h.CreatedBy, h.Comment, h.CreatedAt, h.EmptyLayer])).toEqual(configHistory(fixture, ns, id));
      });

      it(`ls and diff of each layer of ${id.slice(7, 19)} (${ns}) equal its layer blob in the content store, as tar lists it`, () => {
        for (const {layer, ls, diff} of imageLayers(fixture, root(), ns, id)) {
          expect([layer, ...ls[0]]).toEqual([layer, ...ls[1]]);
          expect([layer, ...diff[0]]).toEqual([layer, ...diff[1]]);
        }
      });
    }
}

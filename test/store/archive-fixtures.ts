// Fixtures for the archive tests. Docker 20.10 (the only dockerd here) writes classic `docker save`
// archives, so the OCI layouts are built from a real classic archive's blobs by the OCI image-layout
// spec (oci-layout, index.json, blobs/sha256/<hex>), the way Docker 25+ and skopeo lay them out.
import {execFileSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {gzipSync} from 'node:zlib';
import {encodeHeader, type EntryType} from '../../source/tar/encode.js';

const made: string[] = [];

export function tempDir(prefix = 'layerscope-archive-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function cleanupTemp(): void {
  for (const dir of made.splice(0)) rmSync(dir, {recursive: true, force: true});
}

export interface ClassicManifest {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

/** One member of a tar archive, read with the system tar. */
export function member(archive: string, name: string): Buffer {
  return execFileSync('tar', ['-xOf', archive, name], {maxBuffer: 1 << 30});
}

export function manifestOf(archive: string): ClassicManifest[] {
  return JSON.parse(member(archive, 'manifest.json').toString('utf8')) as ClassicManifest[];
}

/** `tar -tvf` lines, names without a leading `./` and without the `./` root entry itself. */
export function listing(tar: Buffer | string): string[] {
  const out = typeof tar === 'string' ? execFileSync('tar', ['-tvf', tar]) : execFileSync('tar', ['-tvf', '-'], {input: tar});
  return out
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/ \.\//g, ' ').replace(/ link to \.\//, ' link to '))
    .filter((l) => !/ \.?\/?$/.test(l));
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * An OCI image layout directory holding the images of a classic archive; `gzip(i)` says which
 * layers (by manifest position) are stored gzip-compressed.
 */
export function ociLayoutFromClassic(archive: string, gzip: (index: number) => boolean = () => false): string {
  const dir = tempDir('layerscope-oci-');
  mkdirSync(join(dir, 'blobs', 'sha256'), {recursive: true});
  const put = (b: Buffer) => {
    const hex = sha(b);
    writeFileSync(join(dir, 'blobs', 'sha256', hex), b);
    return {digest: `sha256:${hex}`, size: b.length};
  };
  const manifests = manifestOf(archive).map((m) => {
    const config = put(member(archive, m.Config));
    const layers = m.Layers.map((name, i) => {
      const raw = member(archive, name);
      const z = gzip(i);
      return {mediaType: `application/vnd.oci.image.layer.v1.tar${z ? '+gzip' : ''}`, ...put(z ? gzipSync(raw) : raw)};
    });
    const manifest = put(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: {mediaType: 'application/vnd.oci.image.config.v1+json', ...config},
          layers,
        }),
      ),
    );
    const ref = m.RepoTags[0]!;
    return {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...manifest,
      annotations: {'io.containerd.image.name': `docker.io/library/${ref}`, 'org.opencontainers.image.ref.name': ref.split(':')[1]},
    };
  });
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({imageLayoutVersion: '1.0.0'}));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests}));
  return dir;
}

/** A tar file of the layout directory, as `docker save` (25+) writes OCI archives. */
export function tarDir(dir: string, out: string): string {
  execFileSync('tar', ['-cf', out, '-C', dir, 'oci-layout', 'index.json', 'blobs']);
  return out;
}

export interface FakeEntry {
  name: string;
  type?: EntryType;
  body?: string | Buffer;
  linkname?: string;
}

/** A tar built entry by entry, for names no well-behaved tool writes. */
export function tarOf(entries: FakeEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    parts.push(
      encodeHeader({
        name: e.name,
        type: e.type ?? 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: body.length,
        mtime: 1_700_000_000,
        linkname: e.linkname ?? '',
        devmajor: 0,
        devminor: 0,
        xattrs: {},
      }),
    );
    if (body.length) parts.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** A classic `docker save` archive around the given layer tars (config made up to match). */
export function classicArchive(out: string, layers: Buffer[], opts: {missing?: number} = {}): string {
  const diffIds = layers.map((l) => `sha256:${sha(l)}`);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: {type: 'layers', diff_ids: diffIds},
      history: layers.map((_, i) => ({created_by: `step ${i}`})),
    }),
  );
  const configName = `${sha(config)}.json`;
  const names = layers.map((l) => `${sha(l)}/layer.tar`);
  const entries: FakeEntry[] = [{name: configName, body: config}];
  layers.forEach((l, i) => {
    if (i !== opts.missing) entries.push({name: names[i]!, body: l});
  });
  entries.push({name: 'manifest.json', body: JSON.stringify([{Config: configName, RepoTags: ['fake:1'], Layers: names}])});
  writeFileSync(out, tarOf(entries));
  return out;
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

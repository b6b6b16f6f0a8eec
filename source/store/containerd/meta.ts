// containerd's metadata database, `io.containerd.metadata.v1.bolt/meta.db` (containerd
// core/metadata/buckets.go): v1/<namespace>/{images,containers,snapshots/<snapshotter>,content/blob,
// leases}/<key>/… nested buckets; strings as bytes, sizes as varints, times as time.MarshalBinary.
import type {BoltBucket} from '../bolt.js';
import {openBolt} from '../bolt.js';
import type {Problems} from '../problems.js';
import {Message} from '../protobuf.js';
import {goTime, varint} from './values.js';

/** An image record's target, as meta.db stores it (every field present). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface MetaImage {
  name: string;
  target: Descriptor;
  labels: Record<string, string>;
  createdAt?: string;
}

export interface MetaContainer {
  id: string;
  image: string;
  snapshotter: string;
  snapshotKey: string;
  labels: Record<string, string>;
  createdAt?: string;
  /** The OCI runtime spec (JSON), when the record holds one. */
  spec?: {process?: {args?: string[]}; mounts?: {type?: string; source?: string; destination?: string; options?: string[]}[]; [k: string]: unknown};
}

export interface MetaSnapshot {
  key: string;
  /** The snapshotter's own key for it (`<namespace>/<n>/<key>`). */
  name: string;
  parent?: string;
  labels: Record<string, string>;
  createdAt?: string;
}

export interface Namespace {
  name: string;
  images: MetaImage[];
  containers: MetaContainer[];
  /** snapshotter → snapshot key → snapshot */
  snapshots: Map<string, Map<string, MetaSnapshot>>;
  /** Content blobs the namespace holds: digest → size. */
  content: Map<string, number>;
  leases: number;
}

export function readMeta(file: string, problems: Problems): Map<string, Namespace> {
  const v1 = openBolt(file).bucket('v1');
  const out = new Map<string, Namespace>();
  if (!v1) {
    problems.add(file, 'no v1 bucket: not a containerd metadata database (or a schema this reader does not know)');
    return out;
  }
  for (const ns of v1.buckets()) {
    const b = v1.bucket(ns)!;
    const item = (kind: string, key: string) => `${file}: ${ns}/${kind}/${key}`;
    const namespace: Namespace = {
      name: ns,
      images: [],
      containers: [],
      snapshots: new Map(),
      content: new Map(),
      leases: b.bucket('leases')?.buckets().length ?? 0,
    };
    const images = b.bucket('images');
    for (const name of images?.buckets() ?? []) {
      const ib = images!.bucket(name)!;
      const target = descriptor(ib.bucket('target'));
      if (!target) {
        problems.add(item('images', name), 'image record without a target digest; skipped');
        continue;
      }
      namespace.images.push({name, target, labels: labels(ib), createdAt: goTime(ib.get('createdat'))});
    }
    const containers = b.bucket('containers');
    for (const id of containers?.buckets() ?? []) {
      const cb = containers!.bucket(id)!;
      namespace.containers.push({
        id,
        image: text(cb.get('image')),
        snapshotter: text(cb.get('snapshotter')),
        snapshotKey: text(cb.get('snapshotKey')),
        labels: labels(cb),
        createdAt: goTime(cb.get('createdat')),
        spec: anyJson(cb.get('spec'), item('containers', id), problems) as MetaContainer['spec'],
      });
    }
    const snapshots = b.bucket('snapshots');
    for (const snapshotter of snapshots?.buckets() ?? []) {
      const sb = snapshots!.bucket(snapshotter)!;
      const map = new Map<string, MetaSnapshot>();
      for (const key of sb.buckets()) {
        const s = sb.bucket(key)!;
        const parent = text(s.get('parent'));
        map.set(key, {key, name: text(s.get('name')), parent: parent || undefined, labels: labels(s), createdAt: goTime(s.get('createdat'))});
      }
      namespace.snapshots.set(snapshotter, map);
    }
    const blobs = b.bucket('content')?.bucket('blob');
    for (const digest of blobs?.buckets() ?? []) namespace.content.set(digest, varint(blobs!.bucket(digest)!.get('size') ?? Buffer.alloc(0)) ?? 0);
    out.set(ns, namespace);
  }
  return out;
}

function text(buf: Buffer | undefined): string {
  return buf ? buf.toString('utf8') : '';
}

function labels(b: BoltBucket): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of b.bucket('labels')?.entries() ?? []) out[k.toString('utf8')] = v.toString('utf8');
  return out;
}

function descriptor(b: BoltBucket | undefined): Descriptor | undefined {
  const digest = text(b?.get('digest'));
  if (!b || !digest) return undefined;
  const annotations: Record<string, string> = {};
  for (const [k, v] of b.bucket('annotations')?.entries() ?? []) annotations[k.toString('utf8')] = v.toString('utf8');
  return {digest, mediaType: text(b.get('mediatype')), size: varint(b.get('size') ?? Buffer.alloc(0)) ?? 0, annotations};
}

/**
 * A protobuf `google.protobuf.Any` (field 1 type_url, field 2 value) whose value is JSON, as
 * containerd stores a container's spec; undefined when absent or not JSON.
 */
function anyJson(buf: Buffer | undefined, item: string, problems: Problems): unknown {
  if (!buf?.length) return undefined;
  let value: Buffer | undefined;
  try {
    value = new Message(buf).bytes(2);
  } catch {
    value = undefined; // not an Any: no spec to show
  }
  if (!value) return undefined;
  try {
    return JSON.parse(value.toString('utf8'));
  } catch {
    problems.add(item, 'container spec is not JSON; command not shown');
    return undefined;
  }
}

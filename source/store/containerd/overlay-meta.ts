// The overlayfs snapshotter's own database, `io.containerd.snapshotter.v1.overlayfs/metadata.db`
// (containerd snapshots/storage/bolt.go): v1/snapshots/<key>/{id (uvarint), kind (byte), parent,
// size and inodes (varints, recorded at commit), createdat, labels}. The files of snapshot `id`
// are in `snapshots/<id>/fs`.
import {openBolt} from '../bolt.js';
import {uvarint, varint} from './values.js';

export type SnapshotKind = 'view' | 'active' | 'committed' | 'unknown';
const KINDS: SnapshotKind[] = ['unknown', 'view', 'active', 'committed'];

export interface StoredSnapshot {
  /** The snapshotter's key (`<namespace>/<n>/<key>` as meta.db names it). */
  key: string;
  id: string;
  kind: SnapshotKind;
  parent?: string;
  /** Usage recorded when the snapshot was committed (bytes of blocks, like du). */
  size?: number;
  inodes?: number;
}

export function readOverlayMeta(file: string): Map<string, StoredSnapshot> {
  const out = new Map<string, StoredSnapshot>();
  const bucket = openBolt(file).bucket('v1')?.bucket('snapshots');
  for (const key of bucket?.buckets() ?? []) {
    const b = bucket!.bucket(key)!;
    const id = uvarint(b.get('id') ?? Buffer.alloc(0));
    if (id === undefined) continue;
    const kind = KINDS[b.get('kind')?.[0] ?? 0] ?? 'unknown';
    const parent = b.get('parent')?.toString('utf8');
    const size = b.get('size');
    const inodes = b.get('inodes');
    out.set(key, {key, id: String(id), kind, parent: parent || undefined, size: size ? varint(size) : undefined, inodes: inodes ? varint(inodes) : undefined});
  }
  return out;
}

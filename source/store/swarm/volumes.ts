// CSI cluster volumes (Docker 23+ in swarm mode): a manager keeps them in swarmkit's raft store,
// `swarm/raft` under the Docker root, not in volumes/metadata.db. The current set is the newest
// snapshot's volumes (api.Snapshot {store = 3: StoreSnapshot {volumes = 10}}) with the committed
// log entries after it replayed (api.InternalRaftRequest {action = 2: StoreAction {action = 1
// create/update/remove, volume = 11}}), decrypted with the DEK in swarm-node.key (crypt.ts).
// Their data is never here: the CSI plugin named as driver provisions and keeps it.
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {readInside, SMALL_FILE} from '../confine.js';
import type {ClusterVolume, Topology} from '../model.js';
import type {Problems} from '../problems.js';
import {Message, ProtoError} from '../protobuf.js';
import {decrypt, DecryptError, readDeks} from './crypt.js';
import {readRaftLog} from './raft-log.js';

/** The cluster volumes a root records, keyed by the swarmkit id, with their spec's name and driver. */
export interface SwarmVolume {
  name: string;
  driver: string;
  labels: Record<string, string> | null;
  options: Record<string, string> | null;
  cluster: ClusterVolume;
}

export const WORKER_NOTICE =
  'this daemon is a swarm worker: cluster (CSI) volumes are recorded in the managers’ raft stores, not in this root; none are listed';

/** What to say about a swarm node that keeps no raft store (a worker): its cluster volumes are elsewhere. */
export function swarmNotice(root: string): string | undefined {
  return existsSync(join(root, 'swarm', 'state.json')) && !existsSync(join(root, 'swarm', 'raft')) ? WORKER_NOTICE : undefined;
}

const SCOPES = ['single', 'multi'] as const;
const SHARING = ['none', 'readonly', 'onewriter', 'all'] as const;
// Docker shows any value it does not know as drain (daemon/cluster/convert volumeAvailabilityFromGRPC).
const AVAILABILITY = ['active', 'pause', 'drain'] as const;
const PUBLISH_STATES = ['pending-publish', 'published', 'pending-node-unpublish', 'pending-controller-unpublish'];

/** A google.protobuf.Timestamp as RFC 3339 with Go's RFC3339Nano fraction (trailing zeros dropped). */
function timestamp(m: Message | undefined): string | undefined {
  if (!m) return undefined;
  const date = new Date(m.int(1) * 1000);
  if (Number.isNaN(date.getTime())) return undefined;
  const nanos = m.int(2);
  const frac = nanos ? `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}` : '';
  return date.toISOString().replace(/\.\d{3}Z$/, `${frac}Z`);
}

/** Go's time.Time.String of a UTC RFC 3339 time: `2006-01-02 15:04:05.999999999 +0000 UTC`, as inspect's top-level CreatedAt. */
export function goTimeString(rfc3339: string): string {
  return rfc3339.replace('T', ' ').replace(/Z$/, ' +0000 UTC');
}

const topology = (m: Message): Topology => m.map(1);

export function decodeVolume(buf: Buffer): SwarmVolume & {id: string} {
  const v = new Message(buf);
  const meta = v.message(2);
  const spec = v.message(3) ?? new Message(Buffer.alloc(0));
  const annotations = spec.message(1);
  const driver = spec.message(3);
  const access = spec.message(4);
  const mount = access?.message(4);
  const top = spec.message(6);
  const capacity = spec.message(7);
  const info = v.message(5);
  const cluster: ClusterVolume = {
    id: v.string(1),
    version: meta?.message(1)?.uint(1) ?? 0n,
    createdAt: timestamp(meta?.message(2)),
    updatedAt: timestamp(meta?.message(3)),
    group: spec.string(2),
    accessMode: access && {
      scope: SCOPES[access.int(1)] ?? 'single',
      sharing: SHARING[access.int(2)] ?? 'none',
      type: mount ? {kind: 'mount', fsType: mount.string(1), mountFlags: mount.strings(2)} : access.has(3) ? {kind: 'block'} : undefined,
    },
    secrets: spec.messages(5).map((s) => ({key: s.string(1), secret: s.string(2)})),
    topology: top && {requisite: top.messages(1).map(topology), preferred: top.messages(2).map(topology)},
    capacity: capacity && {requiredBytes: BigInt.asIntN(64, capacity.uint(1)), limitBytes: BigInt.asIntN(64, capacity.uint(2))},
    availability: AVAILABILITY[spec.int(8)] ?? 'drain',
    publishStatus: v.messages(4).map((p) => ({nodeId: p.string(1), state: PUBLISH_STATES[p.int(2)] ?? String(p.int(2)), publishContext: p.map(3)})),
    info: info && {
      capacityBytes: BigInt.asIntN(64, info.uint(1)),
      volumeContext: info.map(2),
      volumeId: info.string(3),
      accessibleTopology: info.messages(4).map(topology),
    },
    pendingDelete: v.bool(6),
  };
  return {
    id: cluster.id,
    name: annotations?.string(1) ?? '',
    driver: driver?.string(1) ?? '',
    labels: annotations?.map(2) ?? null,
    options: driver?.map(2) ?? null,
    cluster,
  };
}

/** The STATUS column of `docker volume ls --cluster` (docker/cli's volume formatter). */
export function clusterStatus(c: ClusterVolume): string {
  if (!c.info?.volumeId) return 'pending creation';
  const n = c.publishStatus.length;
  return n === 0 ? 'created' : `in use (${n} node${n === 1 ? '' : 's'})`;
}

/**
 * The cluster volumes recorded under `root` (a Docker root): none when it is no swarm manager.
 * What cannot be read (an autolocked swarm, a damaged log) is a problem: the list is then not whole.
 */
export function readClusterVolumes(root: string, problems: Problems, unlockKey?: Buffer): SwarmVolume[] {
  const swarm = join(root, 'swarm');
  const raft = join(swarm, 'raft');
  if (!existsSync(raft)) return [];
  const keyFile = join(swarm, 'certificates', 'swarm-node.key');
  let pem: string;
  try {
    pem = readInside(root, keyFile, SMALL_FILE).toString('utf8');
  } catch (err) {
    problems.fromError(keyFile, err);
    problems.add(raft, 'cluster (CSI) volumes not listed: the raft DEK (in swarm-node.key) could not be read');
    return [];
  }
  const deks = readDeks(pem, unlockKey);
  if (!('keys' in deks)) {
    problems.add(raft, 'locked' in deks ? `cluster (CSI) volumes not listed: ${deks.locked}` : `cluster (CSI) volumes not listed: ${keyFile}: ${deks.missing}`);
    return [];
  }
  const log = readRaftLog(root, raft, problems);
  const byId = new Map<string, SwarmVolume>();
  if (log.snapshot) {
    try {
      const store = new Message(decrypt(log.snapshot.data, deks.keys)).message(3);
      for (const buf of store?.repeated(10) ?? []) {
        const v = decodeVolume(buf);
        byId.set(v.id, v);
      }
    } catch (err) {
      if (!(err instanceof DecryptError || err instanceof ProtoError)) throw err;
      problems.add(log.snapshot.file, `raft snapshot not read: ${err.message}; cluster (CSI) volumes not listed`);
      return [];
    }
  }
  for (const entry of log.entries) {
    if (entry.index > log.commit) break; // not known to be committed: raft has not applied it
    if (entry.type !== 0) continue; // membership changes
    try {
      const plain = decrypt(entry.data, deks.keys);
      if (!plain.length) continue; // a new leader's empty entry
      for (const action of new Message(plain).messages(2)) {
        const buf = action.bytes(11);
        if (!buf) continue; // another kind of object
        const v = decodeVolume(buf);
        if (action.int(1) === 3) byId.delete(v.id);
        else byId.set(v.id, v);
      }
    } catch (err) {
      if (!(err instanceof DecryptError || err instanceof ProtoError)) throw err;
      problems.add(
        join(raft, 'wal-v3-encrypted'),
        `raft log entry ${entry.index} not read: ${err.message}; cluster volumes are as of entry ${entry.index - 1n}`,
      );
      break;
    }
  }
  return [...byId.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

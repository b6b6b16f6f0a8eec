// CSI cluster volumes of a swarm manager, compared with what Docker 26 answered about the root it
// wrote (fixtures/cluster-volumes: volumes in the raft snapshot, then created, updated and removed
// in the WAL after it; see make.sh). Then the same root autolocked, and its raft log damaged: each
// is a named problem and a non-zero exit, never a crash.
import {randomBytes} from 'node:crypto';
import {cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {crc32c} from '../../source/store/swarm/raft-log.js';
import {cli} from '../helpers/cli.js';
import {answer, cleanupFixtures, extractFixture, fixtureSkip, jsonLines} from '../helpers/fixture-root.js';

const NAME = 'cluster-volumes';
const skip = fixtureSkip(NAME);

interface Inspected {
  ClusterVolume: {Spec: {Group?: string; Availability: string}};
  Name: string;
  [field: string]: unknown;
}
interface Listed {
  Name: string;
  Group: string;
  Driver: string;
  Availability: string;
  Status: string;
}
type Ours = Inspected & {ClusterStatus: {Status: string; PendingDelete: boolean}; Data: {Kind: string; Description: string}};

/** The fields `docker volume inspect` gives a cluster volume. */
const DOCKER_FIELDS = ['ClusterVolume', 'CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope'];
const pick = (v: Record<string, unknown>) => Object.fromEntries(DOCKER_FIELDS.map((f) => [f, v[f]]));

/** A fresh copy of the captured roots: docker-root, containerd-root, locked-swarm. */
function fresh(): {dir: string; args: string[]} {
  const dir = extractFixture(NAME);
  return {dir, args: ['--root', join(dir, 'docker-root'), '--containerd-root', join(dir, 'containerd-root')]};
}

function volumes(args: string[], more: string[] = []) {
  const r = cli(['volumes', ...more, ...args, '--json']);
  return {...r, json: r.stdout ? (JSON.parse(r.stdout) as Ours[]) : []};
}

const walFile = (dir: string) => {
  const d = join(dir, 'docker-root/swarm/raft/wal-v3-encrypted');
  return join(
    d,
    readdirSync(d).find((n) => n.endsWith('.wal'))!,
  );
};

/** The WAL's records as etcd frames them: offset and length of each record's bytes (an 8-byte length first, padded to 8). */
function frames(wal: Buffer): {at: number; len: number}[] {
  const out: {at: number; len: number}[] = [];
  for (let off = 0; off + 8 <= wal.length;) {
    const len = wal.readBigInt64LE(off);
    if (len === 0n) break;
    const bytes = Number(BigInt.asUintN(64, len) & 0xffffffffffffffn);
    const pad = len < 0n ? Number((BigInt.asUintN(64, len) >> 56n) & 7n) : 0;
    out.push({at: off + 8, len: bytes});
    off += 8 + bytes + pad;
  }
  return out;
}

afterAll(cleanupFixtures);

describe.skipIf(!!skip)(`cluster volumes of a swarm manager (fixtures/${NAME}, Docker 26)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const docker = JSON.parse(answer(NAME, 'volume-inspect.json')) as Inspected[];
  // `docker volume ls` of a manager lists its cluster volumes with their group, availability and status.
  const listed = jsonLines<Listed>(answer(NAME, 'volume-ls.jsonl'));

  it('volumes --json: docker volume inspect of every cluster volume, field for field; whole (exit 0)', () => {
    const {args} = fresh();
    const r = volumes(args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // The snapshot held csnap (removed after it) and not cvol4 (created after it): the WAL decides.
    expect(
      readFileSync(join(import.meta.dirname, `../../fixtures/${NAME}/answers/snapshots.txt`), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(1);
    expect(r.json.map((v) => v.Name).sort()).toEqual(listed.map((v) => v.Name).sort());
    for (const d of docker) expect(pick(r.json.find((v) => v.Name === d.Name)!), d.Name).toEqual(pick(d));
    for (const l of listed) {
      const v = r.json.find((o) => o.Name === l.Name)!;
      expect([v.ClusterVolume.Spec.Group ?? '', v.ClusterVolume.Spec.Availability, v.ClusterStatus.Status], l.Name).toEqual([
        l.Group,
        l.Availability,
        l.Status,
      ]);
      expect(v.Data).toMatchObject({Kind: 'csi', Description: `cluster volume: data lives with CSI plugin ${l.Driver}, not in this root`});
    }
    // `docker volume rm` without a plugin to delete it: swarm keeps it, pending delete.
    expect(r.json.find((v) => v.Name === 'cvol3')!.ClusterStatus.PendingDelete).toBe(true);
  });

  it("volumes: a table of docker volume ls --cluster's columns, then access, labels and options", () => {
    const {args} = fresh();
    const r = cli(['volumes', ...args]);
    expect(r.code).toBe(0);
    const [, section] = r.stdout.split("Cluster volumes (swarm, CSI; each one's data lives with its CSI plugin, not in this root):\n\n");
    const [head, ...rows] = section!.trimEnd().split('\n');
    const cols = ['VOLUME NAME', 'GROUP', 'DRIVER', 'AVAILABILITY', 'STATUS', 'ACCESS', 'LABELS', 'OPTIONS'].map((c) => head!.indexOf(c));
    const cells = rows.map((row) => cols.map((c, i) => row.slice(c, cols[i + 1]).trim()));
    expect(cells.map((c) => c.slice(0, 4))).toEqual(listed.map((l) => [l.Name, l.Group, l.Driver, l.Availability]));
    // docker volume ls --cluster's own table, cut at its header's columns.
    const [dockerHead, ...dockerRows] = answer(NAME, 'volume-ls-cluster.txt').trimEnd().split('\n');
    const at = ['VOLUME NAME', 'GROUP', 'DRIVER', 'AVAILABILITY', 'STATUS'].map((c) => dockerHead!.indexOf(c));
    const theirs = dockerRows.map((row) => at.map((c, i) => row.slice(c, at[i + 1]).trim()));
    expect(cells.map((c) => [...c.slice(0, 4), c[4]!.replace(', pending delete', '')])).toEqual(theirs);
    for (const [i, l] of listed.entries()) expect(cells[i]![4]!.startsWith(l.Status), l.Name).toBe(true);
    const cvol2 = docker.find((d) => d.Name === 'cvol2')!;
    expect(cells.find((c) => c[0] === 'cvol2')!.slice(5)).toEqual([
      'block, scope multi, sharing readonly',
      Object.entries(cvol2.Labels as object)
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
      Object.entries(cvol2.Options as object)
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
    ]);
  });

  it("volumes NAME: the cluster record's fields in words, and where the data is", () => {
    const {args} = fresh();
    const r = cli(['volumes', 'cvol2', ...args]);
    expect(r.code).toBe(0);
    const spec = docker.find((d) => d.Name === 'cvol2')!.ClusterVolume.Spec as unknown as {
      Group: string;
      CapacityRange: {RequiredBytes: number; LimitBytes: number};
      Secrets: {Key: string; Secret: string}[];
    };
    const line = (k: string) => new RegExp(`^${k}:\\s+(.*)$`, 'm').exec(r.stdout)?.[1];
    expect(line('Group')).toBe(spec.Group);
    expect(line('Access')).toBe('block, scope multi, sharing readonly');
    expect(line('Availability')).toBe('pause');
    expect(line('Capacity')).toBe(`required ${spec.CapacityRange.RequiredBytes} bytes, limit ${spec.CapacityRange.LimitBytes} bytes`);
    expect(line('Secrets')).toBe(spec.Secrets.map((s) => `${s.Key}=${s.Secret}`).join(', '));
    expect(line('Requisite')).toBe('region=eu, zone=a');
    expect(line('Data')).toBe('cluster volume: data lives with CSI plugin other-csi, not in this root');
  });

  it('the same swarm under a Docker root with its own image store (image/overlay2): the same cluster volumes', () => {
    const {dir} = fresh();
    mkdirSync(join(dir, 'docker-root/image/overlay2'), {recursive: true});
    const r = volumes(['--root', join(dir, 'docker-root')]);
    expect(r.code).toBe(0);
    expect(r.json.map(pick)).toEqual(docker.map(pick));
  });

  it('autolocked: a problem saying the unlock key is needed, exit 3; none listed (docker lists none either while locked)', () => {
    const {dir, args} = fresh();
    rmSync(join(dir, 'docker-root/swarm'), {recursive: true});
    cpSync(join(dir, 'locked-swarm'), join(dir, 'docker-root/swarm'), {recursive: true});
    expect(answer(NAME, 'locked-volume-ls-cluster.txt').trim().split('\n')).toHaveLength(1); // the header alone
    const r = volumes(args);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${join(dir, 'docker-root/swarm/raft')}: cluster (CSI) volumes not listed: the swarm is autolocked`);
    expect(r.stderr).toContain('unlock key, which the root does not hold');
    expect(r.json).toEqual([]);
  });

  it('autolocked, with its unlock key (--swarm-unlock-key-file, or piped in): the cluster volumes Docker lists; whole (exit 0)', () => {
    const {dir, args} = fresh();
    rmSync(join(dir, 'docker-root/swarm'), {recursive: true});
    cpSync(join(dir, 'locked-swarm'), join(dir, 'docker-root/swarm'), {recursive: true});
    const key = join(import.meta.dirname, `../../fixtures/${NAME}/answers/unlock-key.txt`);
    const r = volumes(args, ['--swarm-unlock-key-file', key]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.json.map(pick)).toEqual(docker.map(pick));
    // `docker swarm unlock-key -q | layerscope volumes --swarm-unlock-key-file -`
    const piped = cli(['volumes', ...args, '--json', '--swarm-unlock-key-file', '-'], {input: readFileSync(key)});
    expect(piped.code).toBe(0);
    expect(piped.stdout).toBe(r.stdout);
  });

  it("another swarm's unlock key: a problem saying so, exit 3; a file that holds no unlock key: named, exit 1", () => {
    const {dir, args} = fresh();
    rmSync(join(dir, 'docker-root/swarm'), {recursive: true});
    cpSync(join(dir, 'locked-swarm'), join(dir, 'docker-root/swarm'), {recursive: true});
    const other = join(dir, 'other-key.txt');
    writeFileSync(other, `SWMKEY-1-${Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '')}\n`);
    const r = volumes(args, ['--swarm-unlock-key-file', other]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('cluster (CSI) volumes not listed: the swarm is autolocked and the unlock key given does not open its raft DEK');
    expect(r.json).toEqual([]);
    const junk = join(dir, 'junk.txt');
    writeFileSync(junk, 'hello\n');
    const bad = cli(['volumes', ...args, '--swarm-unlock-key-file', junk]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`--swarm-unlock-key-file ${junk}: not a swarm unlock key`);
    // The explorer reads it before it starts, as the commands do.
    const explorer = cli([...args, '--swarm-unlock-key-file', junk]);
    expect([explorer.code, explorer.stderr]).toEqual([1, bad.stderr]);
    expect(cli(['volumes', ...args, '--swarm-unlock-key-file', join(dir, 'absent')]).stderr).toContain('ENOENT');
  });

  it('a damaged WAL record (CRC mismatch): named with its file, exit 3; what the log held before it is listed', () => {
    const {dir, args} = fresh();
    const file = walFile(dir);
    const wal = readFileSync(file);
    // The last entry record (type 2): cvol3's update to pending delete.
    const last = frames(wal).findLast((f) => wal[f.at] === 0x08 && wal[f.at + 1] === 0x02)!;
    wal[last.at + last.len - 1]! ^= 0xff;
    writeFileSync(file, wal);
    const r = volumes(args);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`${file}: raft WAL read up to a bad record: CRC mismatch in the record at offset \\d+`));
    const cvol3 = r.json.find((v) => v.Name === 'cvol3')!;
    expect(cvol3.ClusterStatus.PendingDelete).toBe(false);
    for (const d of docker.filter((v) => v.Name !== 'cvol3')) expect(pick(r.json.find((v) => v.Name === d.Name)!)).toEqual(pick(d));
  });

  it('a snapshot altered under a valid CRC (it no longer decrypts): named, exit 3, no crash', () => {
    const {dir, args} = fresh();
    const snapDir = join(dir, 'docker-root/swarm/raft/snap-v3-encrypted');
    const file = join(snapDir, readdirSync(snapDir)[0]!);
    const raw = readFileSync(file);
    // snappb.Snapshot: 0x08 crc (varint), 0x12 length (varint) data.
    const skipVarint = (i: number) => {
      while (raw[i]! & 0x80) i++;
      return i + 1;
    };
    expect(raw[0]).toBe(0x08);
    const lenAt = skipVarint(1);
    expect(raw[lenAt]).toBe(0x12);
    const at = skipVarint(lenAt + 1);
    const data = Buffer.from(raw.subarray(at));
    data[data.length >> 1]! ^= 1;
    const varint = (n: number) => {
      const out: number[] = [];
      for (; n > 0x7f; n = Math.floor(n / 128)) out.push((n & 0x7f) | 0x80);
      return [...out, n];
    };
    writeFileSync(file, Buffer.concat([Buffer.from([0x08, ...varint(crc32c(0, data)), 0x12, ...varint(data.length)]), data]));
    const r = volumes(args);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${file}: raft snapshot not read: a NaCl secretbox (XSalsa20-Poly1305) record that none of the 1 raft DEK opens`);
    expect(r.json).toEqual([]);
  });

  it('a WAL of random bytes: a named problem, exit 3, no crash', () => {
    const {dir, args} = fresh();
    const file = walFile(dir);
    writeFileSync(file, randomBytes(4096));
    const r = volumes(args);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`${file}: raft WAL read up to a bad record: (not an etcd WAL segment|a record at offset 0 runs past)`));
  });

  it('a swarm worker (swarm/ without raft/): a notice that its cluster volumes are kept by the managers; exit 0', () => {
    const {dir, args} = fresh();
    rmSync(join(dir, 'docker-root/swarm/raft'), {recursive: true});
    const r = volumes(args);
    expect(r.code).toBe(0);
    expect(r.json).toEqual([]);
    expect(r.stderr).toContain('this daemon is a swarm worker: cluster (CSI) volumes are recorded in the managers’ raft stores');
  });
});

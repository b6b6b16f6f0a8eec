import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {seeded} from '../helpers/random.js';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {type BoltBucket, BoltError, openBolt, parseBolt} from '../../source/store/bolt.js';
import {readVolumeMetadata} from '../../source/store/volume-metadata.js';
import {type Daemon, startDaemon} from '../helpers/dockerd.js';
import {REAL_A, cleanupExtracted, extractRealStoreAFiles} from '../helpers/real-store.js';

const PAGE = 4096;
const CONTAINERD_DB = 'containerd/daemon/io.containerd.metadata.v1.bolt/meta.db';
const containerdDb = (root: string): string => join(root, CONTAINERD_DB);

interface Inspected {
  Name: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
}

/** What readVolumeMetadata should say for a volume, per `docker volume inspect`. */
function expected(v: Inspected) {
  return {name: v.Name, driver: v.Driver, labels: v.Labels, options: v.Options};
}

function expectBoltError(action: () => unknown, ...parts: string[]): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(BoltError);
  for (const part of parts) expect((caught as Error).message).toContain(part);
}

/** Bytes of page `id` of a 4 KiB-page file, for planting corruption. */
function pageAt(buf: Buffer, id: number): Buffer {
  return buf.subarray(id * PAGE, (id + 1) * PAGE);
}

describe('real-store-a volumes/metadata.db', () => {
  let root: string;
  let file: string;
  let original: Buffer;
  let oracle: Inspected[];

  beforeAll(() => {
    oracle = JSON.parse(readFileSync(join(REAL_A, 'volumes.json'), 'utf8'));
    root = extractRealStoreAFiles('./volumes/metadata.db', `./${CONTAINERD_DB}`);
    file = join(root, 'volumes', 'metadata.db');
    original = readFileSync(file);
  });
  afterAll(cleanupExtracted);

  it('reads the volumes Docker reported', () => {
    const {volumes, problems} = readVolumeMetadata(root);
    expect(problems).toEqual([]);
    expect([...volumes.keys()].sort()).toEqual(oracle.map((v) => v.Name).sort());
    for (const v of oracle) expect(volumes.get(v.Name)).toEqual(expected(v));
  });

  it('walks the bucket API over an inline bucket', () => {
    const db = openBolt(file);
    expect(db.name).toBe(file);
    expect(db.pageSize).toBe(PAGE);
    expect(db.buckets()).toEqual(['volumes']);
    const bucket = db.bucket('volumes')!;
    expect(bucket.root).toBe(0); // two small volumes fit in the parent's value
    expect(bucket.buckets()).toEqual([]);
    expect([...bucket.entries()].map(([k]) => k.toString())).toEqual(oracle.map((v) => v.Name).sort());
    expect(JSON.parse(bucket.get('appdata')!.toString())).toEqual({Name: 'appdata', Driver: 'local', Labels: null, Options: null});
    expect(bucket.get(Buffer.from('appdata'))).toEqual(bucket.get('appdata'));
    expect(bucket.get('nope')).toBeUndefined();
    expect(bucket.bucket('appdata')).toBeUndefined(); // a value, not a bucket
    expect(db.bucket('nope')).toBeUndefined();
    expect(db.bucket('volumes')!.get('volumes')).toBeUndefined();
  });

  it('falls back to the older meta when the newer one is damaged', () => {
    const buf = Buffer.from(original);
    const newer = openBolt(file).txid;
    // Whichever meta page holds the newer txid: flip a byte its checksum covers.
    const newerPage = pageAt(buf, 0).readBigUInt64LE(16 + 48) === newer ? 0 : 1;
    pageAt(buf, newerPage)[16 + 20]! ^= 0xff;
    const db = parseBolt(buf, 'damaged.db');
    expect(db.txid).toBe(newer - 1n);
    // The older transaction predates the anonymous volume, so only appdata is there.
    expect([...db.bucket('volumes')!.entries()].map(([k]) => k.toString())).toEqual(['appdata']);
  });

  it('rejects a file with both meta pages zeroed', () => {
    const buf = Buffer.from(original);
    buf.fill(0, 0, 2 * PAGE);
    expectBoltError(() => parseBolt(buf, 'zeroed.db'), 'zeroed.db', 'no valid meta page', 'page 0: bad magic');
  });

  it('rejects a truncated file, naming the missing page', () => {
    const rootPage = Number(pageAt(original, openBolt(file).txid % 2n === 0n ? 0 : 1).readBigUInt64LE(16 + 16));
    expectBoltError(() => parseBolt(original.subarray(0, rootPage * PAGE + 100), 'short.db'), 'short.db', `page ${rootPage}`, 'end of file');
    expectBoltError(() => parseBolt(original.subarray(0, 50), 'tiny.db'), 'tiny.db', 'page 0', 'no valid meta page');
    expectBoltError(() => parseBolt(Buffer.alloc(0), 'empty.db'), 'empty.db', 'page 0');
  });

  it('rejects a bucket whose root page id is out of range', () => {
    const buf = Buffer.from(original);
    // Point every 'volumes' bucket header at page 999: the bucket value follows the key.
    for (let at = buf.indexOf('volumes'); at !== -1; at = buf.indexOf('volumes', at + 1)) {
      buf.writeBigUInt64LE(999n, at + 'volumes'.length);
    }
    const db = parseBolt(buf, 'bad-root.db');
    expectBoltError(() => [...db.bucket('volumes')!.entries()], 'bad-root.db', 'page 999', 'out of range');
    const written = join(root, 'volumes', 'metadata.db');
    writeFileSync(written, buf);
    const {volumes, problems} = readVolumeMetadata(root);
    expect(volumes.size).toBe(0);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(written);
    expect(problems[0]).toContain('page 999');
    writeFileSync(written, original);
  });

  it('gives problems, not exceptions, for corrupt or missing files', () => {
    const empty = mkdtempSync(join(tmpdir(), 'layerscope-bolt-'));
    try {
      expect(readVolumeMetadata(empty)).toEqual({volumes: new Map(), problems: []});
      mkdirSync(join(empty, 'volumes'));
      writeFileSync(join(empty, 'volumes', 'metadata.db'), original.subarray(0, 1000));
      const {volumes, problems} = readVolumeMetadata(empty);
      expect(volumes.size).toBe(0);
      expect(problems).toEqual([expect.stringContaining(join(empty, 'volumes', 'metadata.db'))]);
    } finally {
      rmSync(empty, {recursive: true, force: true});
    }
  });

  it('reads nested, inline and overflowing buckets in containerd meta.db', () => {
    const db = openBolt(containerdDb(root));
    // containerd's schema is v1 / <namespace> / containers / <id> / ...; Docker's namespace is
    // "moby" and only running containers are registered: of the three, web1.
    const web1 = JSON.parse(readFileSync(join(REAL_A, 'inspect-container-web1.json'), 'utf8'))[0];
    expect(web1.State.Running).toBe(true);
    expect(db.buckets()).toEqual(['v1']);
    const containers = db.bucket('v1')?.bucket('moby')?.bucket('containers');
    expect(containers?.buckets()).toEqual([web1.Id]);
    const container = containers!.bucket(web1.Id)!;
    expect(container.bucket('runtime')!.root).toBe(0);
    expect(container.bucket('runtime')!.get('name')?.toString()).toBe('io.containerd.runc.v2');
    expect(container.bucket('labels')!.get('com.docker/engine.bundle.path')?.toString()).toContain(web1.Id);
    // The OCI spec (a protobuf Any wrapping JSON) is larger than a page: it sits on overflow pages.
    const spec = container.get('spec')!;
    expect(spec.length).toBeGreaterThan(db.pageSize);
    const json = JSON.parse(spec.subarray(spec.indexOf('{"ociVersion"')).toString());
    expect(json.hostname).toBe(web1.Config.Hostname);
    expect(json.process.args).toEqual([web1.Path, ...web1.Args]);
    // Every value found by walking is found again by key lookup through the branch pages.
    expect(readAll(db.bucket('v1'))).toEqual({values: expect.any(Number), misses: 0});
  });

  it('rejects a sub-bucket that points back at its parent', () => {
    const buf = Buffer.from(readFileSync(containerdDb(root)));
    const db = parseBolt(buf, 'loop.db');
    const v1 = db.bucket('v1')!;
    const moby = v1.bucket('moby')!;
    // The 'moby' key in v1's root leaf is followed by its bucket header: make it point to v1's root.
    const page = pageAt(buf, v1.root);
    const header = page.indexOf('moby') + 'moby'.length;
    expect(page.readBigUInt64LE(header)).toBe(BigInt(moby.root));
    page.writeBigUInt64LE(BigInt(v1.root), header);
    const looped = parseBolt(buf, 'loop.db').bucket('v1')!;
    expectBoltError(() => looped.bucket('moby')!.buckets(), 'loop.db', `page ${v1.root}`, 'cycle');
  });

  it('only ever throws BoltError on randomly damaged files', () => {
    const original = readFileSync(containerdDb(root));
    const random = seeded(42);
    let failures = 0;
    for (let round = 0; round < 400; round++) {
      const buf = Buffer.from(original);
      // Mostly damage tree pages (metas are checksummed); every tenth round cut the file short.
      for (let n = 1 + Math.floor(random() * 6); n > 0; n--) {
        buf[2 * PAGE + Math.floor(random() * (buf.length - 2 * PAGE))] = Math.floor(random() * 256);
      }
      const damaged = round % 10 === 0 ? buf.subarray(0, Math.floor(random() * buf.length)) : buf;
      try {
        const db = parseBolt(damaged, 'fuzz.db');
        for (const name of db.buckets()) readAll(db.bucket(name));
      } catch (error) {
        if (!(error instanceof BoltError)) throw error;
        expect(error.message).toMatch(/^fuzz\.db: /);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(0);
  });
});

/** Walks every value and sub-bucket under bucket and looks each value up again by its key. */
function readAll(bucket: BoltBucket | undefined): {values: number; misses: number} {
  const total = {values: 0, misses: 0};
  if (!bucket) return total;
  for (const [key, value] of bucket.entries()) {
    total.values++;
    if (!bucket.get(key)?.equals(value)) total.misses++;
  }
  for (const name of bucket.buckets()) {
    const inner = readAll(bucket.bucket(name));
    total.values += inner.values;
    total.misses += inner.misses;
  }
  return total;
}

/** Runs jobs with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, job: (item: T) => Promise<unknown>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({length: limit}, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await job(item);
    }),
  );
}

describe('metadata.db written by a real dockerd (300 volumes)', () => {
  const prefix = `lsbolt-${process.pid}-`;
  const names = Array.from({length: 300}, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
  const big = `${prefix}big`;
  const bigLabel = 'x'.repeat(3 * PAGE); // one value larger than a page forces an overflow page
  let daemon: Daemon | undefined;
  let unavailable: string | undefined;
  let inspected: Inspected[] = [];

  beforeAll(async () => {
    const started = await startDaemon();
    if (typeof started === 'string') {
      unavailable = started;
      return;
    }
    daemon = started;
    await pool(names, 8, (name) => {
      const i = Number(name.slice(prefix.length));
      const extra = i % 10 === 0 ? ['--label', 'a=b', '--label', `index=${i}`, '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', '--opt', `o=size=${i}m`] : [];
      return started.docker('volume', 'create', ...extra, name);
    });
    await started.docker('volume', 'create', '--label', `big=${bigLabel}`, big);
    inspected = JSON.parse(await started.docker('volume', 'inspect', ...names, big));
  });

  afterAll(async () => {
    await daemon?.stop();
  });

  it('matches docker volume inspect for every volume', (ctx) => {
    if (unavailable || !daemon) return ctx.skip(unavailable);
    const {volumes, problems} = readVolumeMetadata(daemon.dataRoot);
    expect(problems).toEqual([]);
    expect(inspected).toHaveLength(names.length + 1);
    for (const v of inspected) expect(volumes.get(v.Name)).toEqual(expected(v));
    expect(volumes.get(`${prefix}010`)?.options).toEqual({type: 'tmpfs', device: 'tmpfs', o: 'size=10m'});
    expect(volumes.get(big)?.labels?.big).toBe(bigLabel);
  });

  it('lists exactly the volumes docker lists', async (ctx) => {
    if (unavailable || !daemon) return ctx.skip(unavailable);
    const listed = (await daemon.docker('volume', 'ls', '-q')).split('\n').filter(Boolean);
    expect([...readVolumeMetadata(daemon.dataRoot).volumes.keys()].sort()).toEqual(listed.sort());
  });

  it('reads a bucket spread over branch, leaf and overflow pages', (ctx) => {
    if (unavailable || !daemon) return ctx.skip(unavailable);
    const file = join(daemon.dataRoot, 'volumes', 'metadata.db');
    const raw = readFileSync(file);
    const db = parseBolt(raw, file);
    const bucket = db.bucket('volumes')!;
    const branchFlag = raw.readUInt16LE(bucket.root * db.pageSize + 8);
    expect(branchFlag).toBe(0x01);
    const keys = [...bucket.entries()].map(([k]) => k.toString());
    expect(keys).toEqual([...keys].sort()); // bbolt keeps keys in byte order
    for (const name of [...names, big]) expect(keys).toContain(name);
    for (const name of names) expect(JSON.parse(bucket.get(name)!.toString()).Name).toBe(name);
    expect(bucket.get(big)!.length).toBeGreaterThan(2 * db.pageSize);
  });

  it('detects a cycle and an out-of-range child in a branch page', (ctx) => {
    if (unavailable || !daemon) return ctx.skip(unavailable);
    const raw = Buffer.from(readFileSync(join(daemon.dataRoot, 'volumes', 'metadata.db')));
    const branch = parseBolt(raw, 'x').bucket('volumes')!.root;
    const at = branch * PAGE;
    const lastChild = at + 16 + (raw.readUInt16LE(at + 10) - 1) * 16 + 8;
    raw.writeBigUInt64LE(BigInt(branch), lastChild);
    expectBoltError(() => [...parseBolt(raw, 'cycle.db').bucket('volumes')!.entries()], 'cycle.db', `page ${branch}`, 'cycle');
    raw.writeBigUInt64LE(1n << 40n, lastChild);
    expectBoltError(() => [...parseBolt(raw, 'range.db').bucket('volumes')!.entries()], 'range.db', `page ${1n << 40n}`, 'out of range');
  });
});

// The explorer in a real terminal (tmux, the bundle users install) on Docker roots of the drivers
// read from their layout: a btrfs root dockerd wrote (fixtures/btrfs) and the crafted aufs, zfs and
// devicemapper roots (fixtures/drivers). The header names the driver, the images pane lists
// docker images' tags and sizes, b1's Writable pane is docker diff, and what cannot be read — an
// unmounted zfs dataset, a thin device not activated — is a problem on the status line and in `!`.
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {answer, cleanupFixtures, extractFixture, fixtureSkip, lines} from '../helpers/fixture-root.js';
import {ensureBuilt, hasTmux, Term} from '../helpers/terminal.js';

const skip = !hasTmux ? 'no tmux' : (fixtureSkip('btrfs') ?? fixtureSkip('drivers'));
/** How long each step may take to show. */
const WAIT_MS = 15_000;

interface Kind {
  fixture: string;
  root: string; // under the extracted fixture
  driver: string;
  diff: string; // answers/ file with `docker diff b1`
}

const KINDS: Kind[] = [
  // docker info's Driver, as the btrfs capture recorded it
  {fixture: 'btrfs', root: 'docker', driver: answer('btrfs', 'driver.txt').trim(), diff: 'diff-b1.txt'},
  // the crafted roots: the catalog under image/<driver> (fixtures/drivers/make.sh)
  {fixture: 'drivers', root: 'aufs-root', driver: 'aufs', diff: 'aufs-diff-b1.txt'},
  {fixture: 'drivers', root: 'zfs-root', driver: 'zfs', diff: 'diff-b1.txt'},
  {fixture: 'drivers', root: 'dm-root', driver: 'devicemapper', diff: ''},
];

/** docker images' tagged rows: `name:tag size` as the images pane shows them. */
const dockerImages = (fixture: string): [string, string][] =>
  lines(answer(fixture, 'images.jsonl'))
    .map((l) => JSON.parse(l) as {Repository: string; Tag: string; Size: string})
    .filter((i) => i.Repository !== '<none>')
    .map((i) => [`${i.Repository}:${i.Tag}`, i.Size]);

/** The Writable pane's rows (`A /path`), from the screen. */
const writableRows = (screen: string): string[] =>
  screen
    .split('\n')
    .map((l) => /^║([ACD]) (\S+)/.exec(l))
    .filter((m) => m !== null)
    .map((m) => `${m[1]} ${m[2]}`);

/** `A5 C8 D2`: how many of each kind a docker diff answer has, as the pane's heading counts them. */
const counts = (rows: string[]): string =>
  ['A', 'C', 'D']
    .map((k) => [k, rows.filter((r) => r.startsWith(`${k} `)).length] as const)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}${n}`)
    .join(' ');

const layerIds = (root: string, driver: string): string[] =>
  readdirSync(join(root, 'image', driver, 'layerdb', 'sha256')).map((d) =>
    readFileSync(join(root, 'image', driver, 'layerdb', 'sha256', d, 'cache-id'), 'utf8').trim(),
  );

describe.skipIf(!!skip)(`explorer in tmux on btrfs, aufs, zfs and devicemapper roots${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let term: Term;
  const dirs = new Map<string, string>();
  beforeAll(() => {
    ensureBuilt();
    for (const f of ['btrfs', 'drivers']) dirs.set(f, extractFixture(f));
  });
  afterEach(() => term?.close());
  afterAll(cleanupFixtures);

  for (const kind of KINDS) {
    it(`${kind.root} (${kind.driver}): the header names it, the images pane lists docker images${kind.diff ? ", b1's Writable pane is docker diff" : ''}`, async () => {
      term = new Term(120, 50);
      term.start([join(dirs.get(kind.fixture)!, kind.root), '--select', 'b1']);
      const s = await term.waitFor((x) => x.includes('Layers of b1'), 'the explorer on b1', WAIT_MS);
      expect(s.split('\n')[0]).toContain(`[docker ${kind.driver}]`);
      if (kind.diff) {
        const want = lines(answer(kind.fixture, kind.diff));
        await term.keys('4');
        const heading = new RegExp(`Writable layer of b1 \\(docker diff\\) +${counts(want)}\\b`);
        const pane = await term.waitFor((x) => heading.test(x), "b1's Writable pane, read", WAIT_MS);
        expect(writableRows(pane).sort()).toEqual([...want].sort());
      }
      await term.keys('1', 'Left');
      const list = await term.waitFor((x) => x.includes('▶ [images]'), 'the images list', WAIT_MS);
      for (const [name, size] of dockerImages(kind.fixture)) expect(list, name).toMatch(new RegExp(`[│║]  ${name}\\s+${size.replace('.', '\\.')}\\s`));
    });
  }

  it("zfs: a layer whose dataset is not mounted is a problem — the status line and `!` name it; it is an empty mountpoint of the store's layers", async () => {
    const root = join(dirs.get('drivers')!, 'zfs-root');
    term = new Term(140, 30);
    term.start([root, '--select', 'localbase:1']);
    const s = await term.waitFor((x) => x.includes('⚠ 1 problem'), 'the problem on the status line', WAIT_MS);
    const id = /zfs dataset of layer ([0-9a-f]{64}) is not mounted/.exec(s)?.[1];
    expect(id, s).toBeDefined();
    expect(layerIds(root, 'zfs')).toContain(id);
    expect(readdirSync(join(root, 'zfs', 'graph', id!))).toEqual([]);
    await term.keys('!');
    const list = await term.waitFor((x) => x.includes('Problems (1)'), 'the problems overlay', WAIT_MS);
    expect(list).toContain(join(root, 'zfs', 'graph', id!));
    expect(list).toContain(`zfs dataset of layer ${id} is not mounted`);
  });

  it('devicemapper: contents need the thin device activated — a problem on the status line and in `!`, naming the layer whose metadata names its device', async () => {
    const root = join(dirs.get('drivers')!, 'dm-root');
    term = new Term(140, 30);
    term.start([root, '--select', 'localbase:1']);
    const s = await term.waitFor((x) => x.includes('⚠ 1 problem'), 'the problem on the status line', WAIT_MS);
    const id = /layer ([0-9a-f]{64}) lives in a device-mapper thin device/.exec(s)?.[1];
    expect(id, s).toBeDefined();
    expect(layerIds(root, 'devicemapper')).toContain(id);
    expect(JSON.parse(readFileSync(join(root, 'devicemapper', 'metadata', id!), 'utf8'))).toHaveProperty('device_id');
    expect(existsSync(join(root, 'devicemapper', 'mnt', id!, 'rootfs'))).toBe(false);
    expect(s).toMatch(/activated \(dmsetup\)/);
    await term.keys('!');
    const list = await term.waitFor((x) => x.includes('Problems (1)'), 'the problems overlay', WAIT_MS);
    expect(list).toContain(`layer ${id} lives in a device-mapper thin device`);
  });
});

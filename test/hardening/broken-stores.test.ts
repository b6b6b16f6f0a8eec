// A corpus of damaged copies of a real root: for each, every read-only command ends in time,
// does not crash, names the damaged item, still shows the rest, and writes nothing to the root.
// Then a seeded fuzz run (bounded in time) combines the same generators.
import {chmodSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {cli, type CliResult} from '../helpers/cli.js';
import {canExtract, cleanupExtracted, extractRealStoreA, skipReason} from '../helpers/real-store.js';
import {snapshot} from '../helpers/snapshot.js';
import {seeded} from '../helpers/random.js';
import {DAMAGES} from './damage.js';

const COMMANDS = [['images'], ['history', 'cowlab:1'], ['diff', 'job2'], ['diff', 'myapp:1', 'cowlab:1'], ['ls', 'myapp2:1'], ['volumes'], ['mounts', 'web1'], ['df']];

/** A crash is an uncaught exception (a stack trace) or a signal; exit 1 with a message is fine. */
function assertNoCrash(r: CliResult, what: string): void {
  expect(r.code, `${what} timed out or was killed: ${r.stderr}`).toBeGreaterThanOrEqual(0);
  expect([0, 1], `${what} exited ${r.code}: ${r.stderr}`).toContain(r.code);
  expect(r.stderr, what).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
  if (r.code === 1) expect(r.stderr.trim().length, `${what} failed silently`).toBeGreaterThan(0);
}

function openUp(dir: string): void {
  chmodSync(dir, 0o755);
  for (const e of readdirSync(dir, {withFileTypes: true})) {
    if (e.isDirectory()) openUp(join(dir, e.name));
    else if (e.isFile()) chmodSync(join(dir, e.name), 0o644);
  }
}

function runAll(root: string, unprivileged: boolean): CliResult[] {
  const opts = unprivileged ? {uid: 65534, gid: 65534, timeout: 30_000} : {timeout: 30_000};
  return COMMANDS.map((args) => {
    const r = cli([...args, '--root', root], opts);
    assertNoCrash(r, `${args.join(' ')} on ${root}`);
    return r;
  });
}

describe.skipIf(!canExtract)(`broken stores${canExtract ? '' : ` (skipped: ${skipReason})`}`, () => {
  afterAll(cleanupExtracted);

  for (const damage of DAMAGES) {
    it(`${damage.name}: named, the rest still shows, nothing written`, () => {
      const root = extractRealStoreA();
      if (damage.unprivileged) openUp(root);
      const named = damage.apply(root, seeded(7));
      const before = snapshot(root);
      const results = runAll(root, damage.unprivileged === true);
      if (named) expect(results.map((r) => r.stderr).join('\n')).toContain(named);
      // the rest still shows: the images listing and df work and list the undamaged images
      expect(results[0]!.code).toBe(0);
      expect(results.at(-1)!.code).toBe(0);
      expect(snapshot(root)).toEqual(before);
    });
  }

  it('seeded fuzz: random combinations of damage never crash or hang (bounded in time)', () => {
    const seed = Number(process.env.LAYERSCOPE_FUZZ_SEED ?? 20261126);
    const rand = seeded(seed);
    const deadline = Date.now() + 45_000;
    let rounds = 0;
    while (Date.now() < deadline) {
      const root = extractRealStoreA();
      const applied = Array.from({length: 1 + Math.floor(rand() * 3)}, () => DAMAGES[Math.floor(rand() * DAMAGES.length)]!).filter((d) => !d.unprivileged);
      for (const d of applied) {
        try {
          d.apply(root, rand);
        } catch {
          // a generator may find its target already gone after an earlier damage: fine
        }
      }
      runAll(root, false);
      rounds++;
      cleanupExtracted();
    }
    console.log(`fuzz: seed ${seed}, ${rounds} damaged roots`);
    expect(rounds).toBeGreaterThan(0);
  }, 120_000);
});

// A corpus of damaged copies of a real root: for each, every read-only command ends in time,
// does not crash, names the damaged item, still shows the rest, and writes nothing to the root.
// Then a seeded fuzz run (a count budget: LAYERSCOPE_STORE_FUZZ_COUNT / _SEED, helpers/budget.ts)
// combines the same generators.
import {chmodSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {cli, type CliResult} from '../helpers/cli.js';
import {canExtract, cleanupExtracted, extractRealStoreA, skipReason} from '../helpers/real-store.js';
import {snapshot} from '../helpers/snapshot.js';
import {budget} from '../helpers/budget.js';
import {seeded} from '../helpers/random.js';
import {DAMAGES} from './damage.js';

const COMMANDS = [
  ['images'],
  ['history', 'cowlab:1'],
  ['diff', 'job2'],
  ['diff', 'myapp:1', 'cowlab:1'],
  ['ls', 'myapp2:1'],
  ['volumes'],
  ['mounts', 'web1'],
  ['df'],
];

/** A crash is an uncaught exception (a stack trace) or a signal; exit 1 with a message is fine. */
function assertNoCrash(r: CliResult, what: string): void {
  expect(r.code, `${what} timed out or was killed: ${r.stderr}`).toBeGreaterThanOrEqual(0);
  expect([0, 1, 3], `${what} exited ${r.code}: ${r.stderr}`).toContain(r.code);
  if (r.code === 3) expect(r.stderr, `${what} is incomplete without saying why`).toMatch(/warning: .*\n.*incomplete: /s);
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
      for (const r of [results[0]!, results.at(-1)!]) {
        expect(r.code).toBe(r.stderr.includes('warning:') ? 3 : 0);
        expect(r.stdout).toContain('REPOSITORY');
      }
      expect(snapshot(root)).toEqual(before);
    });
  }

  const fuzz = budget('STORE_FUZZ', {quick: 3, deep: 80}, 20261126);
  it(
    'seeded fuzz: random combinations of damage never crash or hang',
    () => {
      for (const seed of fuzz.seeds) {
        const rand = seeded(seed);
        const root = extractRealStoreA();
        const applied = Array.from({length: 1 + Math.floor(rand() * 3)}, () => DAMAGES[Math.floor(rand() * DAMAGES.length)]!).filter((d) => !d.unprivileged);
        for (const d of applied) {
          try {
            d.apply(root, rand);
          } catch {
            // a generator may find its target already gone after an earlier damage: fine
          }
        }
        try {
          runAll(root, false);
        } catch (error) {
          throw new Error(`${fuzz.replay(seed)}: ${(error as Error).message}`, {cause: error});
        }
        cleanupExtracted();
      }
      console.log(`fuzz: ${fuzz.summary} damaged roots`);
    },
    120_000 + fuzz.seeds.length * 30_000,
  );
});

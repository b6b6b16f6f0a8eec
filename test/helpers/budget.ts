// Count budgets and replayable seeds for the randomized tests (differential runs against the
// kernel, fuzzers). A loop runs a number of rounds, never "as many as fit in N seconds", so a run
// does the same work however loaded the machine is, and round i always uses seed first + i.
//
//   `npm test`            the quick tier: each loop's `quick` count
//   `npm run test:deep`   LAYERSCOPE_DEEP=1: each loop's `deep` count
//   LAYERSCOPE_<NAME>_COUNT=n   n rounds, in either tier
//   LAYERSCOPE_<NAME>_SEED=s    start at seed s; alone (no _COUNT) it replays round s only
//
// A failing round names its seed with replay(seed), e.g. "replay with LAYERSCOPE_COW_SEED=123".
// Usage:
//   const fuzz = budget('ARCHIVE_FUZZ', {quick: 4, deep: 1000}, 20261126);
//   for (const seed of fuzz.seeds) { const rand = seeded(seed); ... expect(ok, fuzz.replay(seed)) ... }

export const DEEP = process.env.LAYERSCOPE_DEEP === '1';

export interface Budget {
  /** The seeds of this run's rounds, one per round. */
  readonly seeds: readonly number[];
  /** How to replay one round: for failure messages. */
  replay(seed: number): string;
  /** One line for the log: rounds, seeds and tier. */
  readonly summary: string;
}

/** Seeds `first` (default `defaultSeed`) onwards, as many as the tier or the overrides say. */
export function budget(name: string, counts: {quick: number; deep: number}, defaultSeed: number): Budget {
  const seedVar = `LAYERSCOPE_${name}_SEED`;
  const countVar = `LAYERSCOPE_${name}_COUNT`;
  const seedEnv = process.env[seedVar];
  const countEnv = process.env[countVar];
  const first = seedEnv ? Number(seedEnv) : defaultSeed;
  const count = countEnv ? Number(countEnv) : seedEnv ? 1 : DEEP ? counts.deep : counts.quick;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || count < 0) {
    throw new Error(`${seedVar}=${seedEnv ?? ''} / ${countVar}=${countEnv ?? ''}: want whole numbers`);
  }
  const seeds = Array.from({length: count}, (_, i) => first + i);
  return {
    seeds,
    replay: (seed) => `replay with ${seedVar}=${seed}`,
    summary: `${count} rounds, seeds ${first}..${first + count - 1} (${countEnv ? countVar : DEEP ? 'deep tier' : 'quick tier'})`,
  };
}

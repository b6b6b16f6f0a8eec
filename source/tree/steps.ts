// Long computations written as generators that pause (yield) every so often, so a caller that must
// stay responsive (the explorer's background jobs) can spread them over ticks.

/** A computation that pauses now and then and returns a T. */
export type Steps<T> = Generator<void, T, void>;

/** Run `steps` to the end in one go. */
export function finish<T>(steps: Iterator<unknown, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

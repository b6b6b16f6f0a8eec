// The store as an external store for React (useSyncExternalStore): a snapshot that changes when
// the root changes under the explorer (live updates), while layers are indexed in the
// background, and when a background computation finishes. Watching and indexing start with the
// first subscriber and stop with the last, so nothing runs for an explorer that is not shown.
import {DirStore, type LayerStore} from '../store/store.js';
import {watchStore} from '../store/watch.js';

export interface FeedSnapshot {
  /** Bumped on every change: derivations memoised on it are recomputed. */
  version: number;
  /** Whether a live update has been seen. */
  live: boolean;
  /** `indexing layers 3/12` while the background index runs. */
  indexing?: string;
}

/** Keys closer together than this are typing or key repeat: background work waits for a pause. */
export const IDLE_MS = 100;
/** Longest a slice of a stepped job keeps the thread from key presses. */
export const SLICE_MS = 8;

interface Job {
  params: string;
  run: () => unknown;
  /** A job whose run gave a generator: it is stepped a slice at a time. */
  steps?: Iterator<unknown, unknown>;
  version: number;
  value?: unknown;
  done: boolean;
  /** Wait for a pause in the keys (work the user did not ask for), or run on the next tick. */
  idle: boolean;
}

export class StoreFeed {
  private snapshot: FeedSnapshot = {version: 0, live: false};
  private readonly listeners = new Set<() => void>();
  private stop?: () => void;
  private readonly jobs = new Map<string, Job>();
  private queue: string[] = [];
  private timer?: ReturnType<typeof setTimeout>;
  /** performance.now() of the last key press: background work waits for IDLE_MS after it. */
  lastKey = 0;

  constructor(
    readonly store: LayerStore,
    private readonly live: boolean,
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.stop?.();
        this.stop = undefined;
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  };

  getSnapshot = (): FeedSnapshot => this.snapshot;

  /** A new snapshot; `changed`: the store's content changed (memoised derivations and jobs are stale). */
  private update(patch: Partial<FeedSnapshot>, changed: boolean): void {
    this.snapshot = {...this.snapshot, ...patch, version: this.snapshot.version + (changed ? 1 : 0)};
    for (const l of this.listeners) l();
  }

  private start(): void {
    const store = this.store;
    if (!this.live) return;
    const w = store.liveCatalog() ? watchStore(store, () => this.update({live: true}, true)) : undefined;
    if (!(store instanceof DirStore)) {
      this.stop = () => void w?.close();
      return;
    }
    // Read every layer on the worker thread while the user browses: later selections are instant.
    const abort = new AbortController();
    const on = () => !abort.signal.aborted;
    store
      .indexAll({
        background: true,
        signal: abort.signal,
        onProgress: (done, total) => on() && this.update({indexing: done < total ? `indexing layers ${done}/${total}` : undefined}, false),
      })
      .catch(() => undefined)
      .finally(() => on() && this.snapshot.indexing && this.update({indexing: undefined}, false));
    this.stop = () => {
      abort.abort();
      void w?.close();
    };
  }

  /**
   * The result of `run` in `slot` for `params` at the current version, or undefined while it
   * waits to run. It runs from a timer — after a pause in the key presses when `idle` — one job
   * at a time, and its result arrives as a new snapshot. Safe to call during render: nothing is
   * read here. A slot holds one job: asking for other params replaces it; an older result for
   * the same params (any params with `keep`) stays available (done: false) until the new one is ready.
   */
  background<T>(
    slot: string,
    params: string,
    run: () => T | Iterator<unknown, T>,
    {idle = true, keep = false}: {idle?: boolean; keep?: boolean} = {},
  ): {value?: T; done: boolean} {
    const version = this.snapshot.version;
    const job = this.jobs.get(slot);
    const same = job?.params === params;
    if (job && same && (job.version === version || !job.done)) {
      if (!job.done) job.run = run;
      return {value: job.value as T | undefined, done: job.done};
    }
    const value = same || keep ? job?.value : undefined;
    this.jobs.set(slot, {params, run, version, value, done: false, idle});
    if (!this.queue.includes(slot)) this.queue.push(slot);
    this.schedule();
    return {value: value as T | undefined, done: false};
  }

  private schedule(): void {
    if (this.timer || !this.queue.length) return;
    const urgent = this.queue.findIndex((slot) => this.jobs.get(slot)?.idle === false);
    const wait = urgent >= 0 ? 0 : Math.max(0, this.lastKey + IDLE_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = this.queue.findIndex((slot) => this.jobs.get(slot)?.idle === false);
      if (now < 0 && performance.now() < this.lastKey + IDLE_MS) return this.schedule();
      const [slot] = this.queue.splice(Math.max(0, now), 1);
      const job = slot === undefined ? undefined : this.jobs.get(slot);
      if (job && !job.done) {
        try {
          if (!job.steps) {
            const out = job.run();
            if (isIterator(out)) job.steps = out;
            else job.value = out;
          }
          if (job.steps) {
            // A slice of a stepped job, then back in the queue behind the others.
            const end = performance.now() + SLICE_MS;
            let r = job.steps.next();
            while (!r.done && performance.now() < end) r = job.steps.next();
            if (!r.done) {
              this.queue.push(slot!);
              return this.schedule();
            }
            job.value = r.value;
          }
        } catch (err) {
          job.value = err instanceof Error ? err : new Error(String(err));
        }
        // job.version stays the version it was asked at: a change while it ran makes it stale.
        job.steps = undefined;
        job.done = true;
        this.update({}, false);
      }
      this.schedule();
    }, wait);
  }
}

function isIterator(x: unknown): x is Iterator<unknown, unknown> {
  return typeof x === 'object' && x !== null && typeof (x as Iterator<unknown>).next === 'function' && Symbol.iterator in x;
}

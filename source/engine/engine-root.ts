// An engine root opened for writing: its marker checked once, no live dockerd on it, and the work a
// killed command left behind swept. Every change goes through a Txn, whose journal (written before each
// change it names) lets a later command undo what a kill -9 interrupted, the way moby's layer store
// registers a layer only once it is whole and releases it when the image that needed it is not written.
import {randomBytes} from 'node:crypto';
import {existsSync, readFileSync} from 'node:fs';
import * as fsp from 'node:fs/promises';
import {join, relative, resolve} from 'node:path';
import {realish, within} from './host-path.js';
import {assertEngineRoot, createRoot, rootPaths} from './layout.js';
import {assertNoDaemon} from './live-dockerd.js';
import {mountTable, upperDirOf} from './mountinfo.js';

export type RootPaths = ReturnType<typeof rootPaths>;

// ---------------------------------------------------------------- owners of work in progress

/** "<pid>-<start time>": a process id that cannot be confused with a later process reusing the pid. */
function ownerTag(pid = process.pid): string | undefined {
  try {
    // Fields 3 (state) and 22 (start time) of /proc/<pid>/stat, counted after the parenthesised command
    // name (which may hold spaces). A zombie is dead: killed, not yet reaped by its parent.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : `${pid}-${fields[19]}`;
  } catch {
    return undefined;
  }
}

function ownerAlive(tag: string): boolean {
  const pid = Number(tag.split('-')[0]);
  return ownerTag(pid) === tag;
}

const TXN_PREFIX = 'txn-';

/** One journal line: what to undo if the transaction does not finish. */
type JournalEntry =
  /** overlay2/<id> and its l/<link> */
  | {kind: 'layer'; id: string; link: string}
  /** layerdb/sha256/<chain>, removed only while it still names our cache id */
  | {kind: 'chain'; chain: string; cacheId: string}
  /** a path relative to the root, removed whole */
  | {kind: 'path'; rel: string};

function parseJournal(text: string): JournalEntry[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JournalEntry);
}

/** Remove a path; one that is not there (or whose parent is no directory) is already undone. */
async function remove(path: string): Promise<void> {
  await fsp.rm(path, {recursive: true, force: true}).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOTDIR') throw err;
  });
}

/** Undo the journal's changes, newest first; returns the failures (the journal is kept for a later sweep). */
async function undo(root: string, entries: readonly JournalEntry[]): Promise<Error[]> {
  const p = rootPaths(root);
  const failures: Error[] = [];
  // Newest first: a chain before the layer it names, a container record before its layers.
  for (const e of [...entries].reverse()) {
    try {
      if (e.kind === 'layer') {
        await remove(join(p.links, e.link));
        await remove(join(p.overlay, e.id));
      } else if (e.kind === 'chain') {
        const dir = join(p.layerdb, e.chain.replace(/^sha256:/, ''));
        const cacheId = await fsp.readFile(join(dir, 'cache-id'), 'utf8').then(
          (s) => s.trim(),
          () => undefined,
        );
        if (cacheId === e.cacheId) await remove(dir);
      } else {
        const abs = resolve(root, e.rel);
        if (within(abs, resolve(root)) && abs !== resolve(root)) await remove(abs);
      }
    } catch (err) {
      failures.push(err as Error);
    }
  }
  return failures;
}

/**
 * A unit of change to the root. `note` is called before the change it names; `commit` makes the changes
 * final (drops the journal); `cancel` undoes them all. The transaction's directory under tmp/ is also its
 * scratch area, removed with it; a killed owner's transactions are undone by the next EngineRoot.open.
 */
export class Txn {
  constructor(
    readonly root: string,
    readonly dir: string,
  ) {}

  get journal(): string {
    return join(this.dir, 'journal');
  }

  async note(entry: JournalEntry): Promise<void> {
    await fsp.appendFile(this.journal, `${JSON.stringify(entry)}\n`, {mode: 0o600});
  }

  /** A fresh scratch directory inside the transaction's area. */
  async scratch(name: string): Promise<string> {
    const dir = join(this.dir, `${name}-${randomBytes(4).toString('hex')}`);
    await fsp.mkdir(dir, {mode: 0o700});
    return dir;
  }

  async commit(): Promise<void> {
    await fsp.rm(this.journal, {force: true});
    await fsp.rm(this.dir, {recursive: true, force: true});
  }

  async cancel(): Promise<void> {
    const text = await fsp.readFile(this.journal, 'utf8').catch(() => '');
    const failures = await undo(this.root, parseJournal(text));
    if (failures.length > 0) throw new Error(`could not undo all of ${this.dir} (the next command retries): ${failures.map((f) => f.message).join('; ')}`);
    await fsp.rm(this.dir, {recursive: true, force: true});
  }

  /** Run `body` in this transaction: committed when it returns, cancelled when it throws. */
  async run<T>(body: (txn: Txn) => Promise<T>): Promise<T> {
    try {
      const out = await body(this);
      await this.commit();
      return out;
    } catch (err) {
      // The step's own error is the one to report; a failed undo is retried by the next command's sweep.
      await this.cancel().catch(() => undefined);
      throw err;
    }
  }
}

/** Undo the transactions of owners that died (kill -9, power loss) and drop their scratch areas. */
export async function sweep(root: string): Promise<string[]> {
  const tmp = rootPaths(root).tmp;
  const swept: string[] = [];
  for (const name of await fsp.readdir(tmp).catch(() => [] as string[])) {
    const dir = join(tmp, name);
    if (!name.startsWith(TXN_PREFIX)) continue;
    const owner = name.slice(TXN_PREFIX.length).split('-').slice(0, 2).join('-');
    if (ownerAlive(owner)) continue;
    // What cannot be undone now stays journalled for a later command; it never blocks this one.
    if (
      await new Txn(root, dir).cancel().then(
        () => true,
        () => false,
      )
    )
      swept.push(name);
  }
  return swept;
}

/** Overlay mounts whose upper directory lies in `root` (in this mount namespace). */
export function mountsOfRoot(root: string): Array<{target: string; upper: string}> {
  const overlay = realish(rootPaths(root).overlay);
  const out: Array<{target: string; upper: string}> = [];
  for (const entry of mountTable()) {
    const upper = upperDirOf(entry);
    if (upper && within(resolve(upper), overlay)) out.push({target: entry.target, upper: resolve(upper)});
  }
  return out;
}

export class EngineRoot {
  readonly paths: RootPaths;

  private constructor(readonly root: string) {
    this.paths = rootPaths(root);
  }

  /**
   * Open an engine root for writing: the marker says we created it, no running dockerd uses it, and
   * the work of killed commands is undone. `create` makes the root when it does not exist yet.
   */
  static async open(root: string, opts: {create?: boolean} = {}): Promise<EngineRoot> {
    const abs = resolve(root);
    assertNoDaemon(abs);
    if (opts.create) await createRoot(abs);
    else await assertEngineRoot(abs);
    const r = new EngineRoot(abs);
    await fsp.mkdir(r.paths.tmp, {recursive: true, mode: 0o700});
    await sweep(abs);
    return r;
  }

  /** Start a transaction, journalled under tmp/ with this process as its owner. */
  async begin(): Promise<Txn> {
    const owner = ownerTag();
    if (!owner) throw new Error('cannot read /proc/self/stat: the engine needs Linux /proc to journal its work');
    const dir = join(this.paths.tmp, `${TXN_PREFIX}${owner}-${randomBytes(6).toString('hex')}`);
    await fsp.mkdir(dir, {mode: 0o700});
    return new Txn(this.root, dir);
  }

  /** Run `body` in a new transaction. */
  async transaction<T>(body: (txn: Txn) => Promise<T>): Promise<T> {
    return (await this.begin()).run(body);
  }

  /** Throw when a layer directory of this root is mounted (its writable layer must not change under the kernel). */
  assertNotMounted(layerDir: string, what: string): void {
    const upper = join(realish(layerDir), 'diff');
    const m = mountsOfRoot(this.root).find((x) => x.upper === upper);
    if (m) throw new Error(`${what} is mounted at ${m.target}; unmount it first (layerscope umount ${m.target})`);
  }

  /** Throw when `path` lies inside this root (an output file must never overwrite the store). */
  assertOutside(path: string, what: string): void {
    if (within(realish(path), realish(this.root))) throw new Error(`${what} ${path} lies inside the engine root ${this.root}; refusing to write there`);
  }

  rel(abs: string): string {
    return relative(this.root, abs);
  }
}

/** Whether `root` carries the engine's marker (save and export then keep their temp files there). */
export function isEngineRoot(root: string): boolean {
  return existsSync(rootPaths(root).marker);
}

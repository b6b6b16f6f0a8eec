// Paths as the container sees them, for writes the engine makes on its behalf (WORKDIR, COPY, RUN's
// working directory): symlinks are followed inside the merged view, with the view as root, so a link
// in an image to "/etc" or "../../.." names the image's /etc, never the host's.
import {posix} from 'node:path';
import {CowError, type CowView} from './cow.js';

/** What resolving needs of a tree: lstat (undefined when the name does not exist) and readlink, on absolute paths of the tree. */
export interface LinkReader {
  lstat(path: string): {isSymbolicLink(): boolean} | undefined;
  readlink(path: string): string;
}

/**
 * `path` with its symlinks resolved inside the tree, the tree as root: an absolute target starts again at
 * the root and ".." stops there (Docker's FollowSymlinkInScope, the kernel's walk inside a chroot).
 * Components that do not exist are kept as named; with `followLast` false a final symlink stays.
 */
export function resolveScoped(tree: LinkReader, path: string, {followLast = true, maxLinks = 40} = {}): string {
  const pending = path.split('/').filter((c) => c && c !== '.');
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '..') {
      done.pop();
      continue;
    }
    const here = `/${[...done, name].join('/')}`;
    if (tree.lstat(here)?.isSymbolicLink() && (pending.length > 0 || followLast)) {
      if (++links > maxLinks) throw new CowError('ELOOP', 'resolve', path);
      const target = tree.readlink(here);
      if (target.startsWith('/')) done.length = 0;
      pending.unshift(...target.split('/').filter((c) => c && c !== '.'));
      continue;
    }
    done.push(name);
  }
  return `/${done.join('/')}`;
}

/** `path` with every symlink resolved inside the merged view. */
export function resolveInView(view: Pick<CowView, 'lstat' | 'readlink'>, path: string): string {
  return resolveScoped(
    {
      lstat: (p) => {
        try {
          return view.lstat(p);
        } catch (err) {
          if (err instanceof CowError) return undefined;
          throw err;
        }
      },
      readlink: (p) => view.readlink(p),
    },
    path,
  );
}

/**
 * `mkdir -p` as Docker does it in the container's root file system (MkdirAllAndChown): symlinks on the
 * way are followed inside the view; directories it makes are root's, mode 0755. Returns the resolved path.
 */
export function mkdirAllInView(view: CowView, path: string): string {
  const resolved = resolveInView(view, path);
  let here = '';
  for (const name of resolved.split('/').filter(Boolean)) {
    here = `${here}/${name}`;
    let st;
    try {
      st = view.stat(here);
    } catch (err) {
      if (!(err instanceof CowError && err.code === 'ENOENT')) throw err;
    }
    if (st) {
      if (!st.isDirectory()) throw new CowError('ENOTDIR', 'mkdir', posix.normalize(path));
      continue;
    }
    view.mkdir(here);
    view.chmod(here, 0o755);
    if (process.getuid?.() === 0) view.lchown(here, 0, 0);
  }
  return resolved;
}

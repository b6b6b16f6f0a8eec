// The shell verbs of `layerscope fs CONTAINER OP ARGS`, applied to a copy-on-write view.
import {posix} from 'node:path';
import {CowError, type CowView} from './cow.js';

/** The part of CowView the verbs use; anything with Node-fs-like semantics can stand in (the tests
 *  drive a real overlay mount through the same verbs). */
export type FsOpTarget = Pick<
  CowView,
  | 'writeFile'
  | 'appendFile'
  | 'truncate'
  | 'chmod'
  | 'chown'
  | 'lchown'
  | 'lutimes'
  | 'rename'
  | 'unlink'
  | 'rm'
  | 'mkdir'
  | 'rmdir'
  | 'symlink'
  | 'link'
  | 'lstat'
  | 'stat'
  | 'readdir'
  | 'readFile'
  | 'readlink'
>;

export const FS_OP_USAGE = `usage: layerscope fs CONTAINER OP ARGS, where OP ARGS is one of
  write PATH            (content from stdin)
  append PATH           (content from stdin)
  truncate PATH SIZE
  chmod MODE PATH       (octal mode)
  chown UID:GID PATH
  mv SRC DST
  rm [-r] PATH
  mkdir [-p] PATH
  rmdir PATH
  ln [-s] TARGET PATH`;

export function applyFsOp(view: FsOpTarget, argv: readonly string[], stdin: Buffer = Buffer.alloc(0)): void {
  const [verb, ...args] = argv;
  const flagged = (flag: string): [boolean, string[]] => (args[0] === flag ? [true, args.slice(1)] : [false, args]);
  switch (verb) {
    case 'write':
      return view.writeFile(only(args, 1)[0], stdin);
    case 'append':
      return view.appendFile(only(args, 1)[0], stdin);
    case 'truncate': {
      const [path, size] = only(args, 2);
      return view.truncate(path, parseNumber(size, /^\d+$/, 10, 'SIZE'));
    }
    case 'chmod': {
      const [mode, path] = only(args, 2);
      return view.chmod(path, parseNumber(mode, /^[0-7]{1,4}$/, 8, 'MODE'));
    }
    case 'chown': {
      const [owner, path] = only(args, 2);
      const match = /^(\d+):(\d+)$/.exec(owner);
      if (!match) throw usage(`bad UID:GID '${owner}'`);
      return view.chown(path, Number(match[1]), Number(match[2]));
    }
    case 'mv': {
      const [from, to] = only(args, 2);
      return move(view, from, to);
    }
    case 'rm': {
      const [recursive, rest] = flagged('-r');
      return view.rm(only(rest, 1)[0], {recursive});
    }
    case 'mkdir': {
      const [recursive, rest] = flagged('-p');
      return view.mkdir(only(rest, 1)[0], {recursive});
    }
    case 'rmdir':
      return view.rmdir(only(args, 1)[0]);
    case 'ln': {
      const [symbolic, rest] = flagged('-s');
      const [target, path] = only(rest, 2);
      return symbolic ? view.symlink(target, path) : view.link(target, path);
    }
    default:
      throw usage(verb === undefined ? 'missing OP' : `unknown OP '${verb}'`);
  }
}

/** mv(1): into DST when it is a directory; when rename(2) refuses with EXDEV (a directory from a
 *  lower layer), copy the merged tree and remove the source. */
function move(view: FsOpTarget, from: string, to: string): void {
  const dest = statOrUndefined(view, to)?.isDirectory() ? posix.join(to, posix.basename(from)) : to;
  try {
    view.rename(from, dest);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    const existing = lstatOrUndefined(view, dest);
    if (existing?.isDirectory()) view.rmdir(dest);
    else if (existing) view.unlink(dest);
    copyTree(view, from, dest);
    view.rm(from, {recursive: true});
  }
}

/** Copies like `cp -a` without hard links and xattrs: owner, mode and times are kept. Directory
 *  times are set after their children are written, so they stick. */
function copyTree(view: FsOpTarget, from: string, to: string): void {
  const stats = view.lstat(from);
  if (stats.isDirectory()) {
    view.mkdir(to);
    for (const name of view.readdir(from)) copyTree(view, posix.join(from, name), posix.join(to, name));
  } else if (stats.isSymbolicLink()) {
    view.symlink(view.readlink(from), to);
  } else if (stats.isFile()) {
    view.writeFile(to, view.readFile(from));
  } else {
    throw new CowError('ENOTSUP', 'copy', from, 'cannot copy a special file');
  }
  view.lchown(to, stats.uid, stats.gid);
  if (!stats.isSymbolicLink()) view.chmod(to, stats.mode & 0o7777);
  view.lutimes(to, stats.atimeMs / 1000, stats.mtimeMs / 1000);
}

function statOrUndefined(view: FsOpTarget, path: string) {
  try {
    return view.stat(path);
  } catch {
    return undefined;
  }
}

function lstatOrUndefined(view: FsOpTarget, path: string) {
  try {
    return view.lstat(path);
  } catch {
    return undefined;
  }
}

/** Exactly `count` arguments, as a tuple of that length. */
function only(args: readonly string[], count: 1): [string];
function only(args: readonly string[], count: 2): [string, string];
function only(args: readonly string[], count: number): string[] {
  if (args.length !== count) throw usage(`expected ${count} argument${count === 1 ? '' : 's'}, got ${args.length}`);
  return [...args];
}

function parseNumber(text: string, pattern: RegExp, radix: number, what: string): number {
  if (!pattern.test(text)) throw usage(`bad ${what} '${text}'`);
  return Number.parseInt(text, radix);
}

function usage(problem: string): Error {
  return new Error(`${problem}\n${FS_OP_USAGE}`);
}

// Generators of damaged stores: each takes a private copy of a real root and breaks one thing,
// returning the item a message should name. Used by the corpus test and by the seeded fuzz run.
import {execFileSync} from 'node:child_process';
import {chmodSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';

export interface Damage {
  name: string;
  /** Break `root`; return the path a warning must name (or undefined when none is owed). */
  apply: (root: string, rand: () => number) => string | undefined;
  /** Needs reading as an unprivileged user to have an effect (root ignores permissions). */
  unprivileged?: boolean;
}

const pick = <T>(items: T[], rand: () => number): T => items[Math.floor(rand() * items.length)]!;
const layerdb = (root: string) => join(root, 'image/overlay2/layerdb/sha256');
const cacheIds = (root: string) => readdirSync(join(root, 'overlay2')).filter((n) => n !== 'l');

/** Every JSON metadata file of the root. */
export function metadataFiles(root: string): string[] {
  const files = [join(root, 'image/overlay2/repositories.json')];
  for (const id of readdirSync(join(root, 'image/overlay2/imagedb/content/sha256'))) files.push(join(root, 'image/overlay2/imagedb/content/sha256', id));
  for (const c of readdirSync(join(root, 'containers'))) {
    files.push(join(root, 'containers', c, 'config.v2.json'));
    files.push(join(root, 'containers', c, 'hostconfig.json'));
  }
  return files;
}

export const DAMAGES: Damage[] = [
  {
    name: 'truncated JSON',
    apply: (root, rand) => {
      const file = pick(metadataFiles(root), rand);
      const text = readFileSync(file);
      truncateSync(file, Math.floor(text.length * rand()));
      return file;
    },
  },
  {
    name: 'invalid JSON',
    apply: (root, rand) => {
      const file = pick(metadataFiles(root), rand);
      writeFileSync(file, pick(['{"ID": ', 'null', '[1,2', '\u0000\u0001', '{"Repositories": 7}', '"just a string"'], rand));
      return file;
    },
  },
  {
    name: 'missing cache-id',
    apply: (root, rand) => {
      const file = join(layerdb(root), pick(readdirSync(layerdb(root)), rand), 'cache-id');
      unlinkSync(file);
      return file;
    },
  },
  {
    name: 'missing diff dir',
    apply: (root, rand) => {
      const dir = join(root, 'overlay2', pick(cacheIds(root), rand), 'diff');
      rmSync(dir, {recursive: true});
      return dir;
    },
  },
  {
    name: 'dangling lower link',
    apply: (root, rand) => {
      const link = join(root, 'overlay2/l', pick(readdirSync(join(root, 'overlay2/l')), rand));
      unlinkSync(link);
      symlinkSync('../gone/diff', link);
      return undefined; // named only when some layer's `lower` uses that link
    },
  },
  {
    name: 'looping lower link',
    apply: (root, rand) => {
      const name = pick(readdirSync(join(root, 'overlay2/l')), rand);
      const link = join(root, 'overlay2/l', name);
      unlinkSync(link);
      symlinkSync(name, link);
      return undefined;
    },
  },
  {
    name: 'layer dir replaced by a file',
    apply: (root, rand) => {
      const dir = join(root, 'overlay2', pick(cacheIds(root), rand), 'diff');
      rmSync(dir, {recursive: true});
      writeFileSync(dir, 'not a directory');
      return dir;
    },
  },
  {
    name: 'permissions removed',
    unprivileged: true,
    apply: (root, rand) => {
      const dir = join(root, 'overlay2', pick(cacheIds(root), rand), 'diff');
      chmodSync(dir, 0);
      return dir;
    },
  },
  {
    name: 'symlink loop inside a layer',
    apply: (root, rand) => {
      const dir = join(root, 'overlay2', pick(cacheIds(root), rand), 'diff');
      symlinkSync('loop-b', join(dir, 'loop-a'));
      symlinkSync('loop-a', join(dir, 'loop-b'));
      return undefined;
    },
  },
  {
    name: '200-level deep tree',
    apply: (root, rand) => {
      let dir = join(root, 'overlay2', pick(cacheIds(root), rand), 'diff', 'deep');
      for (let i = 0; i < 200; i++) dir = join(dir, `d${i}`);
      mkdirSync(dir, {recursive: true});
      writeFileSync(join(dir, 'bottom'), 'deep');
      return undefined;
    },
  },
  {
    name: 'names with newlines and invalid UTF-8',
    apply: (root, rand) => {
      const dir = join(root, 'overlay2', pick(cacheIds(root), rand), 'diff');
      writeFileSync(join(dir, 'new\nline'), 'x');
      execFileSync('sh', ['-c', `printf x > "$(printf '${dir}/bad\\377name')"`]);
      return undefined;
    },
  },
  {
    name: '10 GB sparse file',
    apply: (root, rand) => {
      const file = join(root, 'overlay2', pick(cacheIds(root), rand), 'diff', 'sparse.img');
      closeSync(openSync(file, 'w'));
      truncateSync(file, 10 * 1024 ** 3);
      return undefined;
    },
  },
];

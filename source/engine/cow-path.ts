// Paths inside the view: absolute, split into components. `..` is kept for the physical walk (it
// must apply after symlinks, as in the kernel) but a path that climbs above "/" on its own is refused.
import {CowError} from './cow-errors.js';

/** Components of an absolute view path with "" and "." dropped; trailing slashes are ignored. */
export function viewComponents(path: string, syscall: string): string[] {
  if (!path.startsWith('/')) throw new CowError('EINVAL', syscall, path, 'view paths must be absolute');
  if (path.includes('\0')) throw new CowError('EINVAL', syscall, path, 'path contains a NUL byte');
  const components = path.split('/').filter((part) => part !== '' && part !== '.');
  let depth = 0;
  for (const part of components) {
    depth += part === '..' ? -1 : 1;
    if (depth < 0) throw new CowError('EINVAL', syscall, path, 'path escapes the view root');
  }
  return components;
}

/** Components of a symlink target. Absolute targets restart at the view root, like inside the
 *  container (chroot semantics), never on the host. */
export function linkComponents(target: string): {absolute: boolean; components: string[]} {
  return {absolute: target.startsWith('/'), components: target.split('/').filter((part) => part !== '' && part !== '.')};
}

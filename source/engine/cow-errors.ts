// POSIX-like errors for the copy-on-write view, shaped like Node's fs errors (code, syscall, path)
// so callers can handle both the same way.

export type CowErrorCode = 'ENOENT' | 'EEXIST' | 'ENOTDIR' | 'ENOTEMPTY' | 'EISDIR' | 'EXDEV' | 'EINVAL' | 'EPERM' | 'EBUSY' | 'ELOOP' | 'ENOTSUP';

const DESCRIPTIONS: Record<CowErrorCode, string> = {
  ENOENT: 'no such file or directory',
  EEXIST: 'file already exists',
  ENOTDIR: 'not a directory',
  ENOTEMPTY: 'directory not empty',
  EISDIR: 'is a directory',
  EXDEV: 'cross-device link not permitted (directory exists in a lower layer)',
  EINVAL: 'invalid argument',
  EPERM: 'operation not permitted',
  EBUSY: 'resource busy or locked',
  ELOOP: 'too many symbolic links encountered',
  ENOTSUP: 'operation not supported',
};

export class CowError extends Error {
  readonly code: CowErrorCode;
  readonly syscall: string;
  readonly path: string;

  constructor(code: CowErrorCode, syscall: string, path: string, detail?: string) {
    super(`${code}: ${detail ?? DESCRIPTIONS[code]}, ${syscall} '${path}'`);
    this.name = 'CowError';
    this.code = code;
    this.syscall = syscall;
    this.path = path;
  }
}

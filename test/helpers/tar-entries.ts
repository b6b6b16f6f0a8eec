// Layer tars made entry by entry with the project's own tar encoder, for tests of what is applied.
import {Readable} from 'node:stream';
import type {TarHeader} from '../../source/tar/encode.js';

/** A regular file's header, with `over` changing what the test is about. */
export const header = (name: string, over: Partial<TarHeader> = {}): TarHeader => ({
  name,
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  size: 0,
  mtime: 0,
  linkname: '',
  devmajor: 0,
  devminor: 0,
  xattrs: {},
  ...over,
});

/** Encoded entries followed by the two zero blocks that end a tar. */
export const tarOf = (...entries: Buffer[]): Readable => Readable.from([Buffer.concat([...entries, Buffer.alloc(1024)])]);

// The demo's base root filesystem as a tar, made in memory with fixed owners and times (so every demo
// build imports the same layer): busybox and its applet links when the host has /bin/busybox
// (Debian's busybox-static), else a few plain files.
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {encodeHeader, type EntryType} from '../tar/encode.js';

const BUSYBOX = '/bin/busybox';
const MTIME = 1767225600; // 2026-01-01T00:00:00Z

interface Entry {
  name: string;
  type: EntryType;
  mode: number;
  content?: Buffer;
  linkname?: string;
}

function busyboxEntries(): Entry[] {
  const applets = execFileSync(BUSYBOX, ['--list'], {encoding: 'utf8'})
    .split('\n')
    .filter((a) => a && a !== 'busybox');
  return [
    {name: 'bin/busybox', type: 'file', mode: 0o755, content: readFileSync(BUSYBOX)},
    ...applets.sort().map((a): Entry => ({name: `bin/${a}`, type: 'symlink', mode: 0o777, linkname: 'busybox'})),
  ];
}

function plainEntries(): Entry[] {
  return [{name: 'etc/os-release', type: 'file', mode: 0o644, content: Buffer.from('NAME="layerscope demo base"\nID=layerscope-demo\n')}];
}

export function hasBusybox(): boolean {
  return existsSync(BUSYBOX);
}

/** The tar bytes of the base image's root filesystem, all owned by root. */
export function demoRootfsTar(): Buffer {
  const dirs: Entry[] = ['bin/', 'etc/', 'opt/', 'usr/', 'usr/lib/', 'var/', 'var/log/'].map((name) => ({name, type: 'dir', mode: 0o755}));
  dirs.push({name: 'root/', type: 'dir', mode: 0o700}, {name: 'tmp/', type: 'dir', mode: 0o1777});
  const files: Entry[] = [
    {name: 'etc/passwd', type: 'file', mode: 0o644, content: Buffer.from('root:x:0:0:root:/root:/bin/sh\n')},
    {name: 'etc/group', type: 'file', mode: 0o644, content: Buffer.from('root:x:0:\n')},
  ];
  const entries = [...dirs, ...files, ...(hasBusybox() ? busyboxEntries() : plainEntries())].sort((a, b) => a.name.localeCompare(b.name));
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const size = e.content?.length ?? 0;
    blocks.push(
      encodeHeader({
        name: e.name,
        type: e.type,
        mode: e.mode,
        uid: 0,
        gid: 0,
        size,
        mtime: MTIME,
        linkname: e.linkname ?? '',
        devmajor: 0,
        devminor: 0,
        xattrs: {},
      }),
    );
    if (e.content) blocks.push(e.content, Buffer.alloc((512 - (size % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

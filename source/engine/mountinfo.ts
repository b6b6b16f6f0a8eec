// The mount table of this process's mount namespace (/proc/self/mountinfo), for the engine's checks on
// its own overlay mounts.
import {readFileSync} from 'node:fs';

export interface MountEntry {
  target: string;
  fstype: string;
  source: string;
  /** the super block options (overlay's lowerdir=, upperdir=, ...) */
  options: string;
}

const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** /proc/self/mountinfo, with octal escapes in paths decoded. */
export function mountTable(): MountEntry[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [left = '', right = ''] = line.split(' - ');
      const [fstype = '', source = '', options = ''] = right.split(' ');
      return {target: unescape(left.split(' ')[4] ?? ''), fstype, source: unescape(source), options};
    });
}

/** An overlay mount's upper directory, when it has one. */
export function upperDirOf(entry: MountEntry): string | undefined {
  const upper = /(?:^|,)upperdir=([^,]+)/.exec(entry.options)?.[1];
  return entry.fstype === 'overlay' && upper ? unescape(upper) : undefined;
}

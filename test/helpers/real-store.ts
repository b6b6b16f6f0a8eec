// real-store-a: a Docker root written by a real dockerd, with Docker's own answers about it
// (fixtures/real-store-a/, made by its make.sh). Extracting the root faithfully (xattrs,
// char-device whiteouts) needs root. Each call gives a fresh private copy, so a test may damage
// or watch it freely.
import {execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {FIXTURES, isRoot} from './fixture-root.js';

export const REAL_A = join(FIXTURES, 'real-store-a');

export const canExtract = isRoot;
export const skipReason = 'extracting a real Docker root (char-device whiteouts, trusted.* xattrs) needs root';

const made: string[] = [];

/** Extract real-store-a into a new temp directory and return its path (the data root). */
export function extractRealStoreA(): string {
  const dir = mkdtempSync(join(tmpdir(), 'layerscope-real-a-'));
  execFileSync('tar', ['--xattrs', '--xattrs-include=*', '-xzpf', join(REAL_A, 'var-lib-docker.tar.gz'), '-C', dir]);
  made.push(dir);
  return dir;
}

/** Extract only the regular files `members` (archive paths such as './volumes/metadata.db') into a
 *  new temp directory and return it: no root needed, for tests that read files, not whiteouts. */
export function extractRealStoreAFiles(...members: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'layerscope-real-a-'));
  execFileSync('tar', ['-xzf', join(REAL_A, 'var-lib-docker.tar.gz'), '-C', dir, ...members]);
  made.push(dir);
  return dir;
}

export function cleanupExtracted(): void {
  for (const dir of made.splice(0)) rmSync(dir, {recursive: true, force: true});
}

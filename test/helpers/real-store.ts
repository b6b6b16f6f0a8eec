// Extracts ../shared/real-store-a/var-lib-docker.tar.gz faithfully (xattrs, char-device whiteouts),
// which needs root. Each call gives a fresh private copy, so a test may damage or watch it freely.
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';

export const SHARED = resolve(import.meta.dirname, '../../../shared');
export const REAL_A = join(SHARED, 'real-store-a');

export const isRoot = process.getuid?.() === 0;
export const canExtract = isRoot && existsSync(join(REAL_A, 'var-lib-docker.tar.gz'));
export const skipReason = isRoot
  ? 'shared/real-store-a is missing'
  : 'extracting a real Docker root (char-device whiteouts, trusted.* xattrs) needs root';

const made: string[] = [];

/** Extract real-store-a into a new temp directory and return its path (the data root). */
export function extractRealStoreA(): string {
  const dir = mkdtempSync(join(tmpdir(), 'layerscope-real-a-'));
  execFileSync('tar', ['--xattrs', "--xattrs-include=*", '-xzpf', join(REAL_A, 'var-lib-docker.tar.gz'), '-C', dir]);
  made.push(dir);
  return dir;
}

export function cleanupExtracted(): void {
  for (const dir of made.splice(0)) rmSync(dir, {recursive: true, force: true});
}

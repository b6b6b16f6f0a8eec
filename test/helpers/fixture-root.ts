// Extracts a captured root from fixtures/<name>/root.tar.xz faithfully (xattrs, char-device
// whiteouts: needs root) into a fresh temp directory, and reads the daemon's answers beside it.
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';

/** The project's fixtures: one directory per scenario, each with the make.sh that captured it. */
export const FIXTURES = resolve(import.meta.dirname, '../../fixtures');
export const isRoot = process.getuid?.() === 0;

export function fixtureSkip(name: string): string | undefined {
  if (!existsSync(join(FIXTURES, name, 'root.tar.xz'))) return `fixtures/${name}/root.tar.xz is missing`;
  if (!isRoot) return 'extracting a real root (char-device whiteouts, trusted.* xattrs) needs root';
  return undefined;
}

const made: string[] = [];

/**
 * Extract fixtures/<name>/root.tar.xz into a new temp directory (on the temp filesystem, so block
 * counts match the capture's ext4), or under `parent` (a tmpfs, where creating many files is fast).
 */
export function extractFixture(name: string, parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, `layerscope-${name}-`));
  execFileSync('tar', ['--xattrs', '--xattrs-include=*', '-xJpf', join(FIXTURES, name, 'root.tar.xz'), '-C', dir]);
  made.push(dir);
  return dir;
}

export function cleanupFixtures(): void {
  for (const dir of made.splice(0)) rmSync(dir, {recursive: true, force: true});
}

export function answer(name: string, file: string): string {
  return readFileSync(join(FIXTURES, name, 'answers', file), 'utf8');
}

export const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean);
export const jsonLines = <T>(text: string): T[] => lines(text).map((l) => JSON.parse(l) as T);
/** Split a docker/ctr table row on runs of 2+ spaces or tabs. */
export const cells = (row: string): string[] => row.trim().split(/\s{2,}|\t+/);

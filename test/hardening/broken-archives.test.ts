// Damaged `docker save` archives: wrong header checksums, flipped bytes, truncation, in the outer
// archive and inside layer tars. Every command ends in time, never crashes, names what it could
// not read, and writes nothing (the archive's directory is unchanged).
import {copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {cli} from '../helpers/cli.js';
import {REAL_A} from '../helpers/real-store.js';
import {budget} from '../helpers/budget.js';
import {seeded} from '../helpers/random.js';

const COWLAB = join(REAL_A, 'cowlab.docker-archive.tar');
const dir = mkdtempSync(join(tmpdir(), 'layerscope-badtar-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

/** Offsets of the 512-byte tar headers of the outer archive (walking sizes, no parsing library). */
function headerOffsets(buf: Buffer): number[] {
  const out: number[] = [];
  for (let off = 0; off + 512 <= buf.length;) {
    if (buf.subarray(off, off + 512).every((b) => b === 0)) break;
    out.push(off);
    const size = parseInt(
      buf
        .subarray(off + 124, off + 136)
        .toString()
        .replace(/\0.*$/, '')
        .trim() || '0',
      8,
    );
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

type Corruption = (buf: Buffer, rand: () => number) => Buffer;

const CORRUPTIONS: Record<string, Corruption> = {
  'wrong header checksum': (buf, rand) => {
    const offs = headerOffsets(buf);
    const off = offs[Math.floor(rand() * offs.length)]!;
    const out = Buffer.from(buf);
    out.write('0000000\0', off + 148, 'latin1');
    return out;
  },
  'flipped bytes': (buf, rand) => {
    const out = Buffer.from(buf);
    for (let i = 0; i < 1 + Math.floor(rand() * 64); i++) out[Math.floor(rand() * out.length)]! ^= 1 << Math.floor(rand() * 8);
    return out;
  },
  truncated: (buf, rand) => buf.subarray(0, Math.floor(rand() * buf.length)),
  'layer tar header damaged': (buf, rand) => {
    // a header inside a layer.tar member: the first header after each member's own header
    const offs = headerOffsets(buf)
      .map((o) => o + 512)
      .filter((o) => buf.subarray(o + 257, o + 262).toString() === 'ustar');
    const off = offs[Math.floor(rand() * offs.length)] ?? 0;
    const out = Buffer.from(buf);
    out.write(rand() < 0.5 ? '../../escape\0' : '/etc/absolute\0', off, 'latin1');
    return out;
  },
};

const COMMANDS = (file: string) => [
  ['history', file],
  ['ls', file],
  ['ls', `${file}@2`, '/etc'],
  ['ci', file],
  ['diff', `${file}@1`, file],
  ['images', file],
];

function check(file: string): void {
  const before = readdirSync(dir).sort();
  const bytes = readFileSync(file);
  for (const args of COMMANDS(file)) {
    const r = cli(args, {timeout: 30_000});
    const what = `${args.join(' ')}`;
    expect(r.code, `${what} timed out or crashed: ${r.stderr}`).toBeGreaterThanOrEqual(0);
    expect(r.code, `${what}: ${r.stderr}`).toBeLessThanOrEqual(3);
    expect(r.stderr, what).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    if (r.code !== 0) expect(r.stderr.trim().length, `${what} failed silently`).toBeGreaterThan(0);
  }
  expect(readdirSync(dir).sort()).toEqual(before);
  expect(readFileSync(file).equals(bytes)).toBe(true);
}

describe('broken archives', () => {
  for (const [name, corrupt] of Object.entries(CORRUPTIONS)) {
    it(`${name}: no crash, no hang, nothing written`, () => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.tar`);
      writeFileSync(file, corrupt(readFileSync(COWLAB), seeded(11)));
      check(file);
    });
  }

  it('a wrong header checksum is reported naming the archive', () => {
    const file = join(dir, 'checksum.tar');
    writeFileSync(file, CORRUPTIONS['wrong header checksum']!(readFileSync(COWLAB), seeded(3)));
    const r = cli(['history', file]);
    expect(r.stderr).toContain(file);
  });

  const fuzz = budget('ARCHIVE_FUZZ', {quick: 4, deep: 150}, 20261126);
  it(
    'seeded fuzz over the corruptions',
    () => {
      const names = Object.keys(CORRUPTIONS);
      copyFileSync(COWLAB, join(dir, 'base.tar'));
      for (const seed of fuzz.seeds) {
        const rand = seeded(seed);
        let buf: Buffer = readFileSync(join(dir, 'base.tar'));
        for (let i = 0; i < 1 + Math.floor(rand() * 2); i++) buf = CORRUPTIONS[names[Math.floor(rand() * names.length)]!]!(buf, rand);
        const file = join(dir, `fuzz-${seed}.tar`);
        writeFileSync(file, buf);
        try {
          check(file);
        } catch (error) {
          throw new Error(`${fuzz.replay(seed)}: ${(error as Error).message}`, {cause: error});
        }
        rmSync(file);
      }
      console.log(`archive fuzz: ${fuzz.summary} damaged archives`);
    },
    120_000 + fuzz.seeds.length * 30_000,
  );
});

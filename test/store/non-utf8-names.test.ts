// Names that are not UTF-8 in a real layer directory: each is its own entry, reached by its bytes.
import {execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {directorySize} from '../../source/store/du.js';
import {Problems} from '../../source/store/problems.js';
import {scanLayerDir} from '../../source/store/scan.js';
import {readXattr} from '../../source/store/xattr.js';
import {decodeBytes, encodeBytes} from '../../source/text/escape.js';
import {noXattr, titled} from '../helpers/addons.js';

describe('names that are not UTF-8', () => {
  const dir = mkdtempSync(join(tmpdir(), 'layerscope-nonutf8-'));
  afterAll(() => rmSync(dir, {recursive: true, force: true}));
  const at = (...bytes: number[]) => Buffer.concat([Buffer.from(`${dir}/`), Buffer.from(bytes)]);
  writeFileSync(at(0xff), 'a');
  writeFileSync(at(0xfe), 'bb');
  writeFileSync(at(0x63, 0x61, 0x66, 0xe9), 'ccc'); // latin-1 "café"
  writeFileSync(at(0xc3, 0xa9), 'dddd'); // UTF-8 "é"
  writeFileSync(at(0xed, 0xa0, 0x80), 'eeeee'); // an encoded surrogate: not UTF-8

  it('differing only in invalid bytes, stay distinct entries with their own metadata', () => {
    const problems = new Problems();
    const tree = scanLayerDir(dir, problems);
    expect(problems.list).toEqual([]);
    const sizes = Object.fromEntries([...tree.children!].map(([name, node]) => [name, node.meta.size]));
    expect(sizes).toEqual({'\udcff': 1, '\udcfe': 2, 'caf\udce9': 3, é: 4, '\udced\udca0\udc80': 5});
  });

  it('count in directory sizes', () => {
    const problems = new Problems();
    expect(directorySize(dir, problems)).toBe(15);
    expect(problems.list).toEqual([]);
  });
});

describe('escaped names on output', () => {
  it('go back to their bytes; valid UTF-8 text is left as it is', () => {
    const bytes = Uint8Array.from([0x41, 0xff, 0xc3, 0xa9, 0xed, 0xa0, 0x80, 0x0a]);
    const name = decodeBytes(bytes);
    expect(name).toBe('A\udcffé\udced\udca0\udc80\n');
    expect(encodeBytes(name)).toEqual(Buffer.from(bytes));
    expect(encodeBytes('plain é')).toEqual(Buffer.from('plain é'));
  });
});

const xattrSkip = process.getuid?.() !== 0 ? 'trusted.* xattrs need root' : noXattr;
describe.skipIf(xattrSkip)(titled('xattrs of names that are not UTF-8', xattrSkip), () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'layerscope-nonutf8-x-'));
    // Made by the shell's own tools, by bytes: an opaque directory and a file with a capability.
    execFileSync('sh', [
      '-c',
      `cd "$1" && d=$(printf 'op\\377') && mkdir "$d" && setfattr -n trusted.overlay.opaque -v y "$d" && ` +
        `f=$(printf 'cap\\376') && : > "$f" && setfattr -n security.capability -v 0x0100000200200000000000000000000000000000 "$f" && ` +
        `mkdir ok && setfattr -n trusted.overlay.opaque -v y ok`,
      'sh',
      dir,
    ]);
  });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it('an opaque directory is opaque, and a file capability is read, whatever the bytes of their names', () => {
    const problems = new Problems();
    const tree = scanLayerDir(dir, problems);
    expect(problems.list).toEqual([]);
    expect(tree.children!.get('op\udcff')!.opaque).toBe(true);
    expect(tree.children!.get('ok')!.opaque).toBe(true);
    expect(readXattr(join(dir, 'cap\udcfe'), 'security.capability')?.toString('hex')).toBe('0100000200200000000000000000000000000000');
  });
});

// Names as bytes end to end: a file whose name is not UTF-8 (`bad\xffbyte`) and a neighbour that
// differs in that byte only are two files, shown escaped, found by their escaped name, exported
// with their bytes, and written into a layer tar (and read back from it) under their own name.
import {execFileSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {encodeBytes, escape, unescape} from '../../source/text/escape.js';
import {cli} from '../helpers/cli.js';
import {craftLayout, craftRoot, type CraftedRoot} from '../helpers/crafted-root.js';

const BAD = Buffer.from('bad\xffbyte', 'latin1');
const BAD2 = Buffer.from('bad\xfebyte', 'latin1');

describe('names that are not UTF-8', () => {
  let c: CraftedRoot;
  beforeAll(() => {
    c = craftRoot('overlay2');
    writeFileSync(Buffer.concat([Buffer.from(`${c.layerDir}/`), BAD]), 'ff content\n');
    writeFileSync(Buffer.concat([Buffer.from(`${c.layerDir}/`), BAD2]), 'fe content, longer\n');
  });
  afterAll(() => c.cleanup());

  it('unescape reverses escape', () => {
    for (const s of ['bad\udcffbyte', 'a\\b', 'x\x1b]0;t\x07', 'é\u202e', 'plain']) expect(unescape(escape(s))).toBe(s);
  });

  it('ls shows both, escaped; --json keeps their bytes', () => {
    const r = cli(['ls', 'crafted:1', '--root', c.root]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('/bad\\xffbyte');
    expect(r.stdout).toContain('/bad\\xfebyte');
    const json = JSON.parse(cli(['ls', 'crafted:1', '--json', '--root', c.root]).stdout) as {Path: string; Size: number}[];
    const bad = json.find((e) => encodeBytes(e.Path).equals(Buffer.concat([Buffer.from('/'), BAD])));
    expect(bad?.Size).toBe(11);
    expect(json.find((e) => encodeBytes(e.Path).equals(Buffer.concat([Buffer.from('/'), BAD2])))?.Size).toBe(19);
  });

  it('export by the escaped name writes the bytes of that file', () => {
    const out = join(c.base, 'bad.out');
    const r = cli(['export', 'crafted:1', 'bad\\xffbyte', '--out', out, '--root', c.root]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('ff content\n');
    expect(cli(['ls', 'crafted:1', '/bad\\xfebyte', '--root', c.root]).stdout).toContain('19');
  });

  it('export-layer writes the names as their bytes', () => {
    const out = join(c.base, 'layer.tar');
    const r = cli(['export-layer', 'crafted:1', '--out', out, '--root', c.root]);
    expect(r.code, r.stderr).toBe(0);
    const names = execFileSync('tar', ['--quoting-style=literal', '-tf', out]).toString('latin1').split('\n');
    expect(names).toContain('bad\xffbyte');
    expect(names).toContain('bad\xfebyte');
    // read back by the archive reader: the same two names, the same bytes
    const {dir} = craftLayout(c.base, readFileSync(out));
    const back = JSON.parse(cli(['ls', dir, '--json']).stdout) as {Path: string; Size: number}[];
    expect(back.filter((e) => e.Path.startsWith('/bad')).map((e) => [encodeBytes(e.Path).toString('latin1'), e.Size])).toEqual([
      ['/bad\xfebyte', 19],
      ['/bad\xffbyte', 11],
    ]);
    const file = join(c.base, 'from-layout.out');
    expect(cli(['export', dir, '/bad\\xffbyte', '--out', file]).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('ff content\n');
  });
});

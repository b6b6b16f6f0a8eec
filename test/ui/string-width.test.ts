// The bundle's string-width (source/ui/string-width.ts) must give string-width's own answers.
import {describe, expect, it} from 'vitest';
import stringWidth from 'string-width';
import fastStringWidth, {SIMPLE} from '../../source/ui/string-width.js';

const RANGES: [number, number][] = [
  [0x20, 0x7e],
  [0xa0, 0xac],
  [0xae, 0x2ff],
  [0x2010, 0x2027],
  [0x2030, 0x205e],
  [0x2190, 0x21ff],
  [0x2500, 0x25ff],
  [0x2800, 0x28ff],
];
const simple = RANGES.flatMap(([a, b]) => Array.from({length: b - a + 1}, (_, i) => String.fromCharCode(a + i)));

describe('string-width for the bundle', () => {
  it('SIMPLE is exactly the listed ranges', () => {
    expect(simple.every((c) => SIMPLE.test(c))).toBe(true);
    for (const c of ['\u001b', '\u009b', '\u00ad', '\u0300', '\u200d', '\u2028', '\ufe0f', '\u1100', '\u{1f600}', '\t']) expect(SIMPLE.test(c)).toBe(false);
  });

  it('no two characters of SIMPLE form one grapheme cluster, in either order', () => {
    const segmenter = new Intl.Segmenter();
    for (const a of simple) {
      // a c1 a c2 a c3 …: every pair (a, c) and (c, a)
      const text = a + simple.join(a) + a;
      let clusters = 0;
      for (const _ of segmenter.segment(text)) clusters++;
      expect(clusters, `a cluster joins ${JSON.stringify(a)} with a neighbour`).toBe(text.length);
    }
  });

  it("gives string-width's width for each character and for mixed lines, both ambiguous-width settings", () => {
    const lines = [
      '│○ idle3             created …│║  3     64B 6041ef5d2f82 ⇆1 COPY dir:4f6759b46…║',
      '╔═══════════════════════════════════════════════╗',
      'layerscope  1 Store  2 Layers',
      '▾ data/ · » ½ ×',
      '⠋ indexing /var/lib/docker…',
      'naïve café — “quotes” ‘x’ • ▶ ● ◆ ↑↓←→',
      '\u001b[31mred│\u001b[39m',
      '\u001b[1m\u001b[34m⇆1 \u001b[39m\u001b[22m  0   485kB d7c3ee1ecb8a COPY dir:d7c3…',
      '\u009b7m╔═╗\u009b27m \u001b[38;2;255;0;0m½\u001b[12345m×\u001b]8;;file:///x\u0007link\u001b]8;;\u0007',
      'emoji 😀 │',
      'e\u0301│',
      '',
    ];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let n = 0; n < 300; n++) lines.push(Array.from({length: 1 + Math.floor(random() * 40)}, () => simple[Math.floor(random() * simple.length)]).join(''));
    // Styled as Ink styles them: escape sequences around and inside the text.
    for (let n = 0; n < 100; n++) lines.push(`\u001b[1m${lines[20 + n]!.slice(0, 5)}\u001b[34m${lines[20 + n]!.slice(5)}\u001b[39m\u001b[22m`);
    for (const options of [{}, {ambiguousIsNarrow: false}, {countAnsiEscapeCodes: true}]) {
      for (const c of simple) expect(fastStringWidth(c, options), JSON.stringify(c)).toBe(stringWidth(c, options));
      for (const line of lines) expect(fastStringWidth(line, options), line).toBe(stringWidth(line, options));
    }
  });
});

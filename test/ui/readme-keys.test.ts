// README's keys section is the key table itself: the table drives dispatch, the help overlay and
// the footer, and this checks the README says the same.
import {readFileSync} from 'node:fs';
import {resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {BINDINGS, footerFor, keysMarkdown, resolveKey} from '../../source/ui/keys.js';
import {helpLines} from '../../source/ui/Overlay.js';
import {PANES} from '../../source/ui/state.js';

describe('the key table', () => {
  it("is README's keys section, word for word", () => {
    const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const marker = '<!-- keys: generated from source/ui/keys.ts; test/ui/readme-keys.test.ts checks it -->\n';
    const start = readme.indexOf(marker);
    expect(start, 'README has the keys marker').toBeGreaterThan(0);
    const section = readme.slice(start + marker.length, readme.indexOf('\n\n', start));
    expect(section, `README's keys section should be:\n${keysMarkdown()}`).toBe(keysMarkdown());
  });

  it('every binding works where it says, and the help lists it', () => {
    const help = helpLines(78)
      .map((l) => `${l.keys} ${l.text}`)
      .join('\n');
    for (const b of BINDINGS) {
      expect(help).toContain(b.help.split(' ')[0]);
      for (const pane of PANES) {
        for (const k of b.keys) {
          const r = resolveKey(k, pane);
          // In a pane it covers, the key runs a command (this one, or a pane's own meaning listed before it).
          if (b.where.includes(pane) || b.where.includes('everywhere')) expect(r.command, `${k} in ${pane}`).toBeDefined();
        }
      }
    }
  });

  it("each pane's footer shows its own keys", () => {
    expect(footerFor('view')).toMatch(/^q back · ctrl\+e extract · d diff · x hex/);
    expect(footerFor('view')).not.toContain('q quit');
    expect(footerFor('files')).toContain('ctrl+e extract');
    expect(footerFor('store')).toContain('m mark');
    expect(footerFor('store')).not.toContain('extract');
  });
});

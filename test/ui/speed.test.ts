// A 100k-entry tree scrolls like a 100-entry one: key press → frame, measured in the app.
import {describe, expect, it} from 'vitest';
import {KEYS, renderApp} from './helpers.js';
import {MemStore, wideTree} from './mem-store.js';

/** Median milliseconds from a key press to the frame that shows its effect. */
async function keyToFrame(dirs: number, files: number, keys: string[]): Promise<number> {
  const ui = await renderApp(new MemStore(wideTree(dirs, files)), 'big:1');
  await ui.press('3', 't');
  await ui.waitFor((f) => f.includes('merged view') && f.includes('f00000'), 'the tree', 30_000);
  const times: number[] = [];
  for (const key of keys) {
    const before = ui.frame();
    const t0 = performance.now();
    ui.stdin.write(key);
    await ui.waitFor((f) => f !== before, 'a new frame');
    times.push(performance.now() - t0);
  }
  ui.unmount();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

describe('scrolling speed', () => {
  it('moves through a 100k-entry tree about as fast as through a 100-entry one', async () => {
    const keys = [...Array<string>(20).fill(KEYS.down), ...Array<string>(5).fill(KEYS.pageDown), ...Array<string>(10).fill(KEYS.up)];
    const small = await keyToFrame(10, 10, keys);
    const big = await keyToFrame(100, 1000, keys);
    console.log(`key → frame (median): 100 entries ${small.toFixed(1)} ms, 100k entries ${big.toFixed(1)} ms`);
    expect(big).toBeLessThan(Math.max(100, small * 5));
  });
});

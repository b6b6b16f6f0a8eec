// Key handling: one frame per key, and keys that arrive together are each applied to the state
// the previous one made.
import {afterEach, describe, expect, it} from 'vitest';
import {renderApp, type Ui} from './helpers.js';
import {MemStore, wideTree} from './mem-store.js';

describe('keys', () => {
  let ui: Ui | undefined;
  afterEach(() => {
    ui?.unmount();
    ui = undefined;
  });

  const openFiles = async (): Promise<Ui> => {
    const u = await renderApp(new MemStore(wideTree(3, 5)), 'big:1');
    await u.press('3');
    await u.waitFor((f) => f.includes('▶ Files') && f.includes(' 1/'), 'the files pane');
    // Background work (efficiency, the row count) waits for a pause in the keys: let it finish.
    await u.settle(300);
    return u;
  };

  it('draws one frame per key', async () => {
    ui = await openFiles();
    const before = ui.allFrames().length;
    await ui.press('j');
    await ui.settle(50);
    expect(ui.allFrames().length - before).toBe(1);
    expect(ui.frame()).toContain(' 2/');
  });

  it('applies keys that arrive in one read one after the other, a frame each', async () => {
    ui = await openFiles();
    const before = ui.allFrames().length;
    ui.stdin.write('jjjj');
    await ui.settle(50);
    const frames = ui.allFrames().slice(before);
    expect(frames.map((f) => / (\d+)\/(\d+|…)/.exec(f)?.[1])).toEqual(['2', '3', '4', '5']);
  });

  it('applies keys that arrive in separate reads before a frame to the state the previous one made', async () => {
    ui = await openFiles();
    ui.stdin.write('j');
    ui.stdin.write('j');
    ui.stdin.write('j');
    await ui.settle(50);
    expect(ui.frame()).toContain(' 4/');
  });
});

describe('row counter', () => {
  it('counts a 61k-entry tree when keys pause, instead of showing the rows flattened so far', async () => {
    const ui = await renderApp(new MemStore(wideTree(61, 1000)), 'big:1');
    try {
      await ui.press('3');
      const first = await ui.waitFor((f) => f.includes('▶ Files'), 'the files pane');
      expect(first).toMatch(/ 1\/(…|61061)/);
      await ui.waitFor((f) => f.includes(' 1/61061'), 'the full count');
    } finally {
      ui.unmount();
    }
  });
});

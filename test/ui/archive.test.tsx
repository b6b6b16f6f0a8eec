// The explorer on a `docker save` archive: the same panes, read from the tar without extracting it.
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {ArchiveStore} from '../../source/store/archive.js';
import {REAL_A} from '../helpers/real-store.js';
import {renderApp, type Ui} from './helpers.js';

describe('explorer on a docker save archive', () => {
  let ui: Ui | undefined;
  afterEach(() => {
    ui?.unmount();
    ui = undefined;
  });

  it("opens cowlab's archive on layer 6 and shows its changes: the opaque /etc/apache2", async () => {
    const store = await ArchiveStore.open(join(REAL_A, 'cowlab.docker-archive.tar'));
    ui = await renderApp(store, 'cowlab:1@6');
    const frame = await ui.waitFor((f) => f.includes('site.conf'), 'layer 6 changes');
    expect(frame).toContain('Layers of cowlab:1');
    expect(frame).toMatch(/apache2\/ \[opaque\]/);
    expect(frame).toMatch(/D .*apache2\.conf/);
    expect(frame).toMatch(/A .*site\.conf/);
  });
});

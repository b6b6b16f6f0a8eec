// The explorer on containerd stores: the header names the kind and namespace; images, containers
// and their layers show like on a classic Docker root, attestations as an archive shows them.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, afterEach, describe, expect, it} from 'vitest';
import {openSource} from '../../source/store/open.js';
import {answer, cleanupFixtures, extractFixture, fixtureSkip} from '../helpers/fixture-root.js';
import {KEYS, renderApp, type Ui} from './helpers.js';

const skip = fixtureSkip('containerd') ?? fixtureSkip('containerd-docker');

describe.skipIf(!!skip)(`explorer on containerd stores${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let ui: Ui | undefined;
  afterEach(() => {
    ui?.unmount();
    ui = undefined;
  });
  afterAll(cleanupFixtures);

  it("a containerd root: [containerd k8s.io] in the header, its images, a container's snapshot layers", async () => {
    const root = join(extractFixture('containerd'), 'root');
    ui = await renderApp(await openSource(root, {namespace: 'k8s.io'}), 'run1');
    const frame = await ui.waitFor((f) => f.includes('Layers of run1'), 'the layers of run1');
    expect(frame).toContain('[containerd k8s.io]');
    expect(frame).toMatch(/rw\s/);
  });

  it("a Docker root on the containerd image store: [docker containerd-store moby], its containers' writable layers", async () => {
    const dir = extractFixture('containerd-docker');
    const store = await openSource(join(dir, 'docker-root'), {containerdRoot: join(dir, 'containerd-root')});
    ui = await renderApp(store, 'c2');
    const frame = await ui.waitFor((f) => f.includes('Layers of c2'), 'the layers of c2');
    expect(frame).toContain('[docker containerd-store moby]');
    expect(frame).toContain('init');
    // rows are numbered along the chain the kernel mounts, as `c2@N` counts: the two build -init
    // snapshots under app:1's layers come before c2's init and rw snapshots
    expect(frame).toContain('c2@7');
  });

  it("a BuildKit image's attestation on the containerd image store: a row after its layers, the statement containerd stores in the file view", async () => {
    const dir = extractFixture('containerd-docker');
    const store = await openSource(join(dir, 'docker-root'), {containerdRoot: join(dir, 'containerd-root')});
    const index = JSON.parse(answer('containerd-docker', 'index-bk.json')) as {manifests: {digest: string; annotations?: Record<string, string>}[]};
    const digest = index.manifests.find((m) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest')!.digest;
    const blob = (d: string) => readFileSync(join(dir, 'containerd-root', 'io.containerd.content.v1.content', 'blobs', 'sha256', d.slice(7)), 'utf8');
    const statement = JSON.parse(blob((JSON.parse(blob(digest)) as {layers: {digest: string}[]}).layers[0]!.digest)) as {predicateType: string; _type: string};
    ui = await renderApp(store, 'bk:1');
    await ui.waitFor((f) => f.includes('Layers of bk:1'), 'the layers of bk:1');
    await ui.press('2', 'G');
    await ui.waitFor(
      (f) => f.includes(`${digest.slice(7, 19)} attestation attestation-manifest: ${statement.predicateType.slice(0, 1)}`),
      'the attestation row',
    );
    await ui.press(KEYS.enter);
    await ui.waitFor((f) => f.includes('slsa.dev_provenance_v0.2.json'), 'the statement file');
    await ui.press(KEYS.enter);
    const frame = await ui.waitFor((f) => f.includes(`"predicateType": "${statement.predicateType}"`), 'the statement, indented');
    expect(frame).toContain(`"_type": "${statement._type}"`);
  });
});

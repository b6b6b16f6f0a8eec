// A real podman root on containers-storage's vfs driver (fixtures/podman-vfs/make.sh): full copies
// per layer, changes from comparing trees. Compared with podman's answers recorded beside it.
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cli, cliJson} from '../helpers/cli.js';
import {answer, cleanupFixtures, extractFixture, fixtureSkip, lines} from '../helpers/fixture-root.js';

const why = fixtureSkip('podman-vfs');
const json = <T>(file: string) => JSON.parse(answer('podman-vfs', file)) as T;
const hex = (id: string) => id.replace(/^sha256:/, '');

describe.skipIf(why)(`a podman vfs root vs podman's answers${why ? ` (skipped: ${why})` : ''}`, () => {
  let root = '';
  beforeAll(() => {
    root = join(extractFixture('podman-vfs'), 'root');
  });
  afterAll(cleanupFixtures);

  it('images -a and history equal podman (ids, sizes, parents)', () => {
    const want = json<{Id: string; ParentId: string; Size: number}[]>('images.json');
    const got = cliJson<{ID: string; Size: number; ParentId?: string}[]>(['images', '--root', root]);
    expect(got.map((g) => [hex(g.ID), g.Size, hex(g.ParentId ?? '')]).sort()).toEqual(want.map((w) => [w.Id, w.Size, w.ParentId]).sort());
    const history = cliJson<{ID: string; CreatedBy: string; Size: number}[]>(['history', 'two:1', '--root', root]);
    expect(history.map((h) => [hex(h.ID), h.CreatedBy, h.Size])).toEqual(
      json<{id: string; CreatedBy: string; size: number}[]>('history-two.json').map((w) => [w.id, w.CreatedBy, w.size]),
    );
  });

  for (const [ref, file] of [
    ['v1', 'diff-v1.txt'],
    ['v2', 'diff-v2.txt'],
    ['two:1', 'diff-image-two.txt'],
  ]) {
    it(`diff ${ref} equals podman diff, in podman's order`, () => {
      const r = cli(['diff', ref!, '--root', root]);
      expect(r.code, r.stderr).toBe(0);
      expect(lines(r.stdout)).toEqual(lines(answer('podman-vfs', file!)));
    });
  }

  it("containers' sizes equal podman ps --size; mounts equal podman inspect", () => {
    const df = cliJson<{Containers: {ID: string; SizeRw: number}[]}>(['df', '--root', root]);
    for (const c of json<{Id: string; Size: {rwSize: number}}[]>('ps.json')) expect(df.Containers.find((g) => g.ID === c.Id)?.SizeRw, c.Id).toBe(c.Size.rwSize);
    const here = (p: string) => p.replace(`${answer('podman-vfs', 'workdir.txt').trim()}/root/`, `${root}/`);
    const want = json<{Mounts: {Source: string}[]}[]>('inspect-v1.json')[0]!.Mounts.map((m) => ({...m, Source: here(m.Source)}));
    expect(cliJson<unknown[]>(['mounts', 'v1', '--root', root])).toEqual(want);
  });
});

// The SQLite reader on podman 5's libpod state (fixtures/podman/db.sql, written by Python's
// sqlite3: see fixtures/podman/sqlite.sh) and on damaged copies of it.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {parseSqlite, SqliteError} from '../../source/store/sqlite.js';
import {FIXTURES} from '../helpers/fixture-root.js';

const DB = join(FIXTURES, 'podman', 'db.sql');

describe('SQLite reader', () => {
  it('lists the tables and rows sqlite3 wrote, overflowing JSON included', () => {
    const db = parseSqlite(readFileSync(DB), DB);
    expect(db.tables()).toEqual(expect.arrayContaining(['DBConfig', 'ContainerConfig', 'ContainerState', 'VolumeConfig', 'ContainerVolume']));
    const configs = db.rows('ContainerConfig');
    expect(configs.map((r) => r.Name).sort()).toEqual(['p1', 'p2', 'p3']);
    for (const r of configs) expect((JSON.parse(String(r.JSON)) as {id: string}).id).toBe(r.ID);
    expect(db.rows('DBConfig')[0]).toMatchObject({ID: 1, GraphDriver: 'overlay'});
    expect(db.rows('ContainerState').every((r) => typeof r.State === 'number')).toBe(true);
  });

  it('truncated or damaged files throw a SqliteError naming the file, never hang', () => {
    const buf = readFileSync(DB);
    expect(() => parseSqlite(buf.subarray(0, 50), 'x.sql')).toThrow(SqliteError);
    expect(() => parseSqlite(buf.subarray(0, 4096 + 100), 'x.sql').rows('ContainerConfig')).toThrow(/x\.sql: page \d+/);
    // Every byte of the first pages flipped in turn: an answer or a SqliteError, nothing else.
    for (let at = 100; at < Math.min(buf.length, 3 * 4096); at += 3) {
      const bad = Buffer.from(buf);
      bad[at] = bad[at]! ^ 0xff;
      try {
        const db = parseSqlite(bad, 'x.sql');
        for (const t of db.tables()) db.rows(t);
      } catch (err) {
        if (!(err instanceof SqliteError)) throw new Error(`byte ${at}: ${(err as Error).message}`);
      }
    }
  });
});

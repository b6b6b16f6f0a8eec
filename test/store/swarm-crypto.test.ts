// The primitives that open swarmkit's raft log, against published answers: libsodium's XSalsa20
// stream and NaCl secretbox test vectors (test/default/stream.exp, secretbox.c / secretbox.exp),
// RFC 8439's Poly1305 vector and openssl's Poly1305 on random input, the Fernet spec's token, the
// CRC-32C check value; and the raft DEKs of real swarm-node.key files (fixtures/cluster-volumes).
import {execFileSync, spawnSync} from 'node:child_process';
import {createHash, randomBytes} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {decrypt, fernetOpen, readDeks} from '../../source/store/swarm/crypt.js';
import {crc32c} from '../../source/store/swarm/raft-log.js';
import {poly1305, secretboxOpen, xsalsa20} from '../../source/store/swarm/secretbox.js';
import {cleanupFixtures, extractFixture, fixtureSkip} from '../helpers/fixture-root.js';

const hex = (s: string) => Buffer.from(s.replace(/[\s,]|0x/g, ''), 'hex');

// NaCl's tests/secretbox.c: "firstkey" and its nonce.
const KEY = hex('1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389');
const NONCE = hex('69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37');

describe('XSalsa20-Poly1305 (NaCl secretbox)', () => {
  it("XSalsa20's stream: libsodium stream.exp (sha256 of 4 MiB; its last line: 63 bytes of stream over a buffer filled with 0x3f)", () => {
    const stream = xsalsa20(KEY, NONCE, Buffer.alloc(4194304));
    expect(createHash('sha256').update(stream).digest('hex')).toBe('662b9d0e3463029156069b12f918691a98f7dfb2ca0393c96bbfc6b1fbd630a2');
    expect(Buffer.concat([stream.subarray(0, 63), Buffer.from([0x3f])]).toString('hex')).toBe(
      'eea6a7251c1e72916d11c2cb214d3c252539121d8e234e652d651fa4c8cff880309e645a74e9e0a60d8243acd9177ab51a1beb8d5a2f5d700c093c5e5585573f',
    );
    // Starting mid-stream (past Poly1305's 32 bytes, across a block boundary) gives the same bytes.
    expect(xsalsa20(KEY, NONCE, Buffer.alloc(100), 32)).toEqual(stream.subarray(32, 132));
  });

  it("opens NaCl's secretbox vector (secretbox.c's message, secretbox.exp's box) and refuses it altered", () => {
    const message = hex(
      `be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705`,
    );
    const box = hex(
      `f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74e355a5`,
    );
    expect(secretboxOpen(box, NONCE, KEY)).toEqual(message);
    for (const at of [0, 15, 16, box.length - 1]) {
      const bad = Buffer.from(box);
      bad[at]! ^= 1;
      expect(secretboxOpen(bad, NONCE, KEY), `byte ${at} altered`).toBeUndefined();
    }
    const otherKey = Buffer.from(KEY);
    otherKey[0]! ^= 0x80;
    expect(secretboxOpen(box, NONCE, otherKey)).toBeUndefined();
  });

  it("Poly1305: RFC 8439 §2.5.2's vector", () => {
    const key = hex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b');
    expect(poly1305(key, Buffer.from('Cryptographic Forum Research Group')).toString('hex')).toBe('a8061dc1305136c6c22b8baf0c0127a9');
  });

  const openssl = spawnSync('openssl', ['mac', '-help']).status === 0 ? undefined : 'openssl has no `mac` command here';
  it.skipIf(!!openssl)(`Poly1305: as openssl's POLY1305 MAC says, on random keys and lengths${openssl ? ` (skipped: ${openssl})` : ''}`, () => {
    for (const len of [0, 1, 15, 16, 17, 1000]) {
      const key = randomBytes(32);
      const msg = randomBytes(len);
      const theirs = execFileSync('openssl', ['mac', '-macopt', `hexkey:${key.toString('hex')}`, 'POLY1305'], {input: msg})
        .toString()
        .trim()
        .toLowerCase();
      expect(poly1305(key, msg).toString('hex'), `${len} bytes`).toBe(theirs);
    }
  });
});

describe('Fernet (swarmkit in FIPS mode)', () => {
  // The Fernet spec's generate.json / verify.json token.
  const secret = Buffer.from('cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=', 'base64url');
  const token = Buffer.from('gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==');

  it("opens the spec's token, whatever its age (swarmkit checks no TTL), and refuses it altered or under another key", () => {
    expect(fernetOpen(token, secret)?.toString()).toBe('hello');
    const bad = Buffer.from(token);
    bad[40] = bad[40] === 0x41 ? 0x42 : 0x41;
    expect(fernetOpen(bad, secret)).toBeUndefined();
    expect(fernetOpen(token, Buffer.alloc(32, 1))).toBeUndefined();
  });

  it('a MaybeEncryptedRecord of algorithm 2 (fernet) decrypts through the same door as secretbox', () => {
    // algorithm = 2 (varint), data = 2 (bytes): the record swarmkit's Fernet encrypter writes.
    const record = Buffer.concat([Buffer.from([0x08, 0x02, 0x12, token.length]), token]);
    expect(decrypt(record, [Buffer.alloc(32, 7), secret]).toString()).toBe('hello');
    expect(() => decrypt(record, [Buffer.alloc(32, 7)])).toThrow(/none of the 1 raft DEK opens/);
  });
});

it('CRC-32C (Castagnoli): the check value of "123456789", and continued across pieces', () => {
  expect(crc32c(0, Buffer.from('123456789')).toString(16)).toBe('e3069283');
  expect(crc32c(crc32c(0, Buffer.from('1234')), Buffer.from('56789'))).toBe(0xe3069283);
});

const skip = fixtureSkip('cluster-volumes');
describe.skipIf(!!skip)(`the raft DEKs of real swarm-node.key files (fixtures/cluster-volumes)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir: string;
  beforeAll(() => {
    dir = extractFixture('cluster-volumes');
  });
  afterAll(cleanupFixtures);

  it('unlocked: one 32-byte DEK in the clear (raft-dek); autolocked: encrypted with the unlock key, so not to be had', () => {
    const deks = readDeks(readFileSync(`${dir}/docker-root/swarm/certificates/swarm-node.key`, 'utf8'));
    expect('keys' in deks && deks.keys.map((k) => k.length)).toEqual([32]);
    const locked = readDeks(readFileSync(`${dir}/locked-swarm/certificates/swarm-node.key`, 'utf8'));
    expect(locked).toEqual({
      locked: expect.stringMatching(/autolocked: its raft DEK is encrypted \(NaCl secretbox \(XSalsa20-Poly1305\)\) with the unlock key/),
    });
  });
});

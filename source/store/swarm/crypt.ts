// How swarmkit encrypts its raft log (manager/encryption): every WAL entry's data and every
// snapshot's data is a MaybeEncryptedRecord {algorithm = 1, data = 2, nonce = 3}: NaCl secretbox
// (the default), Fernet (AES-128-CBC + HMAC-SHA256, when the swarm runs in FIPS mode) or none.
// The data encryption keys (DEKs) are PEM headers of the manager's TLS key
// (swarm/certificates/swarm-node.key: `raft-dek`, and `raft-dek-pending` while a rotation is under
// way), each itself a MaybeEncryptedRecord: stored as is (algorithm none) unless the swarm is
// autolocked, when the key-encryption key is the unlock key, which the root does not hold (the user
// may give it: `docker swarm unlock-key -q` prints it as SWMKEY-1-<unpadded base64 of 32 bytes>).
import {createDecipheriv, createHmac, timingSafeEqual} from 'node:crypto';
import {closeSync, openSync, readSync} from 'node:fs';
import {Message} from '../protobuf.js';
import {secretboxOpen} from './secretbox.js';

export const NONE = 0;
export const SECRETBOX = 1;
export const FERNET = 2;

const ALGORITHMS: Record<number, string> = {[NONE]: 'none', [SECRETBOX]: 'NaCl secretbox (XSalsa20-Poly1305)', [FERNET]: 'Fernet (AES-128-CBC)'};

export class DecryptError extends Error {
  override name = 'DecryptError';
}

export interface EncryptedRecord {
  algorithm: number;
  data: Buffer;
  nonce: Buffer;
}

export function parseRecord(buf: Buffer): EncryptedRecord {
  const m = new Message(buf);
  return {algorithm: m.int(1), data: m.bytes(2) ?? Buffer.alloc(0), nonce: m.bytes(3) ?? Buffer.alloc(0)};
}

export const algorithmName = (n: number): string => ALGORITHMS[n] ?? `unknown algorithm ${n}`;

/** A Fernet token's plaintext (fernet spec: version 0x80, time, IV, ciphertext, HMAC), or undefined when it does not verify. */
export function fernetOpen(token: Buffer, key: Buffer): Buffer | undefined {
  const raw = Buffer.from(token.toString('latin1'), 'base64url');
  if (key.length !== 32 || raw.length < 1 + 8 + 16 + 16 + 32 || raw[0] !== 0x80 || (raw.length - 57) % 16 !== 0) return undefined;
  const mac = raw.subarray(raw.length - 32);
  if (
    !timingSafeEqual(
      createHmac('sha256', key.subarray(0, 16))
        .update(raw.subarray(0, raw.length - 32))
        .digest(),
      mac,
    )
  )
    return undefined;
  const decipher = createDecipheriv('aes-128-cbc', key.subarray(16), raw.subarray(9, 25));
  try {
    return Buffer.concat([decipher.update(raw.subarray(25, raw.length - 32)), decipher.final()]);
  } catch {
    return undefined;
  }
}

/**
 * The plaintext of a serialized MaybeEncryptedRecord, trying each key (swarmkit's MultiDecrypter:
 * during a DEK rotation records of both keys exist). Throws a DecryptError saying why not.
 */
export function decrypt(buf: Buffer, keys: Buffer[]): Buffer {
  const r = parseRecord(buf);
  if (r.algorithm === NONE) return r.data;
  for (const key of keys) {
    let out: Buffer | undefined;
    if (r.algorithm === SECRETBOX) {
      if (r.nonce.length !== 24) throw new DecryptError(`a secretbox record with a ${r.nonce.length}-byte nonce (24 expected)`);
      out = secretboxOpen(r.data, r.nonce, key);
    } else if (r.algorithm === FERNET) out = fernetOpen(r.data, key);
    else throw new DecryptError(`a record encrypted with ${algorithmName(r.algorithm)}`);
    if (out) return out;
  }
  throw new DecryptError(
    `a ${algorithmName(r.algorithm)} record that none of the ${keys.length} raft DEK${keys.length === 1 ? '' : 's'} opens (damaged, or written with another key)`,
  );
}

/** The raft DEKs of a manager's TLS key, or why they cannot be had. */
export type Deks = {keys: Buffer[]} | {locked: string} | {missing: string};

/** PEM headers (`Name: value` lines after the BEGIN line) of the first block of `pem`. */
export function pemHeaders(pem: string): Map<string, string> {
  const headers = new Map<string, string>();
  const lines = pem.split(/\r?\n/);
  const begin = lines.findIndex((l) => l.startsWith('-----BEGIN '));
  for (const line of lines.slice(begin + 1)) {
    const m = /^([\w-]+):\s*(.*)$/.exec(line);
    if (!m) break;
    headers.set(m[1]!, m[2]!);
  }
  return headers;
}

const UNLOCK_KEY_PREFIX = 'SWMKEY-1-';

/** The key-encryption key an unlock key (`SWMKEY-1-…`, as `docker swarm unlock-key -q` prints it) stands for. */
export function parseUnlockKey(text: string): Buffer {
  const key = text.trim();
  const body = key.startsWith(UNLOCK_KEY_PREFIX) ? key.slice(UNLOCK_KEY_PREFIX.length) : undefined;
  const bytes = body !== undefined && /^[A-Za-z0-9+/]+$/.test(body) ? Buffer.from(body, 'base64') : undefined;
  if (!bytes || bytes.length !== 32)
    throw new Error(`not a swarm unlock key (SWMKEY-1- and 43 base64 characters, as \`docker swarm unlock-key -q\` prints it)`);
  return bytes;
}

/** The unlock key in `file` (given by the user; `-`: standard input, for `docker swarm unlock-key -q |`), read to 4 KiB at most. */
export function readUnlockKeyFile(file: string): Buffer {
  try {
    const fd = file === '-' ? 0 : openSync(file, 'r');
    try {
      const buf = Buffer.alloc(4096);
      let n = 0;
      for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
      return parseUnlockKey(buf.subarray(0, n).toString('latin1'));
    } finally {
      if (fd !== 0) closeSync(fd);
    }
  } catch (err) {
    throw new Error(`--swarm-unlock-key-file ${file}: ${(err as Error).message}`);
  }
}

/** The raft DEKs in a manager's TLS key; `unlockKey` opens them when the swarm is autolocked. */
export function readDeks(pem: string, unlockKey?: Buffer): Deks {
  const headers = pemHeaders(pem);
  const keys: Buffer[] = [];
  for (const name of ['raft-dek', 'raft-dek-pending']) {
    const value = headers.get(name);
    if (value === undefined) continue;
    const raw = Buffer.from(value, 'base64');
    const record = parseRecord(raw);
    let dek: Buffer;
    if (record.algorithm === NONE) dek = record.data;
    else if (!unlockKey)
      return {
        locked: `the swarm is autolocked: its raft DEK is encrypted (${algorithmName(record.algorithm)}) with the unlock key, which the root does not hold; give it with --swarm-unlock-key-file FILE (\`docker swarm unlock-key -q\` on a manager prints it)`,
      };
    else {
      try {
        dek = decrypt(raw, [unlockKey]);
      } catch (err) {
        if (!(err instanceof DecryptError)) throw err;
        return {locked: `the swarm is autolocked and the unlock key given does not open its raft DEK (another swarm's key, or one rotated since)`};
      }
    }
    if (dek.length !== 32) return {missing: `${name} holds ${dek.length} bytes, not a 32-byte key`};
    keys.push(dek);
  }
  return keys.length ? {keys} : {missing: 'no raft-dek header: not the TLS key of a swarm manager'};
}

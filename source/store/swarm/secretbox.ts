// NaCl's secretbox (XSalsa20-Poly1305), opening only: swarmkit seals its raft log with it (Go's
// x/crypto/nacl/secretbox: a 16-byte Poly1305 tag, then the XSalsa20 ciphertext). Node's crypto has
// no Salsa20, so it is written out here from the specifications (Bernstein's Salsa20 and XSalsa20
// papers, RFC 8439 for Poly1305) and checked against NaCl's / libsodium's published vectors and
// openssl's Poly1305 (test/store/swarm-crypto.test.ts). Poly1305 uses BigInt: raft records are small.
import {timingSafeEqual} from 'node:crypto';

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]; // "expand 32-byte k"

const rotl = (x: number, n: number) => (x << n) | (x >>> (32 - n));

/** The 20 rounds (10 double rounds: columns, then rows) over a copy of `input`. */
function rounds(input: Uint32Array): Uint32Array {
  const x = Uint32Array.from(input);
  const qr = (a: number, b: number, c: number, d: number) => {
    x[b]! ^= rotl((x[a]! + x[d]!) | 0, 7);
    x[c]! ^= rotl((x[b]! + x[a]!) | 0, 9);
    x[d]! ^= rotl((x[c]! + x[b]!) | 0, 13);
    x[a]! ^= rotl((x[d]! + x[c]!) | 0, 18);
  };
  for (let i = 0; i < 10; i++) {
    qr(0, 4, 8, 12);
    qr(5, 9, 13, 1);
    qr(10, 14, 2, 6);
    qr(15, 3, 7, 11);
    qr(0, 1, 2, 3);
    qr(5, 6, 7, 4);
    qr(10, 11, 8, 9);
    qr(15, 12, 13, 14);
  }
  return x;
}

/** The Salsa20 input matrix: constants on the diagonal, the key around them, then 16 bytes of nonce/counter. */
function matrix(key: Buffer, sixteen: Buffer): Uint32Array {
  const s = new Uint32Array(16);
  [s[0], s[5], s[10], s[15]] = SIGMA as [number, number, number, number];
  for (let i = 0; i < 4; i++) {
    s[1 + i] = key.readUInt32LE(4 * i);
    s[11 + i] = key.readUInt32LE(16 + 4 * i);
    s[6 + i] = sixteen.readUInt32LE(4 * i);
  }
  return s;
}

/** HSalsa20: the subkey XSalsa20 derives from the key and the nonce's first 16 bytes. */
export function hsalsa20(key: Buffer, nonce16: Buffer): Buffer {
  const x = rounds(matrix(key, nonce16));
  const out = Buffer.alloc(32);
  [0, 5, 10, 15, 6, 7, 8, 9].forEach((w, i) => out.writeUInt32LE(x[w]!, 4 * i));
  return out;
}

/** `data` XORed with the XSalsa20 stream of (key, 24-byte nonce) from byte `skip` of the stream (a new buffer). */
export function xsalsa20(key: Buffer, nonce: Buffer, data: Buffer, skip = 0): Buffer {
  if (key.length !== 32 || nonce.length !== 24) throw new Error('xsalsa20: a 32-byte key and a 24-byte nonce');
  const sixteen = Buffer.alloc(16);
  nonce.copy(sixteen, 0, 16, 24);
  const input = matrix(hsalsa20(key, nonce.subarray(0, 16)), sixteen);
  const out = Buffer.alloc(data.length);
  const block = Buffer.alloc(64);
  for (let pos = 0, counter = Math.floor(skip / 64), off = skip % 64; pos < data.length; counter++, off = 0) {
    input[8] = counter >>> 0;
    input[9] = Math.floor(counter / 2 ** 32);
    const x = rounds(input);
    for (let i = 0; i < 16; i++) block.writeUInt32LE((x[i]! + input[i]!) >>> 0, 4 * i);
    for (let i = off; i < 64 && pos < data.length; i++, pos++) out[pos] = data[pos]! ^ block[i]!;
  }
  return out;
}

const P1305 = (1n << 130n) - 5n;
const CLAMP = 0x0ffffffc0ffffffc0ffffffc0fffffffn;

const le = (b: Buffer): bigint => {
  let x = 0n;
  for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]!);
  return x;
};

/** Poly1305 (RFC 8439 §2.5) of `msg` under a one-time 32-byte key. */
export function poly1305(key: Buffer, msg: Buffer): Buffer {
  const r = le(key.subarray(0, 16)) & CLAMP;
  const s = le(key.subarray(16, 32));
  let acc = 0n;
  for (let at = 0; at < msg.length; at += 16) {
    const chunk = msg.subarray(at, at + 16);
    acc = ((acc + le(chunk) + (1n << BigInt(8 * chunk.length))) * r) % P1305;
  }
  const tag = Buffer.alloc(16);
  let t = (acc + s) & ((1n << 128n) - 1n);
  for (let i = 0; i < 16; i++, t >>= 8n) tag[i] = Number(t & 0xffn);
  return tag;
}

/** secretbox.Open: the plaintext, or undefined when the tag does not verify (wrong key, or damaged). */
export function secretboxOpen(box: Buffer, nonce: Buffer, key: Buffer): Buffer | undefined {
  if (box.length < 16) return undefined;
  // The first 32 bytes of the stream are Poly1305's one-time key; the message is XORed with the rest.
  const polyKey = xsalsa20(key, nonce, Buffer.alloc(32));
  const ct = box.subarray(16);
  if (!timingSafeEqual(poly1305(polyKey, ct), box.subarray(0, 16))) return undefined;
  return xsalsa20(key, nonce, ct, 32);
}

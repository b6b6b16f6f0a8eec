// A compact binary form of a scanned change set, so a worker thread can hand its trees to the
// main thread in one transferable buffer: decoding costs a fraction of structured cloning.
import {decodeBytes, encodeBytes, hasRawBytes} from '../text/escape.js';
import {kindOfMode, type LayerNode} from '../tree/entry.js';

const WHITEOUT = 1;
const OPAQUE = 2;
const DIR = 4;
const TARGET = 8;
const META_BYTES = 4 * 4 + 8 * 4 + 4;

class Writer {
  buf = Buffer.allocUnsafe(1 << 20);
  pos = 0;
  need(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  text(s: string): void {
    // A name that is not UTF-8 travels as its bytes (text/escape.ts), others as UTF-8.
    const raw = hasRawBytes(s) ? encodeBytes(s) : undefined;
    const len = raw ? raw.length : Buffer.byteLength(s);
    this.need(4 + len);
    this.buf.writeUInt32LE(len, this.pos);
    if (raw) raw.copy(this.buf, this.pos + 4);
    else this.buf.write(s, this.pos + 4, 'utf8');
    this.pos += 4 + len;
  }
}

export function encodeTree(root: LayerNode): Buffer {
  const w = new Writer();
  const put = (n: LayerNode): void => {
    const flags = (n.whiteout ? WHITEOUT : 0) | (n.opaque ? OPAQUE : 0) | (n.children ? DIR : 0) | (n.meta.target !== undefined ? TARGET : 0);
    w.need(1);
    w.buf[w.pos++] = flags;
    w.text(n.name);
    w.need(META_BYTES);
    const m = n.meta;
    let p = w.pos;
    p = w.buf.writeUInt32LE(m.mode >>> 0, p);
    p = w.buf.writeUInt32LE(m.uid >>> 0, p);
    p = w.buf.writeUInt32LE(m.gid >>> 0, p);
    p = w.buf.writeUInt32LE(m.nlink >>> 0, p);
    p = w.buf.writeDoubleLE(m.size, p);
    p = w.buf.writeDoubleLE(m.mtimeSec, p);
    p = w.buf.writeDoubleLE(m.rdev, p);
    p = w.buf.writeDoubleLE(m.ino, p);
    w.pos = w.buf.writeUInt32LE(m.mtimeNsec >>> 0, p);
    if (m.target !== undefined) w.text(m.target);
    if (n.children) {
      w.need(4);
      w.pos = w.buf.writeUInt32LE(n.children.size, w.pos);
      for (const child of n.children.values()) put(child);
    }
  };
  put(root);
  return w.buf.subarray(0, w.pos);
}

export function decodeTree(buf: Buffer): LayerNode {
  let pos = 0;
  const text = (): string => {
    const len = buf.readUInt32LE(pos);
    const s = decodeBytes(buf.subarray(pos + 4, pos + 4 + len));
    pos += 4 + len;
    return s;
  };
  const get = (): LayerNode => {
    const flags = buf[pos++]!;
    const name = text();
    const p = pos;
    const mode = buf.readUInt32LE(p);
    pos += META_BYTES;
    const target = flags & TARGET ? text() : undefined;
    const node: LayerNode = {
      name,
      meta: {
        kind: kindOfMode(mode),
        mode,
        uid: buf.readUInt32LE(p + 4),
        gid: buf.readUInt32LE(p + 8),
        size: buf.readDoubleLE(p + 16),
        mtimeSec: buf.readDoubleLE(p + 24),
        mtimeNsec: buf.readUInt32LE(p + 48),
        rdev: buf.readDoubleLE(p + 32),
        ino: buf.readDoubleLE(p + 40),
        nlink: buf.readUInt32LE(p + 12),
        target,
      },
    };
    if (flags & WHITEOUT) node.whiteout = true;
    if (flags & OPAQUE) node.opaque = true;
    if (flags & DIR) {
      const count = buf.readUInt32LE(pos);
      pos += 4;
      const children = new Map<string, LayerNode>();
      for (let i = 0; i < count; i++) {
        const child = get();
        children.set(child.name, child);
      }
      node.children = children;
    }
    return node;
  };
  return get();
}

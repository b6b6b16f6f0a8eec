// Seeded randomness for tests, so every randomized test can be replayed from its seed.
import type {LayerItem} from './overlay.js';

/** mulberry32: a small seeded generator. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export type Rng = () => number;

export const int = (random: Rng, n: number): number => Math.floor(random() * n);
export const pick = <T>(random: Rng, items: readonly T[]): T => items[int(random, items.length)]!;

// Random overlay layers (for buildLayer in overlay.ts): few names, so layers keep colliding.
export const NAMES = ['a', 'b', 'c'];
export const FILE_MODES = [0o644, 0o600, 0o755, 0o4755, 0o2750, 0o444, 0o000];
export const DIR_MODES = [0o755, 0o700, 0o775, 0o1777, 0o2755];
export const IDS = [0, 1000, 1001];
/** 2001-01-01: lower files are older than anything a test writes. */
export const OLD = 978_307_200;

/** Short paths over three names, so layers and operations keep colliding. */
export function randomPath(random: Rng, maxDepth = 3): string {
  const depth = 1 + Math.min(int(random, maxDepth), int(random, maxDepth));
  return `/${Array.from({length: depth}, () => pick(random, NAMES)).join('/')}`;
}

/** Relative targets without "..": they stay inside the view wherever the link moves, so the
 *  kernel (which would resolve ".." and "/" on the host) and CowView must agree. */
export function randomTarget(random: Rng): string {
  const parts = Array.from({length: 1 + int(random, 2)}, () => pick(random, [...NAMES, 'x']));
  return (random() < 0.2 ? './' : '') + parts.join('/');
}

/** One layer's items: directories (some opaque), files, symlinks, hard links and whiteouts. */
export function randomLayer(random: Rng): LayerItem[] {
  const items: LayerItem[] = [];
  const kinds = new Map<string, LayerItem['kind']>();
  const count = 2 + int(random, 12);
  for (let i = 0; i < count; i++) {
    const path = randomPath(random);
    const ancestors = path
      .split('/')
      .slice(1, -1)
      .map((_, k, parts) => `/${parts.slice(0, k + 1).join('/')}`);
    if (kinds.has(path) || ancestors.some((dir) => (kinds.get(dir) ?? 'dir') !== 'dir')) continue;
    for (const dir of ancestors) kinds.set(dir, 'dir');
    const owner = {uid: pick(random, IDS), gid: pick(random, IDS)};
    const roll = random();
    let item: LayerItem;
    if (roll < 0.25) item = {kind: 'dir', path, mode: pick(random, DIR_MODES), opaque: random() < 0.25, ...owner};
    else if (roll < 0.55) {
      const xattrs = random() < 0.3 ? {'user.note': `n${int(random, 9)}`} : undefined;
      const content = 'x'.repeat(int(random, 6)) + int(random, 100);
      item = {kind: 'file', path, content, mode: pick(random, FILE_MODES), time: OLD + int(random, 1e6), xattrs, ...owner};
    } else if (roll < 0.7) item = {kind: 'symlink', path, target: randomTarget(random), time: OLD + int(random, 1e6), ...owner};
    else if (roll < 0.8) {
      const files = [...kinds].filter(([, kind]) => kind === 'file').map(([file]) => file);
      if (files.length === 0) continue;
      item = {kind: 'hardlink', path, target: pick(random, files)};
    } else item = {kind: 'whiteout', path};
    kinds.set(path, item.kind === 'hardlink' ? 'file' : item.kind);
    items.push(item);
  }
  return items;
}

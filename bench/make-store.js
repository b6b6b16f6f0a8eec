#!/usr/bin/env node
// Synthetic Docker storage root (overlay2 driver) with N files over L image layers and C
// containers, plus a matching classic `docker save` archive. Everything is derived from a seed:
// names, tree shape, contents, modes, ids and the archive bytes (the root's own timestamps are
// whatever the filesystem gives when the files are written).
//
//   node bench/make-store.js --files 100000 --layers 20 --containers 5 --seed 1 \
//        --out /tmp/ls-bench/root [--archive /tmp/ls-bench/images.tar]
//
// As root, whiteouts are char devices 0/0 (one mknod per layer, hard-linked like the kernel
// does) and opaque directories carry `trusted.overlay.opaque=y`; otherwise `.wh.NAME` and
// `.wh..wh..opq` files, which the store reads the same way.
import {createHash} from 'node:crypto';
import {execFileSync} from 'node:child_process';
import {closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import * as xattr from 'fs-xattr';

const FORMAT = 3; // bump when the generated shape changes: cached stores are rebuilt

// ---------------------------------------------------------------------------------------------
// Seeded randomness

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(seed) {
    this.next = mulberry32(seed);
  }
  int(n) {
    return Math.floor(this.next() * n);
  }
  pick(list) {
    return list[this.int(list.length)];
  }
  chance(p) {
    return this.next() < p;
  }
  hex(bytes = 32) {
    let s = '';
    for (let i = 0; i < bytes; i++) s += this.int(256).toString(16).padStart(2, '0');
    return s;
  }
  short() {
    const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    let s = '';
    for (let i = 0; i < 26; i++) s += A[this.int(32)];
    return s;
  }
}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

// ---------------------------------------------------------------------------------------------
// The model: layers as maps path -> entry, then images, containers

const TOP_DIRS = ['bin', 'etc', 'lib', 'opt', 'srv', 'usr', 'var', 'home', 'usr/lib', 'usr/share', 'usr/local', 'var/lib', 'usr/share/doc'];
const WORDS = [
  'core',
  'util',
  'data',
  'conf',
  'libx',
  'mod',
  'pkg',
  'font',
  'icon',
  'doc',
  'test',
  'node',
  'py',
  'gem',
  'cache',
  'locale',
  'man',
  'include',
  'share',
  'plugin',
];
const EXTS = ['', '.so', '.h', '.py', '.js', '.json', '.txt', '.gz', '.conf', '.md', '.html', '.pyc'];
const MAX_DEPTH = 6;

/** Content sizes: mostly small, a long tail (as in real images); capped to keep roots modest. */
function contentSize(rng) {
  const r = rng.next();
  if (r < 0.1) return 0;
  if (r < 0.75) return 16 + rng.int(1024);
  if (r < 0.97) return 1024 + rng.int(8192);
  return 8192 + rng.int(56 * 1024);
}

function parentsOf(path) {
  const out = [];
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}

class LayerSpec {
  constructor(index, parent) {
    this.index = index;
    this.parent = parent; // LayerSpec or undefined
    /** path -> {type: 'dir'|'file'|'symlink'|'hardlink'|'whiteout', size, mode, target, opaque, seed} */
    this.entries = new Map();
    /** Regular files this layer creates (for later layers to modify or delete). */
    this.files = [];
    this.dirs = [];
  }
  ancestors() {
    const out = [];
    for (let l = this.parent; l; l = l.parent) out.push(l);
    return out;
  }
  /** Make sure every parent of `path` is a directory here; false when one is not. */
  ensureParents(path) {
    for (const p of parentsOf(path)) {
      const e = this.entries.get(p);
      if (!e) this.entries.set(p, {type: 'dir', mode: 0o755});
      else if (e.type !== 'dir') return false;
    }
    return true;
  }
  add(path, entry) {
    if (this.entries.has(path)) return false;
    for (const p of parentsOf(path)) {
      const e = this.entries.get(p);
      if (e && e.type !== 'dir') return false;
    }
    if (!this.ensureParents(path)) return false;
    this.entries.set(path, entry);
    return true;
  }
}

/**
 * Plan the store: `files` non-directory entries over `layers` image layers in a few images that
 * share their lower layers, and `containers` containers on those images.
 */
export function planStore({files, layers, containers, seed, baseShare = 0.3}) {
  const rng = new Rng(seed);
  const imageCount = layers <= 5 ? 2 : layers <= 20 ? 3 : 5;
  const baseCount = Math.max(1, Math.ceil(layers / 3));
  const specs = [];
  const dirs = [...TOP_DIRS];
  let counter = 0;
  const uniqueName = () => `${rng.pick(WORDS)}${(counter++).toString(36)}${rng.pick(EXTS)}`;

  // Layer i's parent: the base layers form one chain; each image branches off the top of it.
  const branchLengths = [];
  for (let i = 0; i < imageCount; i++) branchLengths.push(Math.floor((layers - baseCount) / imageCount) + (i < (layers - baseCount) % imageCount ? 1 : 0));
  const tops = [];
  for (let i = 0; i < baseCount; i++) specs.push(new LayerSpec(i, specs[i - 1]));
  for (const len of branchLengths) {
    let parent = specs[baseCount - 1];
    for (let j = 0; j < len; j++) {
      const l = new LayerSpec(specs.length, parent);
      specs.push(l);
      parent = l;
    }
    tops.push(parent);
  }

  // Layer 0 holds 30% of the files (a distro base), the others share the rest evenly.
  const shares = specs.map((_, i) => (specs.length === 1 ? 1 : i === 0 ? baseShare : (1 - baseShare) / (specs.length - 1)));
  let left = files;
  specs.forEach((layer, i) => {
    const n = i === specs.length - 1 ? left : Math.round(files * shares[i]);
    left -= n;
    fillLayer(layer, n, rng, dirs, uniqueName);
  });
  for (const l of specs) addHardLinks(l, rng);

  // Images: one per branch top (and a base image tagged for the shared chain when it has no branch).
  const images = tops.map((top, i) => ({name: `bench/img${i}:latest`, chain: [...top.ancestors().reverse(), top]}));

  const ctrs = [];
  for (let i = 0; i < containers; i++) {
    const image = images[i % images.length];
    const id = rng.hex();
    const mountId = rng.hex();
    const init = new LayerSpec(-1, image.chain.at(-1));
    for (const d of ['dev', 'dev/pts', 'dev/shm', 'etc', 'proc', 'sys']) init.entries.set(d, {type: 'dir', mode: 0o755});
    for (const f of ['.dockerenv', 'dev/console', 'etc/hostname', 'etc/hosts', 'etc/resolv.conf'])
      init.entries.set(f, {type: 'file', mode: f === 'dev/console' ? 0o755 : 0o755, size: 0, seed: 0});
    init.entries.set('etc/mtab', {type: 'symlink', target: '/proc/mounts'});
    const rw = new LayerSpec(-1, init);
    fillLayer(rw, Math.min(200, Math.max(20, Math.round(files / 1000))), rng, dirs, uniqueName, image.chain);
    ctrs.push({id, name: `bench-${i}`, image, mountId, initId: `${mountId}-init`, init, rw, running: i % 2 === 0});
  }
  return {seed, files, layers: specs, images, containers: ctrs, rng};
}

/** Add `n` non-directory entries to a layer: new files, symlinks, changes and deletions of lower files. */
function fillLayer(layer, n, rng, dirs, uniqueName, lowerChain) {
  const lower = lowerChain ? [...lowerChain].reverse() : layer.ancestors();
  const lowerWithFiles = lower.filter((l) => l.files.length > 0);
  // A few structural changes first: an opaque directory and a deleted directory.
  if (lowerWithFiles.length && rng.chance(0.6)) {
    const victim = rng.pick(rng.pick(lowerWithFiles).files);
    const dir = victim.includes('/') ? victim.slice(0, victim.lastIndexOf('/')) : undefined;
    if (dir && layer.add(dir, {type: 'dir', mode: 0o755, opaque: true})) {
      for (let k = 0; k < 3 && n > 0; k++) {
        const path = `${dir}/${uniqueName()}`;
        if (layer.add(path, newFile(rng))) {
          n--;
          layer.files.push(path);
        }
      }
    }
  }
  if (lowerWithFiles.length && rng.chance(0.3)) {
    const victim = rng.pick(rng.pick(lowerWithFiles).files);
    const dir = victim.includes('/') ? victim.slice(0, victim.lastIndexOf('/')) : undefined;
    if (dir && dir.includes('/') && layer.add(dir, {type: 'whiteout'})) n--;
  }
  let guard = 0;
  while (n > 0 && guard++ < n * 20 + 1000) {
    const r = rng.next();
    if (lowerWithFiles.length && r < 0.12) {
      // Change a file of a lower layer (copy-up with new contents).
      const path = rng.pick(rng.pick(lowerWithFiles).files);
      if (layer.add(path, newFile(rng))) n--;
      continue;
    }
    if (lowerWithFiles.length && r < 0.16) {
      const path = rng.pick(rng.pick(lowerWithFiles).files);
      if (layer.add(path, {type: 'whiteout'})) n--;
      continue;
    }
    // A new entry in an existing or a new directory.
    let dir = rng.pick(dirs);
    if (rng.chance(0.04) && dir.split('/').length < MAX_DEPTH) {
      dir = `${dir}/${uniqueName().replace(/\..*$/, '')}`;
      dirs.push(dir);
    }
    const path = `${dir}/${uniqueName()}`;
    const entry = rng.chance(0.05)
      ? {type: 'symlink', target: rng.chance(0.5) ? `../${uniqueName()}` : `/${rng.pick(dirs)}/${uniqueName()}`}
      : newFile(rng, dir.startsWith('bin') || dir.startsWith('usr/local'));
    if (layer.add(path, entry)) {
      n--;
      if (entry.type === 'file') layer.files.push(path);
    }
  }
}

function newFile(rng, exec = false) {
  return {type: 'file', mode: exec || rng.chance(0.08) ? 0o755 : 0o644, size: contentSize(rng), seed: rng.int(2 ** 31)};
}

/** Tar order: a depth-first walk, children by name, directories before their contents. */
function ordered(layer) {
  const kids = new Map([['', []]]);
  for (const path of layer.entries.keys()) {
    const slash = path.lastIndexOf('/');
    const parent = slash === -1 ? '' : path.slice(0, slash);
    let list = kids.get(parent);
    if (!list) kids.set(parent, (list = []));
    list.push(path);
  }
  const out = [];
  const visit = (dir) => {
    const list = kids.get(dir);
    if (!list) return;
    list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const p of list) {
      out.push(p);
      if (layer.entries.get(p).type === 'dir') visit(p);
    }
  };
  visit('');
  return out;
}

/** 0.5% of a layer's regular files become hard links to a file before them in tar order. */
function addHardLinks(layer, rng) {
  const order = ordered(layer);
  const seen = [];
  for (const p of order) {
    const e = layer.entries.get(p);
    if (e.type !== 'file') continue;
    if (seen.length && rng.chance(0.005)) layer.entries.set(p, {type: 'hardlink', target: rng.pick(seen)});
    else seen.push(p);
  }
  layer.order = order;
}

// ---------------------------------------------------------------------------------------------
// Contents and tar bytes

let POOL;
function content(entry) {
  POOL ??= (() => {
    const rng = new Rng(0x5eed);
    const b = Buffer.alloc(128 * 1024);
    for (let i = 0; i < b.length; i++) b[i] = 32 + rng.int(95);
    return b;
  })();
  if (!entry.size) return POOL.subarray(0, 0);
  const start = entry.seed % (POOL.length - entry.size);
  return POOL.subarray(start, start + entry.size);
}

const MTIME = 1_700_000_000;

function octal(n, width) {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** A ustar header block (names longer than 100 bytes use the prefix field). */
function tarHeader({name, mode, size = 0, type, linkname = '', mtime = MTIME, uid = 0, gid = 0}) {
  const h = Buffer.alloc(512);
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', name.length - 2 >= 155 ? 155 : name.length - 2);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`name too long for ustar: ${name}`);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 8, 'ascii');
  h.write(octal(uid, 8), 108, 8, 'ascii');
  h.write(octal(gid, 8), 116, 8, 'ascii');
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(mtime, 12), 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii');
  h.write(type, 156, 1, 'ascii');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i];
  h.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return h;
}

const ZEROS = Buffer.alloc(1024);
const pad = (n) => (512 - (n % 512)) % 512;

/** Emit a layer's tar, as Docker writes one: whiteouts as `.wh.NAME`, opaque dirs with `.wh..wh..opq`. */
function emitLayerTar(layer, sink) {
  const mtime = MTIME + Math.max(0, layer.index) * 100;
  for (const path of layer.order ?? ordered(layer)) {
    const e = layer.entries.get(path);
    switch (e.type) {
      case 'dir':
        sink(tarHeader({name: `${path}/`, mode: e.mode, type: '5', mtime}));
        if (e.opaque) sink(tarHeader({name: `${path}/.wh..wh..opq`, mode: 0o644, type: '0', mtime}));
        break;
      case 'file': {
        const data = content(e);
        sink(tarHeader({name: path, mode: e.mode, size: data.length, type: '0', mtime}));
        if (data.length) {
          sink(data);
          const p = pad(data.length);
          if (p) sink(ZEROS.subarray(0, p));
        }
        break;
      }
      case 'symlink':
        sink(tarHeader({name: path, mode: 0o777, type: '2', linkname: e.target, mtime}));
        break;
      case 'hardlink':
        sink(tarHeader({name: path, mode: 0o644, type: '1', linkname: e.target, mtime}));
        break;
      case 'whiteout': {
        const slash = path.lastIndexOf('/');
        sink(tarHeader({name: `${path.slice(0, slash + 1)}.wh.${path.slice(slash + 1)}`, mode: 0o644, type: '0', mtime}));
        break;
      }
    }
  }
  sink(ZEROS);
}

/** diff id (sha256 of the tar) and size of a layer's tar, and the sum of its file sizes. */
function measureLayer(layer) {
  const hash = createHash('sha256');
  let tarSize = 0;
  emitLayerTar(layer, (b) => {
    hash.update(b);
    tarSize += b.length;
  });
  let size = 0;
  for (const e of layer.entries.values()) if (e.type === 'file') size += e.size;
  layer.diffId = `sha256:${hash.digest('hex')}`;
  layer.tarSize = tarSize;
  layer.size = size;
}

// ---------------------------------------------------------------------------------------------
// Writing the root

class Writer {
  constructor(asRoot) {
    this.asRoot = asRoot;
    this.trustedOk = asRoot;
    this.devOk = asRoot;
    this.entries = 0;
  }

  whiteoutTemplate(tmp) {
    if (!this.devOk) return undefined;
    if (!this.template) {
      // ext4 allows 65000 links per inode: a fresh template every 60000 whiteouts.
      this.template = join(tmp, `whiteout-${this.templates ?? 0}`);
      this.templates = (this.templates ?? 0) + 1;
      this.links = 0;
      rmSync(this.template, {force: true});
      try {
        execFileSync('mknod', ['-m', '000', this.template, 'c', '0', '0'], {stdio: 'ignore'});
      } catch {
        this.devOk = false;
        this.template = undefined;
        return undefined;
      }
    }
    if (++this.links >= 60000) {
      const t = this.template;
      this.template = undefined;
      return t;
    }
    return this.template;
  }

  writeLayerDir(layer, dir, tmp) {
    mkdirSync(dir, {recursive: true});
    for (const path of layer.order ?? ordered(layer)) {
      const e = layer.entries.get(path);
      const real = join(dir, path);
      this.entries++;
      switch (e.type) {
        case 'dir':
          mkdirSync(real, {mode: e.mode});
          if (e.opaque) this.markOpaque(real);
          break;
        case 'file':
          writeFileSync(real, content(e), {mode: e.mode});
          break;
        case 'symlink':
          symlinkSync(e.target, real);
          break;
        case 'hardlink':
          linkSync(join(dir, e.target), real);
          break;
        case 'whiteout': {
          const t = this.whiteoutTemplate(tmp);
          if (t) linkSync(t, real);
          else writeFileSync(join(dirname(real), `.wh.${path.slice(path.lastIndexOf('/') + 1)}`), '', {mode: 0o644});
          break;
        }
      }
    }
  }

  markOpaque(dir) {
    if (this.trustedOk) {
      try {
        xattr.setAttributeSync(dir, 'trusted.overlay.opaque', 'y');
        return;
      } catch {
        this.trustedOk = false;
      }
    }
    writeFileSync(join(dir, '.wh..wh..opq'), '', {mode: 0o644});
  }
}

function isoTime(i) {
  return new Date((MTIME + i * 100) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Image config documents (their bytes give the image ids). */
function imageConfigs(plan) {
  return plan.images.map((image, n) => {
    const history = image.chain.map((l) => ({
      created: isoTime(l.index),
      created_by: `/bin/sh -c #(nop) COPY dir:${l.diffId.slice(7, 71)} in / # layer ${l.index}`,
    }));
    history.push({created: isoTime(image.chain.length), created_by: '/bin/sh -c #(nop)  CMD ["/bin/sh"]', empty_layer: true});
    const config = {
      architecture: 'amd64',
      config: {
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        Cmd: ['/bin/sh'],
        WorkingDir: '/',
        Labels: {'bench.image': String(n)},
      },
      created: isoTime(image.chain.length),
      history,
      os: 'linux',
      rootfs: {type: 'layers', diff_ids: image.chain.map((l) => l.diffId)},
    };
    const bytes = Buffer.from(JSON.stringify(config));
    image.configBytes = bytes;
    image.id = `sha256:${sha256(bytes)}`;
    return image;
  });
}

function chainIdsOf(chain) {
  const out = [];
  for (const l of chain) {
    const prev = out.at(-1);
    out.push(prev === undefined ? l.diffId : `sha256:${sha256(`${prev} ${l.diffId}`)}`);
  }
  return out;
}

function writeRoot(plan, root) {
  const asRoot = process.getuid?.() === 0;
  const w = new Writer(asRoot);
  const ov = join(root, 'overlay2');
  const img = join(root, 'image', 'overlay2');
  const tmp = join(root, 'tmp');
  for (const d of [
    join(ov, 'l'),
    join(img, 'imagedb', 'content', 'sha256'),
    join(img, 'imagedb', 'metadata', 'sha256'),
    join(img, 'layerdb', 'sha256'),
    join(img, 'layerdb', 'mounts'),
    join(root, 'containers'),
    join(root, 'volumes'),
    tmp,
  ]) {
    mkdirSync(d, {recursive: true});
  }
  const rng = plan.rng;
  // Image layers.
  for (const l of plan.layers) {
    l.cacheId = rng.hex();
    l.short = rng.short();
  }
  const lowerOf = (l) => {
    const shorts = [];
    for (let p = l.parent; p; p = p.parent) shorts.push(`l/${p.short}`);
    return shorts.join(':');
  };
  const writeDriverDir = (l) => {
    const base = join(ov, l.cacheId);
    w.writeLayerDir(l, join(base, 'diff'), tmp);
    writeFileSync(join(base, 'link'), l.short);
    const lower = lowerOf(l);
    if (lower) {
      writeFileSync(join(base, 'lower'), lower);
      mkdirSync(join(base, 'work'));
    }
    symlinkSync(`../${l.cacheId}/diff`, join(ov, 'l', l.short));
  };
  for (const l of plan.layers) writeDriverDir(l);
  // layerdb: one record per chain id (a layer shared by images is one record).
  for (const image of plan.images) {
    const chain = chainIdsOf(image.chain);
    image.chainIds = chain;
    image.chain.forEach((l, i) => {
      l.chainId = chain[i];
      const dir = join(img, 'layerdb', 'sha256', chain[i].slice(7));
      if (existsSync(dir)) return;
      mkdirSync(dir);
      writeFileSync(join(dir, 'diff'), l.diffId);
      writeFileSync(join(dir, 'size'), String(l.size));
      writeFileSync(join(dir, 'cache-id'), l.cacheId);
      if (i > 0) writeFileSync(join(dir, 'parent'), chain[i - 1]);
    });
  }
  const repos = {};
  for (const image of plan.images) {
    const hex = image.id.slice(7);
    writeFileSync(join(img, 'imagedb', 'content', 'sha256', hex), image.configBytes);
    mkdirSync(join(img, 'imagedb', 'metadata', 'sha256', hex), {recursive: true});
    writeFileSync(join(img, 'imagedb', 'metadata', 'sha256', hex, 'lastUpdated'), isoTime(0));
    const repo = image.name.slice(0, image.name.lastIndexOf(':'));
    repos[repo] = {[image.name]: image.id};
  }
  writeFileSync(join(img, 'repositories.json'), JSON.stringify({Repositories: repos}));
  // Containers: init and writable layers, layerdb/mounts records, configs.
  for (const c of plan.containers) {
    c.init.cacheId = c.initId;
    c.init.short = rng.short();
    c.rw.cacheId = c.mountId;
    c.rw.short = rng.short();
    c.init.order = ordered(c.init);
    addHardLinks(c.rw, rng);
    writeDriverDir(c.init);
    writeDriverDir(c.rw);
    const m = join(img, 'layerdb', 'mounts', c.id);
    mkdirSync(m);
    writeFileSync(join(m, 'mount-id'), c.mountId);
    writeFileSync(join(m, 'init-id'), c.initId);
    writeFileSync(join(m, 'parent'), c.image.chainIds.at(-1));
    const dir = join(root, 'containers', c.id);
    mkdirSync(dir);
    const started = isoTime(1000);
    const cfg = {
      ID: c.id,
      Created: isoTime(999),
      Path: '/bin/sh',
      Args: ['-c', 'sleep infinity'],
      Config: {Image: c.image.name, Cmd: ['/bin/sh', '-c', 'sleep infinity'], Env: ['PATH=/usr/bin:/bin']},
      State: {
        Running: c.running,
        Paused: false,
        Restarting: false,
        Dead: false,
        Pid: 0,
        ExitCode: c.running ? 0 : 137,
        StartedAt: started,
        FinishedAt: c.running ? '0001-01-01T00:00:00Z' : isoTime(1001),
      },
      Image: c.image.id,
      Name: `/${c.name}`,
      Driver: 'overlay2',
      MountPoints:
        c === plan.containers[0]
          ? {'/data': {Source: '', Destination: '/data', RW: true, Name: 'benchvol', Driver: 'local', Type: 'volume', Relabel: '', Propagation: ''}}
          : {},
    };
    writeFileSync(join(dir, 'config.v2.json'), JSON.stringify(cfg));
    writeFileSync(join(dir, 'hostconfig.json'), JSON.stringify({Binds: null, Tmpfs: null}));
  }
  mkdirSync(join(root, 'volumes', 'benchvol', '_data'), {recursive: true});
  writeFileSync(join(root, 'volumes', 'benchvol', '_data', 'hello.txt'), 'hello\n');
  return {entries: w.entries, whiteouts: w.devOk ? 'char-device' : '.wh-files', opaque: w.trustedOk ? 'trusted-xattr' : '.wh..wh..opq'};
}

// ---------------------------------------------------------------------------------------------
// The classic `docker save` archive

function writeArchive(plan, file) {
  mkdirSync(dirname(file), {recursive: true});
  const fd = openSync(`${file}.part`, 'w');
  const chunks = [];
  let pending = 0;
  const flush = () => {
    if (!chunks.length) return;
    writeSync(fd, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    chunks.length = 0;
    pending = 0;
  };
  const sink = (b) => {
    chunks.push(b);
    pending += b.length;
    if (pending >= 4 << 20) flush();
  };
  const file1 = (name, data) => {
    sink(tarHeader({name, mode: 0o644, size: data.length, type: '0'}));
    sink(data);
    const p = pad(data.length);
    if (p) sink(ZEROS.subarray(0, p));
  };
  const written = new Set();
  const manifest = [];
  const repositories = {};
  for (const image of plan.images) {
    const names = [];
    image.chain.forEach((l, i) => {
      // Classic layer directory names are v1 ids; any stable hex per chain position will do.
      const v1 = sha256(`${image.chainIds[i]} v1`);
      names.push(`${v1}/layer.tar`);
      if (written.has(v1)) return;
      written.add(v1);
      sink(tarHeader({name: `${v1}/`, mode: 0o755, type: '5'}));
      file1(`${v1}/VERSION`, Buffer.from('1.0'));
      file1(
        `${v1}/json`,
        Buffer.from(JSON.stringify({id: v1, parent: i ? sha256(`${image.chainIds[i - 1]} v1`) : undefined, created: isoTime(l.index), os: 'linux'})),
      );
      sink(tarHeader({name: `${v1}/layer.tar`, mode: 0o644, size: l.tarSize, type: '0'}));
      emitLayerTar(l, sink);
      const p = pad(l.tarSize);
      if (p) sink(ZEROS.subarray(0, p));
    });
    file1(`${image.id.slice(7)}.json`, image.configBytes);
    manifest.push({Config: `${image.id.slice(7)}.json`, RepoTags: [image.name], Layers: names});
    const [repo, tag] = image.name.split(':');
    repositories[repo] = {[tag]: sha256(`${image.chainIds.at(-1)} v1`)};
  }
  file1('manifest.json', Buffer.from(JSON.stringify(manifest)));
  file1('repositories', Buffer.from(JSON.stringify(repositories)));
  sink(ZEROS);
  flush();
  closeSync(fd);
  execFileSync('mv', [`${file}.part`, file]);
}

// ---------------------------------------------------------------------------------------------

/**
 * Make (or reuse, when a finished one with the same parameters exists) a root at `out` and, when
 * `archive` is given, the archive. Returns what was made.
 */
export function makeStore({files, layers, containers, seed = 1, baseShare = 0.3, out, archive, log = () => {}}) {
  out = resolve(out);
  const marker = `${out}.done.json`;
  const want = {format: FORMAT, files, layers, containers, seed, baseShare, asRoot: process.getuid?.() === 0};
  let info;
  if (existsSync(marker)) {
    info = JSON.parse(readFileSync(marker, 'utf8'));
    if (JSON.stringify(info.params) !== JSON.stringify(want)) info = undefined;
  }
  const needArchive = archive && !(info?.archive === resolve(archive) && existsSync(archive));
  if (info && !needArchive) return info;
  const t0 = Date.now();
  const oldUmask = process.umask(0o022);
  try {
    const plan = planStore({files, layers, containers, seed, baseShare});
    for (const l of plan.layers) measureLayer(l);
    imageConfigs(plan);
    if (!info) {
      rmSync(marker, {force: true});
      rmSync(out, {recursive: true, force: true});
      log(`generating ${files} files over ${layers} layers, ${containers} containers in ${out}`);
      const r = writeRoot(plan, out);
      info = {
        params: want,
        root: out,
        entries: r.entries,
        whiteouts: r.whiteouts,
        opaque: r.opaque,
        images: plan.images.map((i) => ({name: i.name, id: i.id, layers: i.chain.length})),
        containers: plan.containers.map((c) => ({id: c.id, name: c.name, upper: join(out, 'overlay2', c.mountId, 'diff')})),
        seconds: (Date.now() - t0) / 1000,
      };
    } else {
      // Archive only: ids are re-derived, the root is kept.
      for (const image of plan.images) image.chainIds = chainIdsOf(image.chain);
    }
    if (archive) {
      log(`writing archive ${archive}`);
      for (const image of plan.images) image.chainIds ??= chainIdsOf(image.chain);
      writeArchive(plan, resolve(archive));
      info.archive = resolve(archive);
      info.archiveEntries = plan.layers.reduce((n, l) => n + l.entries.size, 0);
    }
    writeFileSync(marker, JSON.stringify(info, null, 2));
    return info;
  } finally {
    process.umask(oldUmask);
  }
}

function parseArgs(argv) {
  const opts = {files: 100_000, layers: 20, containers: 5, seed: 1, baseShare: 0.3, out: undefined, archive: undefined};
  for (let i = 0; i < argv.length; i++) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--files') ((opts.files = Number(v)), i++);
    else if (k === '--layers') ((opts.layers = Number(v)), i++);
    else if (k === '--containers') ((opts.containers = Number(v)), i++);
    else if (k === '--seed') ((opts.seed = Number(v)), i++);
    else if (k === '--base-share') ((opts.baseShare = Number(v)), i++);
    else if (k === '--out') ((opts.out = v), i++);
    else if (k === '--archive') ((opts.archive = v), i++);
    else throw new Error(`unknown option ${k}`);
  }
  if (!opts.out) throw new Error('usage: make-store.js --out DIR [--files N] [--layers L] [--containers C] [--seed S] [--base-share F] [--archive FILE]');
  return opts;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = parseArgs(process.argv.slice(2));
  const info = makeStore({...opts, log: (m) => console.error(m)});
  console.log(JSON.stringify(info, null, 2));
}

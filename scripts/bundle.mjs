// Bundles the CLI for installing and for start-up. Dependencies are bundled too (the package then
// installs with no runtime dependencies) except the native addons fs-xattr and zstd-napi,
// optional at run time.
//
// Each module file costs Node ~0.7 ms to resolve, read and link, so a command is one file:
// the CLI (argument parsing and the command table), one file per command module holding all it
// needs (store code is repeated between them; a run loads one of them), and the two worker
// threads. With code splitting `ci` read 15 files and its modules cost twice as much CPU to load.
// A backend's store (Docker, containerd, podman) is a file of its own, which the command files
// share and load only when detection names that kind (source/store/*backend.ts): `ci` on an
// archive never reads them. Such a file holds its own copy of the store code it shares with the
// command file (the LayerStore base class…); nothing checks `instanceof` across that line.
//
// These files are CommonJS (dist/bundle/package.json says so) and load each other with require():
// the first ES module a process loads starts Node's ESM loader, ~2.5 ms of CPU that `--help` or
// `ci` would pay for nothing. The explorer is ESM (`ui.mjs` and its chunks), loaded with import():
// it keeps splitting, so what it loads on demand (the engine for the demo store, a store's
// backend) stays out of its first frame.
import {readFileSync, rmSync, writeFileSync} from 'node:fs';
import {resolve} from 'node:path';
import {build} from 'esbuild';

const OUT = 'dist/bundle';
/** The modules cli.ts and the command table import on demand, and their file in the bundle. */
const LOADED = {
  './inspect.js': 'cmd-inspect.js',
  './archive.js': 'cmd-archive.js',
  './volumes.js': 'cmd-volumes.js',
  './engine.js': 'cmd-engine.js',
  './completion.js': 'cmd-completion.js',
  './ui/run.js': 'ui.mjs',
};

const common = {
  outdir: OUT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'linked',
  // ink loads react-devtools-core only under DEV=true; the native addons stay packages.
  external: ['fs-xattr', 'zstd-napi', 'react-devtools-core'],
  logLevel: 'warning',
};

/** The CommonJS files: `import.meta.url` (workers, createRequire) is the file's own URL. */
const commonjs = {
  ...common,
  format: 'cjs',
  define: {'import.meta.url': '__importMetaUrl'},
  banner: {js: "'use strict';\nvar __importMetaUrl = require('node:url').pathToFileURL(__filename).href;"},
};

/** The explorer's ES modules. Bundled CommonJS (react, signal-exit...) calls require() for Node built-ins; made on first use. */
const esm = {
  ...common,
  format: 'esm',
  outExtension: {'.js': '.mjs'},
  banner: {js: "import {createRequire as __cr} from 'node:module'; let __req; const require = (id) => (__req ??= __cr(import.meta.url))(id);"},
};

/**
 * A dynamic import of another file of the bundle, as the CommonJS files make it: `require()`
 * (through a module holding only that call, which esbuild loads on demand), or `import()` for
 * the explorer's ES module.
 */
function loadFile(file) {
  return file.endsWith('.mjs') ? {path: `./${file}`, external: true} : {path: file, namespace: 'bundle-file'};
}

/** The module standing for another file of the bundle: its exports are that file's. */
const bundleFile = {
  name: 'bundle-file',
  setup(b) {
    b.onLoad({filter: /.*/, namespace: 'bundle-file'}, (args) => ({contents: `module.exports = require('./${args.path}');`, loader: 'js'}));
    b.onResolve({filter: /.*/, namespace: 'bundle-file'}, (args) => ({path: args.path, external: true}));
  },
};

/** The store modules backends load on demand (dynamic imports in the backend files), and their file. */
const BACKEND_STORES = {
  [resolve('source/store/docker-root.ts')]: 'store-docker.js',
  [resolve('source/store/containerd/store.ts')]: 'store-containerd.js',
  [resolve('source/store/podman/store.ts')]: 'store-podman.js',
};

/** A backend's dynamic import of its store stays an import of the store's own file. */
const backendFiles = {
  name: 'backend-files',
  setup(b) {
    b.onResolve({filter: /^\.\/(docker-root|store)\.js$/}, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const file = BACKEND_STORES[resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'))];
      return file ? loadFile(file) : undefined;
    });
  },
};

/** A dynamic import of a command module (or the explorer) stays an import of its own file. */
const separateFiles = {
  name: 'separate-files',
  setup(b) {
    // Only cli.ts and the command table: a store module may well import its own './archive.js'.
    const importers = [resolve('source/cli.ts'), resolve('source/commands/index.ts')];
    b.onResolve({filter: /^\.\/(inspect|archive|volumes|engine|completion|ui\/run)\.js$/}, (args) => {
      if (args.kind !== 'dynamic-import' || !importers.includes(args.importer)) return undefined;
      return loadFile(LOADED[args.path]);
    });
  },
};

/** Ink and the packages it measures text with get string-width with a fast path (source/ui/string-width.ts). */
const fastStringWidth = {
  name: 'fast-string-width',
  setup(b) {
    const shim = resolve('source/ui/string-width.ts');
    // Only importers of the string-width the shim wraps (wrap-ansi has its own older copy).
    const users = /[\\/]node_modules[\\/](ink|cli-truncate|widest-line)[\\/]/;
    b.onResolve({filter: /^string-width$/}, (args) => (users.test(args.importer) ? {path: shim} : undefined));
  },
};

/**
 * yoga-layout (Ink's layout engine) ships its wasm as a base64 data: URL and, finding a global
 * `fetch` (Node 18+), fetches that URL: Node then loads its whole fetch implementation (undici)
 * before the first frame. Its own fallback decodes the same base64 without it.
 */
const yogaWithoutFetch = {
  name: 'yoga-without-fetch',
  setup(b) {
    b.onLoad({filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/}, (args) => {
      const from = 'return w||"function"!=typeof fetch?';
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(from)) throw new Error(`${args.path}: no "${from}" to patch (yoga-layout changed: check scripts/bundle.mjs)`);
      return {contents: text.replace(from, 'return w||!0?'), loader: 'js'};
    });
  },
};

rmSync(OUT, {recursive: true, force: true});
await build({
  ...commonjs,
  entryPoints: {
    cli: 'source/cli.ts',
    'cmd-inspect': 'source/commands/inspect.ts',
    'cmd-archive': 'source/commands/archive.ts',
    'cmd-volumes': 'source/commands/volumes.ts',
    'cmd-engine': 'source/commands/engine.ts',
    'cmd-completion': 'source/commands/completion.ts',
    'scan-worker': 'source/store/scan-worker.ts',
    'archive-hash-worker': 'source/store/archive-hash-worker.ts',
    ...Object.fromEntries(Object.entries(BACKEND_STORES).map(([source, file]) => [file.replace(/\.js$/, ''), source])),
  },
  plugins: [separateFiles, backendFiles, bundleFile],
});
writeFileSync(`${OUT}/package.json`, '{"type": "commonjs"}\n');
// React's production build only (source/cli.ts sets NODE_ENV=production for the explorer):
// react-reconciler's development build is 260 kB of the first chunk that V8 would parse for nothing.
await build({
  ...esm,
  entryPoints: {ui: 'source/ui/run.ts'},
  splitting: true,
  define: {'process.env.NODE_ENV': '"production"'},
  plugins: [fastStringWidth, yogaWithoutFetch],
});

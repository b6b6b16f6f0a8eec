// The command table: what each command is called, what it takes and where its code is. cli.ts
// parses against it, rejects what a command does not take, and loads only that command's module
// (so `--help` or `ci` never load the engine, and no command loads the explorer).
import type {Command} from './context.js';

/** Every option any command takes, in `node:util` parseArgs form. */
export const OPTIONS = {
  root: {type: 'string'},
  'containerd-root': {type: 'string'},
  namespace: {type: 'string'},
  'swarm-unlock-key-file': {type: 'string'},
  json: {type: 'boolean'},
  'no-trunc': {type: 'boolean'},
  help: {type: 'boolean', short: 'h'},
  version: {type: 'boolean'},
  select: {type: 'string'},
  tag: {type: 'string', short: 't'},
  file: {type: 'string', short: 'f'},
  output: {type: 'string', short: 'o'},
  out: {type: 'string'},
  name: {type: 'string'},
  volume: {type: 'string', short: 'v', multiple: true},
  mount: {type: 'string', multiple: true},
  recursive: {type: 'boolean', short: 'r'},
  parents: {type: 'boolean', short: 'p'},
  symbolic: {type: 'boolean', short: 's'},
  'lowest-efficiency': {type: 'string'},
  'highest-wasted-bytes': {type: 'string'},
  'highest-user-wasted-percent': {type: 'string'},
  platform: {type: 'string'},
} as const;

export type OptionName = keyof typeof OPTIONS;

export interface CommandSpec {
  usage: string;
  summary: string;
  /** How many positional arguments it takes: at least `[0]`, at most `[1]`. */
  args: readonly [number, number];
  /** The options it takes (`--help` is always taken). */
  options: readonly OptionName[];
  /** It writes into a root, so --root must be given (the default root is Docker's: never written). */
  writes?: true;
  /** An option it cannot do without (either spelling). */
  needs?: readonly OptionName[];
  load: () => Promise<Command>;
}

const MANY = Infinity;
/** Commands that read a store: its root, what containerd stores and autolocked swarms need, JSON output. */
const READ = ['root', 'containerd-root', 'namespace', 'swarm-unlock-key-file', 'json'] as const;
/** Commands that read images from sources: `--platform` picks an image index's platform. */
const SOURCES = [...READ, 'platform'] as const;
const inspect = () => import('./inspect.js');
const archive = () => import('./archive.js');
const volumes = () => import('./volumes.js');
const engine = () => import('./engine.js');

export const COMMANDS: Record<string, CommandSpec> = {
  images: {usage: 'images [SOURCE]', summary: 'list images, like docker images -a', args: [0, 1], options: SOURCES, load: async () => (await inspect()).images},
  history: {
    usage: 'history IMAGE [--no-trunc]',
    summary: 'the history of an image, like docker history',
    args: [1, 1],
    options: [...SOURCES, 'no-trunc'],
    load: async () => (await inspect()).history,
  },
  diff: {
    usage: 'diff CONTAINER | diff REF REF',
    summary: 'changes of a container (like docker diff) or between two images, layers or containers',
    args: [1, 2],
    options: SOURCES,
    load: async () => (await inspect()).diff,
  },
  ls: {
    usage: 'ls REF [PATH]',
    summary: 'the merged tree at an image, layer (IMAGE@N) or container, with the layer of each entry',
    args: [1, 2],
    options: SOURCES,
    load: async () => (await inspect()).ls,
  },
  volumes: {
    usage: 'volumes [NAME...]',
    summary: 'volumes of every driver, like docker volume inspect, with where the data is, sizes and users',
    args: [0, MANY],
    options: READ,
    load: async () => (await volumes()).volumes,
  },
  plugins: {
    usage: 'plugins',
    summary: 'managed plugins (like docker plugin ls) and the legacy volume plugins volumes name',
    args: [0, 0],
    options: READ,
    load: async () => (await volumes()).plugins,
  },
  mounts: {
    usage: 'mounts CONTAINER',
    summary: "a container's mounts, like docker inspect .Mounts, with where each volume's data is and how it was asked for",
    args: [1, 1],
    options: READ,
    load: async () => (await volumes()).mounts,
  },
  df: {usage: 'df', summary: 'disk usage, like docker system df -v', args: [0, 0], options: READ, load: async () => (await inspect()).df},
  ci: {
    usage: 'ci IMAGE [--lowest-efficiency F] [--highest-wasted-bytes N] [--highest-user-wasted-percent F]',
    summary: "dive's efficiency rules: PASS/FAIL per rule, exit 1 on a failure",
    args: [1, 1],
    options: [...SOURCES, 'lowest-efficiency', 'highest-wasted-bytes', 'highest-user-wasted-percent'],
    load: async () => (await archive()).ci,
  },
  export: {
    usage: 'export REF PATH --out FILE',
    summary: 'copy a file (its bytes) or a directory (a tar) out of an image, layer or container',
    args: [2, 2],
    options: [...SOURCES, 'out', 'output'],
    needs: ['out', 'output'],
    load: async () => (await archive()).exportCmd,
  },
  'export-layer': {
    usage: 'export-layer REF --out FILE',
    summary: 'write a layer as an OCI layer tar (.wh. whiteouts, .wh..wh..opq)',
    args: [1, 1],
    options: [...SOURCES, 'out', 'output'],
    needs: ['out', 'output'],
    load: async () => (await archive()).exportLayerCmd,
  },
  build: {
    usage: 'build CONTEXT [-f DOCKERFILE] [-t NAME[:TAG]] --root DIR',
    summary: 'build an image from a Dockerfile, like DOCKER_BUILDKIT=0 docker build',
    args: [1, 1],
    options: ['root', 'file', 'tag'],
    writes: true,
    load: async () => (await engine()).buildCommand,
  },
  import: {
    usage: 'import ROOTFS.tar [NAME[:TAG]] --root DIR',
    summary: 'import a root filesystem tar as an image, like docker import',
    args: [1, 2],
    options: ['root'],
    writes: true,
    load: async () => (await engine()).importCommand,
  },
  load: {
    usage: 'load ARCHIVE --root DIR',
    summary: 'load a docker save archive (classic or OCI layout), like docker load',
    args: [1, 1],
    options: ['root'],
    writes: true,
    load: async () => (await engine()).loadCommand,
  },
  save: {
    usage: 'save IMAGE... -o FILE --root DIR',
    summary: 'write images as a docker save archive',
    args: [1, MANY],
    options: ['root', 'output', 'out'],
    needs: ['output', 'out'],
    writes: true,
    load: async () => (await engine()).saveCommand,
  },
  create: {
    usage: 'create IMAGE [CMD...] [--name N] [-v SPEC]... [--mount SPEC]... --root DIR',
    summary: 'create a container, like docker create',
    args: [1, MANY],
    options: ['root', 'json', 'name', 'volume', 'mount'],
    writes: true,
    load: async () => (await engine()).createCommand,
  },
  fs: {
    usage: 'fs CONTAINER OP ARGS --root DIR',
    summary: "change a container's files through a copy-on-write view (write/append read stdin)",
    args: [2, MANY],
    options: ['root', 'recursive', 'parents', 'symbolic'],
    writes: true,
    load: async () => (await engine()).fsCommand,
  },
  mount: {
    usage: 'mount CONTAINER DIR --root DIR',
    summary: "mount a container's layers with the kernel's overlayfs (root)",
    args: [2, 2],
    options: ['root'],
    writes: true,
    load: async () => (await engine()).mountCommand,
  },
  umount: {usage: 'umount DIR', summary: 'unmount what layerscope mount mounted', args: [1, 1], options: [], load: async () => (await engine()).umountCommand},
  commit: {
    usage: 'commit CONTAINER [NAME[:TAG]] --root DIR',
    summary: "make a container's writable layer an image layer, like docker commit",
    args: [1, 2],
    options: ['root'],
    writes: true,
    load: async () => (await engine()).commitCommand,
  },
  demo: {
    usage: 'demo [DIR]',
    summary: 'build (or reuse) the demo store, without a daemon',
    args: [0, 1],
    options: [],
    load: async () => (await engine()).demoCommand,
  },
  completion: {
    usage: 'completion bash|zsh|fish',
    summary: 'print a shell completion script',
    args: [1, 1],
    options: [],
    load: async () => (await import('./completion.js')).completion,
  },
};

/** What is wrong with a command line for `spec`, or undefined when it fits. */
export function usageProblem(name: string, spec: CommandSpec, args: readonly string[], given: readonly string[]): string | undefined {
  const foreign = given.filter((o) => o !== 'help' && !(spec.options as readonly string[]).includes(o));
  if (foreign.length) return `${name} does not take ${foreign.map((o) => `--${o}`).join(', ')}`;
  const [min, max] = spec.args;
  if (args.length < min) return `${name} needs ${min === max ? min : `at least ${min}`} argument${min === 1 ? '' : 's'}`;
  if (args.length > max)
    return `${name} takes ${max === 0 ? 'no arguments' : `at most ${max} argument${max === 1 ? '' : 's'}`} (extra: ${args.slice(max).join(' ')})`;
  if (spec.writes && !given.includes('root')) return `${name} writes: commands that write need an explicit --root (a directory the engine creates and owns)`;
  if (spec.needs && !spec.needs.some((o) => given.includes(o))) return `${name} needs --${spec.needs[0]} FILE`;
  return undefined;
}

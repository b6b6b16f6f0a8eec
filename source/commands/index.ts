// The command table: each command module registers here; cli.ts only parses and dispatches.
import {ci, exportCmd, exportLayerCmd} from './archive.js';
import type {Command} from './context.js';
import {df, diff, history, images, ls, mounts, volumes} from './inspect.js';
import {
  buildCommand, commitCommand, createCommand, demoCommand, fsCommand, importCommand, loadCommand, mountCommand, saveCommand, umountCommand, USAGE,
} from './engine.js';

export interface CommandSpec {
  run: Command;
  usage: string;
  summary: string;
}

export const COMMANDS: Record<string, CommandSpec> = {
  images: {run: images, usage: 'images', summary: 'list images, like docker images -a'},
  history: {run: history, usage: 'history IMAGE', summary: 'the history of an image, like docker history --no-trunc'},
  diff: {run: diff, usage: 'diff CONTAINER | diff REF REF', summary: 'changes of a container (like docker diff) or between two images, layers or containers'},
  ls: {run: ls, usage: 'ls REF [PATH]', summary: 'the merged tree at an image, layer (IMAGE@N) or container, with the layer of each entry'},
  volumes: {run: volumes, usage: 'volumes', summary: 'volumes, like docker volume inspect, with sizes and users'},
  mounts: {run: mounts, usage: 'mounts CONTAINER', summary: "a container's mounts, like docker inspect .Mounts"},
  df: {run: df, usage: 'df', summary: 'disk usage, like docker system df -v'},
  build: {run: buildCommand, usage: USAGE.build, summary: 'build an image from a Dockerfile, like DOCKER_BUILDKIT=0 docker build'},
  import: {run: importCommand, usage: USAGE.import, summary: 'import a root filesystem tar as an image, like docker import'},
  load: {run: loadCommand, usage: USAGE.load, summary: 'load a docker save archive (classic or OCI layout), like docker load'},
  save: {run: saveCommand, usage: USAGE.save, summary: 'write images as a docker save archive'},
  create: {run: createCommand, usage: USAGE.create, summary: 'create a container, like docker create'},
  fs: {run: fsCommand, usage: USAGE.fs, summary: "change a container's files through a copy-on-write view (write/append read stdin)"},
  mount: {run: mountCommand, usage: USAGE.mount, summary: "mount a container's layers with the kernel's overlayfs (root)"},
  umount: {run: umountCommand, usage: USAGE.umount, summary: 'unmount what layerscope mount mounted'},
  commit: {run: commitCommand, usage: USAGE.commit, summary: "make a container's writable layer an image layer, like docker commit"},
  demo: {run: demoCommand, usage: USAGE.demo, summary: 'build (or reuse) the demo store, without a daemon'},
  ci: {run: ci, usage: 'ci IMAGE [--lowest-efficiency F] [--highest-wasted-bytes N] [--highest-user-wasted-percent F]', summary: "dive's efficiency rules: PASS/FAIL per rule, exit 1 on a failure"},
  export: {run: exportCmd, usage: 'export REF PATH --out FILE', summary: 'copy a file (its bytes) or a directory (a tar) out of an image, layer or container'},
  'export-layer': {run: exportLayerCmd, usage: 'export-layer REF --out FILE', summary: 'write a layer as an OCI layer tar (.wh. whiteouts, .wh..wh..opq)'},
};

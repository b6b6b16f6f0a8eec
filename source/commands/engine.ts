// The commands that write: build, import, load, save (images) and create, fs, mount, umount, commit
// (containers), and demo. Each only ever writes into a root the engine created (see engine-root.ts).
import {build} from '../engine/build.js';
import {commit} from '../engine/commit.js';
import {containerFsOp} from '../engine/container-fs.js';
import {createContainer} from '../engine/container.js';
import {CowError} from '../engine/cow.js';
import {ensureDemo} from '../engine/demo.js';
import {FS_OP_USAGE} from '../engine/fs-op.js';
import {importRootfs, load} from '../engine/import.js';
import {mountContainer, umountContainer} from '../engine/mount.js';
import {save} from '../engine/save.js';
import type {Command, CommandContext} from './context.js';

/** Engine errors end the command with exit 1; the CLI prints them. */
function command(body: (ctx: CommandContext) => Promise<number | void>): Command {
  return async (ctx) => (await body(ctx)) ?? 0;
}

const output = (ctx: CommandContext) => ({write: (text: string) => ctx.out(text)});
const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : []);

export const buildCommand = command(async (ctx) => {
  const tag = ctx.flags.tag;
  await build({
    root: ctx.root,
    context: ctx.args[0]!,
    file: ctx.flags.file as string | undefined,
    tags: typeof tag === 'string' ? [tag] : [],
    out: output(ctx),
  });
});

export const importCommand = command(async (ctx) => {
  await importRootfs({root: ctx.root, archive: ctx.args[0]!, ref: ctx.args[1], out: output(ctx)});
});

export const loadCommand = command(async (ctx) => {
  await load({root: ctx.root, archive: ctx.args[0]!, out: output(ctx)});
});

export const saveCommand = command(async (ctx) => {
  await save({root: ctx.root, images: ctx.args, output: String(ctx.flags.output ?? ctx.flags.out), out: output(ctx)});
});

export const createCommand = command(async (ctx) => {
  const [image, ...cmd] = ctx.args;
  const c = await createContainer({
    root: ctx.root,
    image: image!,
    cmd,
    name: ctx.flags.name as string | undefined,
    volumes: list(ctx.flags.volume),
    mounts: list(ctx.flags.mount),
  });
  if (ctx.json) ctx.out(`${JSON.stringify({Id: c.id, Name: c.name, Volumes: c.volumes})}\n`);
  else ctx.out(`${c.id}\n`);
});

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** cli.ts parses -r, -p and -s as flags; fs's verbs take them back as arguments. */
function fsArgv(ctx: CommandContext): string[] {
  const [op, ...rest] = ctx.args.slice(1);
  const flag = op === 'rm' && ctx.flags.recursive ? '-r' : op === 'mkdir' && ctx.flags.parents ? '-p' : op === 'ln' && ctx.flags.symbolic ? '-s' : undefined;
  return [op!, ...(flag ? [flag] : []), ...rest];
}

export const fsCommand = command(async (ctx) => {
  const argv = fsArgv(ctx);
  const stdin = argv[0] === 'write' || argv[0] === 'append' ? await readStdin() : undefined;
  try {
    await containerFsOp(ctx.root, ctx.args[0]!, argv, stdin);
  } catch (err) {
    if (err instanceof CowError) {
      ctx.err(`layerscope: fs: ${err.code}: ${err.path}\n`);
      return 1;
    }
    if ((err as Error).message.includes(FS_OP_USAGE)) {
      ctx.err(`layerscope: fs: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
});

export const mountCommand = command(async (ctx) => {
  ctx.out(`${await mountContainer(ctx.root, ctx.args[0]!, ctx.args[1]!)}\n`);
});

export const umountCommand = command(async (ctx) => {
  umountContainer(ctx.args[0]!);
});

export const commitCommand = command(async (ctx) => {
  const {id} = await commit({root: ctx.root, container: ctx.args[0]!, ref: ctx.args[1]});
  ctx.out(`${id}\n`);
});

export const demoCommand = command(async (ctx) => {
  const root = await ensureDemo(ctx.args[0], output(ctx));
  ctx.out(`demo root: ${root}\nexplore it with: layerscope ${root}\n`);
});

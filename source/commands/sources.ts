// How a command names what it reads: a REF of the --root store or an archive / OCI layout spec
// (store/open.ts). Apart from the commands, so that each command file loads only its own.
import {StoreError} from '../store/detect.js';
import {Opener} from '../store/open.js';
import {RefError} from '../store/refs.js';
import type {LayerStore} from '../store/layer-store.js';
import {openOptions, reportProblems, type Command, type CommandContext} from './context.js';
import {guard} from '../text/escape.js';

/** Open the --root store, run `body`, report problems; an unknown ref is exit 1 with a message. */
export function withStore(body: (store: LayerStore, ctx: CommandContext) => number): Command {
  return withSources(async (open, ctx) => body(await open.store(undefined), ctx));
}

/**
 * For commands that name sources: a REF in the --root store, or
 * `ARCHIVE[:IMAGE][@N]`, an OCI layout directory, `ROOT:REF` (see store/open.ts).
 */
export function withSources(body: (open: Opener, ctx: CommandContext) => Promise<number>): Command {
  return async (ctx) => {
    const open = new Opener(ctx.root, openOptions(ctx.flags));
    let code: number;
    try {
      code = await body(open, ctx);
    } catch (err) {
      if (!(err instanceof RefError || err instanceof StoreError)) throw err;
      ctx.err(`layerscope: ${guard(err.message)}\n`);
      code = 1;
    } finally {
      for (const store of open.opened) reportProblems(ctx, store.problemList, store.notices);
    }
    // An answer printed while parts of what it is made of could not be read is not whole: say so in
    // the code. Problems about other items of the store are warnings only (store/scope.ts).
    const all = open.opened.reduce((n, s) => n + s.problemList.length, 0);
    const problems = open.opened.reduce((n, s) => n + open.answerProblems(s).length, 0);
    if (code === 0 && problems > 0) {
      const counted =
        problems === all
          ? `${problems} problem${problems === 1 ? '' : 's'} reading the store (warnings above)`
          : `${problems} of the ${all} problems reading the store (warnings above) concern${problems === 1 ? 's' : ''} this answer`;
      ctx.err(`layerscope: incomplete: ${counted}; the output may lack what they name\n`);
      return INCOMPLETE;
    }
    if (code === 0 && all > 0)
      ctx.err(
        `layerscope: the ${all === 1 ? 'problem' : `${all} problems`} above concern${all === 1 ? 's' : ''} other items of the store; this answer is whole\n`,
      );
    return code;
  };
}

/** Exit code of an answer printed in part: warnings name what is missing. */
export const INCOMPLETE = 3;

// Placeholder entry replaced by the explorer.
import type {Io} from '../commands/context.js';

export interface TuiOptions {
  target?: string;
  root?: string;
  select?: string;
}

export async function runTui(_opts: TuiOptions, io: Io): Promise<number> {
  io.err('layerscope: the explorer is not built yet; see layerscope --help\n');
  return 2;
}

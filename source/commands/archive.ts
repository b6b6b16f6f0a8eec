// Commands about images as artifacts: ci (dive's efficiency rules), export (a path out of a
// view), export-layer (a layer as an OCI layer tar). Each takes a REF of the --root store or
// an archive / OCI layout spec (`image.tar`, `images.tar:myapp:1`, `image.tar@3`).
import {humanSize} from '../tree/human.js';
import {DEFAULT_RULES, evaluateRules, imageEfficiency, validateRules, type RuleConfig} from '../store/efficiency.js';
import {exportLayer, exportPath, type ExportResult} from '../store/export.js';
import {printJson, type CommandContext} from './context.js';
import {withSources} from './sources.js';
import {escape, guard} from '../text/escape.js';

const RULE_FLAGS: [keyof RuleConfig, string][] = [
  ['lowestEfficiency', 'lowest-efficiency'],
  ['highestWastedBytes', 'highest-wasted-bytes'],
  ['highestUserWastedPercent', 'highest-user-wasted-percent'],
];

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(4)} %`;
}

/** Exit 0 when every enabled rule passes, 1 when one fails, 2 for a misconfigured rule. */
export const ci = withSources(async (open, ctx) => {
  const config = {...DEFAULT_RULES};
  for (const [key, flag] of RULE_FLAGS) {
    const value = ctx.flags[flag];
    if (typeof value === 'string') config[key] = value;
  }
  try {
    validateRules(config);
  } catch (err) {
    ctx.err(`layerscope: ci misconfigured: ${guard((err as Error).message)}\n`);
    return 2;
  }
  const spec = ctx.args[0]!;
  const {store, image, others} = await open.image(spec, {firstOfMany: true});
  const e = imageEfficiency(store, image);
  const name = image.tags[0] ?? image.id;
  // dive analyses the first image of a multi-image archive: so does ci, and says so.
  const picked =
    others &&
    `  analysed ${escape(name)}, the first of ${others.length + 1} images in the archive (as dive does); the others: ${others.map(escape).join(', ')}; name one as ${escape(spec)}:IMAGE`;
  const results = evaluateRules(e, config);
  const pass = results.every((r) => r.status !== 'FAIL');
  if (ctx.json) {
    printJson(ctx, {
      Image: spec,
      ID: image.id,
      ...(others && {Analysed: name, OtherImages: others}),
      Efficiency: e.score,
      SizeBytes: e.sizeBytes,
      UserSizeBytes: e.userSizeBytes,
      WastedBytes: e.wastedBytes,
      UserWastedPercent: Number.isFinite(e.userWastedPercent) ? e.userWastedPercent : null,
      InefficientFiles: e.inefficient.map((f) => ({Count: f.count, WastedBytes: f.wastedBytes, Path: f.path})),
      Rules: results.map((r) => ({Name: r.name, Status: r.status, Message: r.message ?? ''})),
      Pass: pass,
    });
    return pass ? 0 : 1;
  }
  const lines = [
    `Image: ${escape(spec)} (${escape(image.id)})`,
    ...(picked ? [picked] : []),
    `  efficiency: ${percent(e.score)}`,
    `  wastedBytes: ${e.wastedBytes} bytes (${humanSize(e.wastedBytes)})`,
    `  userWastedPercent: ${percent(e.userWastedPercent)}`,
    'Inefficient Files:',
    `${'Count'.padStart(5)}  ${'Wasted Space'.padStart(12)}  File Path`,
    ...(e.inefficient.length
      ? e.inefficient.map((f) => `${String(f.count).padStart(5)}  ${humanSize(f.wastedBytes).padStart(12)}  ${escape(f.path)}`)
      : ['None']),
    'Results:',
    ...results.map((r) => `  ${r.status}: ${r.name}${r.message ? `: ${r.message}` : ''}`),
    `Result:${pass ? 'PASS' : 'FAIL'} [Total:${results.length}] [Passed:${results.filter((r) => r.status === 'PASS').length}] [Failed:${results.filter((r) => r.status === 'FAIL').length}] [Skipped:${results.filter((r) => r.status === 'SKIP').length}]`,
  ];
  ctx.out(`${lines.join('\n')}\n`);
  return pass ? 0 : 1;
});

/** The command table makes sure one of --out / -o was given. */
const outFile = (ctx: CommandContext): string => String(ctx.flags.out ?? ctx.flags.output);

function report(ctx: CommandContext, out: string, r: ExportResult): void {
  if (ctx.json) printJson(ctx, {Out: out, Kind: r.kind, Entries: r.entries, Bytes: r.bytes});
  else ctx.out(`${escape(out)}: ${r.kind === 'file' ? 'file contents' : `tar, ${r.entries} ${r.entries === 1 ? 'entry' : 'entries'}`}, ${r.bytes} bytes\n`);
}

/** A regular file is written as its bytes, anything else as a tar of it. */
export const exportCmd = withSources(async (open, ctx) => {
  const out = outFile(ctx);
  const {store, target} = await open.target(ctx.args[0]!);
  report(ctx, out, await exportPath(store, target, ctx.args[1]!, out));
  return 0;
});

/** The top layer of an image or container, or IMAGE@N's layer N. */
export const exportLayerCmd = withSources(async (open, ctx) => {
  const out = outFile(ctx);
  const {store, target} = await open.target(ctx.args[0]!);
  if (!target.top) throw new Error(`${target.label}: has no layers`);
  report(ctx, out, await exportLayer(store, target.top, out));
  return 0;
});

// Dockerfile parsing for the classic-builder subset the engine supports. Lines are joined the way
// Docker's parser does (escape char + newline removed, continuation text kept verbatim), so the
// instruction text, and hence `created_by`, is what Docker would record.

export const SUPPORTED = [
  'FROM',
  'COPY',
  'ADD',
  'RUN',
  'ENV',
  'ARG',
  'WORKDIR',
  'USER',
  'LABEL',
  'EXPOSE',
  'VOLUME',
  'ENTRYPOINT',
  'CMD',
  'MAINTAINER',
  'STOPSIGNAL',
] as const;
export type Keyword = (typeof SUPPORTED)[number];

export interface Instruction {
  keyword: Keyword;
  /** 1-based line of the instruction's first line */
  line: number;
  /** text after the keyword and its flags, trimmed */
  args: string;
  /** JSON (exec) form, when the arguments are a JSON string array */
  json?: string[];
  /** --name=value flags (COPY --from/--chown, FROM is never given any) */
  flags: Record<string, string>;
  /** the instruction as written (continuations joined), for `Step i/N : ...` */
  original: string;
}

export class DockerfileError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`Dockerfile line ${line}: ${message}`);
  }
}

const FLAGS: Partial<Record<Keyword, string[]>> = {COPY: ['from', 'chown'], ADD: ['chown']};
const JSON_FORMS = new Set<Keyword>(['RUN', 'CMD', 'ENTRYPOINT', 'COPY', 'ADD', 'VOLUME']);

function parseJsonArray(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Parse Dockerfile text into instructions; throws DockerfileError naming the line. */
export function parseDockerfile(text: string): Instruction[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let escape = '\\';
  const directive = /^#\s*escape\s*=\s*([\\`])\s*$/i.exec(lines[0] ?? '');
  if (directive) escape = directive[1]!;
  const continued = new RegExp(`\\${escape}[ \\t]*$`);
  const out: Instruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!.replace(/^\s+/, '');
    if (first === '' || first.startsWith('#')) continue;
    const start = i + 1;
    let line = first;
    let more = continued.test(line);
    line = line.replace(continued, '');
    while (more && ++i < lines.length) {
      const next = lines[i]!;
      if (/^\s*#/.test(next) || next.trim() === '') continue;
      more = continued.test(next);
      line += next.replace(continued, '');
    }
    out.push(parseInstruction(line.trim(), start));
  }
  if (out.length === 0) throw new DockerfileError(1, 'the Dockerfile has no instructions');
  if (
    out[0]!.keyword !== 'FROM' &&
    !out
      .slice(
        0,
        out.findIndex((x) => x.keyword === 'FROM'),
      )
      .every((x) => x.keyword === 'ARG')
  ) {
    throw new DockerfileError(out[0]!.line, 'the first instruction must be FROM (only ARG may come before it)');
  }
  return out;
}

function parseInstruction(line: string, lineNo: number): Instruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(line)!;
  const word = m[1]!.toUpperCase();
  if (!(SUPPORTED as readonly string[]).includes(word)) {
    throw new DockerfileError(lineNo, `unknown or unsupported instruction "${m[1]}" (supported: ${SUPPORTED.join(', ')})`);
  }
  const keyword = word as Keyword;
  let rest = m[2]!;
  const flags: Record<string, string> = {};
  for (;;) {
    const f = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest);
    if (!f) break;
    if (!FLAGS[keyword]?.includes(f[1]!)) throw new DockerfileError(lineNo, `${keyword} does not support the --${f[1]} flag here`);
    flags[f[1]!] = f[2] ?? '';
    rest = rest.slice(f[0].length);
  }
  const args = rest.trim();
  if (!args && keyword !== 'CMD' && keyword !== 'ENTRYPOINT') throw new DockerfileError(lineNo, `${keyword} requires arguments`);
  const json = JSON_FORMS.has(keyword) ? parseJsonArray(args) : undefined;
  return {keyword, line: lineNo, args, json, flags, original: line};
}

// ---------------------------------------------------------------- words and variables

export type Vars = ReadonlyMap<string, string>;

/**
 * Docker's shell-like word processing (shell.Lex): quotes removed, escapes honoured, $VAR / ${VAR}
 * / ${VAR:-def} / ${VAR:+alt} expanded (not inside single quotes). Returns the words.
 */
export function processWords(text: string, vars: Vars, line: number): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  const expand = (): string => {
    i++; // past $
    if (text[i] === '{') {
      const end = text.indexOf('}', i);
      if (end === -1) throw new DockerfileError(line, `missing "}" in ${text}`);
      const body = text.slice(i + 1, end);
      i = end + 1;
      const mod = /^([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([\s\S]*))?$/.exec(body);
      if (!mod) throw new DockerfileError(line, `bad substitution \${${body}}`);
      const val = vars.get(mod[1]!);
      if (mod[2] === '-') return val ? val : processWords(mod[3]!, vars, line).join(' ');
      if (mod[2] === '+') return val ? processWords(mod[3]!, vars, line).join(' ') : '';
      return val ?? '';
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))?.[0];
    if (!name) return '$';
    i += name.length;
    return vars.get(name) ?? '';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) throw new DockerfileError(line, `unmatched single quote in ${text}`);
      cur += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length && '"\\$'.includes(text[i + 1]!)) {
          cur += text[i + 1];
          i += 2;
        } else if (text[i] === '$') cur += expand();
        else cur += text[i++];
      }
      if (i >= text.length) throw new DockerfileError(line, `unmatched double quote in ${text}`);
      i++;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[i + 1];
      i += 2;
    } else if (c === '$') cur += expand();
    else {
      cur += c;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** Expand variables in a single word-ish value (paths, user names): quotes removed, spaces kept. */
export function expandWord(text: string, vars: Vars, line: number): string {
  return processWords(text, vars, line).join(' ');
}

/** ENV / LABEL / ARG arguments: `k=v k2="v 2"`, or the legacy `k value with spaces` form. */
export function parseKeyValues(inst: Instruction, vars: Vars): Array<[string, string]> {
  const words = processWords(inst.args, vars, inst.line);
  if (words.length > 0 && !words[0]!.includes('=')) {
    if (inst.keyword === 'ARG') return words.map((w) => [w, '']);
    // Legacy form: first word is the key, the raw rest (expanded) the value.
    const rest = inst.args.replace(/^\S+\s*/, '');
    return [[words[0]!, processWords(rest, vars, inst.line).join(' ')]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new DockerfileError(inst.line, `${inst.keyword} expects key=value pairs, got "${w}"`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

// `layerscope completion bash|zsh|fish`: completion scripts made from the command table, so they
// never name a command or option the CLI does not take. Arguments complete as file names (roots,
// archives and layouts are paths); image and container names are left to the user.
import type {Command} from './context.js';
import {COMMANDS, OPTIONS, type OptionName} from './index.js';

const names = Object.keys(COMMANDS);
const optionsOf = (name: string): readonly OptionName[] => [...(COMMANDS[name]?.options ?? []), 'help'];
const takesValue = (o: OptionName): boolean => OPTIONS[o].type === 'string';

function bash(): string {
  const cases = names
    .map(
      (n) =>
        `    ${n}) opts="${optionsOf(n)
          .map((o) => `--${o}`)
          .join(' ')}" ;;`,
    )
    .join('\n');
  const valued = (Object.keys(OPTIONS) as OptionName[])
    .filter(takesValue)
    .map((o) => `--${o}`)
    .join('|');
  return `# bash completion for layerscope: source it, or put it in /etc/bash_completion.d/layerscope
_layerscope() {
  local cur prev cmd opts i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  case "$prev" in ${valued}) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
  case "$cmd" in
${cases}
    completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")); return ;;
    *) opts="--root --select --help --version" ;;
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -z "$cmd" ]]; then COMPREPLY=($(compgen -W "${names.join(' ')}" -- "$cur") $(compgen -f -- "$cur"))
  else COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -o filenames -F _layerscope layerscope
`;
}

function zsh(): string {
  const commands = names.map((n) => `    '${n}:${COMMANDS[n]!.summary.replace(/'/g, "'\\''").replace(/:/g, '\\:')}'`).join('\n');
  const cases = names
    .map(
      (n) =>
        `    ${n}) _arguments ${optionsOf(n)
          .map((o) => `'--${o}${takesValue(o) ? '=[value]:file:_files' : ''}'`)
          .join(' ')} '*:file:_files' ;;`,
    )
    .join('\n');
  return `#compdef layerscope
# zsh completion for layerscope: put it on $fpath as _layerscope
_layerscope() {
  local -a commands
  commands=(
${commands}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    _files
    return
  fi
  case "\${words[2]}" in
${cases}
    *) _files ;;
  esac
}
_layerscope "$@"
`;
}

function fish(): string {
  const lines = [
    '# fish completion for layerscope: put it in ~/.config/fish/completions/layerscope.fish',
    `complete -c layerscope -n '__fish_use_subcommand' -l version -d 'print the version'`,
    `complete -c layerscope -n '__fish_use_subcommand' -l root -r -d 'the store root'`,
    `complete -c layerscope -n '__fish_use_subcommand' -l select -r -d 'open on NAME[@N]'`,
  ];
  for (const n of names) {
    lines.push(`complete -c layerscope -n '__fish_use_subcommand' -a ${n} -d '${COMMANDS[n]!.summary.replace(/'/g, "\\'")}'`);
    for (const o of optionsOf(n)) lines.push(`complete -c layerscope -n '__fish_seen_subcommand_from ${n}' -l ${o}${takesValue(o) ? ' -r' : ''}`);
  }
  lines.push(`complete -c layerscope -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'`);
  return `${lines.join('\n')}\n`;
}

const SCRIPTS: Record<string, () => string> = {bash, zsh, fish};

export const completion: Command = (ctx) => {
  const make = SCRIPTS[ctx.args[0]!];
  if (!make) {
    ctx.err(`layerscope: completion for ${ctx.args[0]} is not available (bash, zsh or fish)\n`);
    return 2;
  }
  ctx.out(make());
  return 0;
};

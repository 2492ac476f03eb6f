/**
 * `qms completion bash|zsh|fish` prints a completion script; the script asks
 * `qms __complete <words...>` (the words typed after `qms`, the one being completed last) for
 * candidates, so commands (plugin ones included), options, task and chain names and agent
 * names always match the config of the folder the user is in.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import type { ResolvedConfig } from '../../types.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

const SCRIPTS: Record<(typeof SHELLS)[number], string> = {
  bash: `# qms completion for bash. Load it with: source <(qms completion bash)
_qms_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local IFS=$'\\n'
  COMPREPLY=( $(compgen -W "$(qms __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" -- "$cur") )
}
complete -o default -F _qms_complete qms
`,
  zsh: `#compdef qms
# qms completion for zsh. Load it with: source <(qms completion zsh)
_qms() {
  local -a candidates
  candidates=("\${(@f)$(qms __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -a candidates
}
compdef _qms qms
`,
  fish: `# qms completion for fish. Load it with: qms completion fish | source
function __qms_complete
    set -l tokens (commandline -opc) (commandline -ct)
    qms __complete $tokens[2..-1] 2>/dev/null
end
complete -c qms -f -a '(__qms_complete)'
`,
};

export function completionScript(shell: string): string {
  if (!(SHELLS as readonly string[]).includes(shell)) {
    throw new ConfigError(`no completion for shell "${shell}"`, `use one of: ${SHELLS.join(', ')}`);
  }
  return SCRIPTS[shell as (typeof SHELLS)[number]];
}

const optionNames = (cmd: Command) => cmd.options.flatMap((o) => [o.long, o.short]).filter((n): n is string => Boolean(n));

/** Values of options that take one, by option name. */
function optionValues(program: Command, cmd: Command | undefined, name: string): string[] | undefined {
  for (const c of [cmd, program]) {
    const o = c?.options.find((x) => x.long === name || x.short === name);
    if (o) return o.required || o.optional ? (o.argChoices ?? []) : undefined;
  }
  return undefined;
}

/**
 * Candidates for the last of `words` (what follows `qms` on the command line). Operands named
 * like `<names...>`/`[targets...]` complete task and chain names, `[agent]`/`[agents...]` the
 * roster, `<shell>` the shells.
 */
export function completionCandidates(program: Command, words: readonly string[], config: ResolvedConfig | undefined): string[] {
  const current = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  const visible = program.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  let cmd: Command | undefined;
  const operands: string[] = [];
  for (let i = 0; i < before.length; i++) {
    const w = before[i]!;
    if (w.startsWith('-')) {
      if (!w.includes('=') && optionValues(program, cmd, w) !== undefined) i++;
      continue;
    }
    if (!cmd) cmd = visible.find((c) => c.name() === w);
    else operands.push(w);
  }
  const previous = before[before.length - 1];
  if (previous?.startsWith('-') && !previous.includes('=')) {
    const values = optionValues(program, cmd, previous);
    if (values !== undefined) return values;
  }
  if (current.startsWith('-')) return [...new Set([...(cmd ? optionNames(cmd) : []), ...optionNames(program)])];
  if (!cmd) return visible.map((c) => c.name());
  const args = (cmd as unknown as { registeredArguments: Array<{ name(): string; variadic: boolean }> }).registeredArguments;
  const arg = args[Math.min(operands.length, args.length - 1)];
  if (!arg) return [];
  const name = arg.name();
  if (/^(names|targets|tasks)$/.test(name)) return config ? [...config.tasks.keys(), ...Object.keys(config.chains)] : [];
  if (/^agents?$/.test(name)) return config ? [...config.agents] : [];
  if (name === 'shell') return [...SHELLS];
  return [];
}

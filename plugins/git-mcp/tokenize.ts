/**
 * Turns a `git_exec` command string into argv lists joined by the chain operators `&&`, `||`
 * and `;`, with POSIX-shell quoting rules (single quotes literal; double quotes with `\`
 * escaping only `"`, `\`, `$` and backtick; backslash escapes outside quotes). No shell ever
 * sees the string: anything a shell would treat as syntax other than those three operators
 * (pipes, redirections, expansions, globs, subshells, comments…) is rejected here, naming the
 * construct, rather than silently passed to git as data the agent did not mean.
 */

export type ChainOp = '&&' | '||' | ';';

export interface ChainedCommand {
  argv: string[];
  /** The operator joining this command to the previous one; `null` for the first. */
  op: ChainOp | null;
}

export class TokenizeError extends Error {
  constructor(
    message: string,
    /** Character offset in the command string where the problem is. */
    readonly at: number,
  ) {
    super(message);
    this.name = 'TokenizeError';
  }
}

/** Characters a shell would glob with when unquoted. */
const GLOB = new Set(['*', '?', '[']);

/** `@{…}` and `^{…}` are git revision syntax (`HEAD@{1}`, `@{u}`, `v1^{commit}`), not brace expansion, when it holds no `,` or `..`. */
function revisionBraceEnd(input: string, i: number, word: string): number {
  if (!word.endsWith('@') && !word.endsWith('^')) return -1;
  const close = input.indexOf('}', i);
  if (close < 0) return -1;
  const inner = input.slice(i + 1, close);
  if (/[,\s'"\\$`{]/.test(inner) || inner.includes('..')) return -1;
  return close;
}

export function tokenize(input: string): ChainedCommand[] {
  const commands: ChainedCommand[] = [];
  let argv: string[] = [];
  let op: ChainOp | null = null;
  let word = '';
  let inWord = false; // a word has started (possibly empty, e.g. '')
  let i = 0;

  const endWord = (): void => {
    if (inWord) argv.push(word);
    word = '';
    inWord = false;
  };
  const checkAssignment = (at: number): void => {
    // `VAR=value git …` would set an environment variable for git in a shell (GIT_DIR=…, GIT_SSH_COMMAND=…).
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0] ?? '')) throw new TokenizeError(`environment assignment "${(argv[0] ?? '').split('=')[0]}=" before the command`, at);
  };
  const endCommand = (next: ChainOp, at: number): void => {
    endWord();
    if (argv.length === 0) throw new TokenizeError(`empty command before "${next}"`, at);
    checkAssignment(at);
    commands.push({ argv, op });
    argv = [];
    op = next;
  };

  for (const [index, ch] of [...input].entries()) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\n' || ch === '\r') throw new TokenizeError('newline in command (one command per line is shell syntax; chain with && or ; instead)', index);
    if (code === 0) throw new TokenizeError('NUL character in command', index);
    if ((code < 0x20 && ch !== '\t') || code === 0x7f) throw new TokenizeError(`control character U+${code.toString(16).padStart(4, '0')} in command`, index);
  }

  while (i < input.length) {
    const ch = input[i] as string;
    const next = input[i + 1];

    if (ch === ' ' || ch === '\t') {
      endWord();
      i++;
      continue;
    }
    if (ch === "'") {
      const close = input.indexOf("'", i + 1);
      if (close < 0) throw new TokenizeError('unterminated single quote', i);
      word += input.slice(i + 1, close);
      inWord = true;
      i = close + 1;
      continue;
    }
    if (ch === '"') {
      inWord = true;
      i++;
      for (;;) {
        if (i >= input.length) throw new TokenizeError('unterminated double quote', i);
        const c = input[i] as string;
        if (c === '"') {
          i++;
          break;
        }
        if (c === '\\') {
          const n = input[i + 1];
          if (n === '"' || n === '\\' || n === '$' || n === '`') {
            word += n;
            i += 2;
            continue;
          }
          word += c;
          i++;
          continue;
        }
        if (c === '`') throw new TokenizeError('command substitution with backticks (inside double quotes a shell would run it)', i);
        if (c === '$') {
          const n = input[i + 1] ?? '';
          if (n === '(') throw new TokenizeError('command substitution "$(" (inside double quotes a shell would run it)', i);
          if (n === '{') throw new TokenizeError('parameter expansion "${" (inside double quotes a shell would expand it)', i);
          if (/[A-Za-z0-9_@*#?$!-]/.test(n)) throw new TokenizeError(`variable expansion "$${n}" (inside double quotes a shell would expand it; use single quotes for a literal $)`, i);
        }
        word += c;
        i++;
      }
      continue;
    }
    if (ch === '\\') {
      if (i + 1 >= input.length) throw new TokenizeError('trailing backslash', i);
      word += input[i + 1];
      inWord = true;
      i += 2;
      continue;
    }
    if (ch === '&') {
      if (next === '&') {
        endCommand('&&', i);
        i += 2;
        continue;
      }
      throw new TokenizeError('background operator "&" (or a redirection like &>)', i);
    }
    if (ch === '|') {
      if (next === '|') {
        endCommand('||', i);
        i += 2;
        continue;
      }
      throw new TokenizeError('pipe "|"', i);
    }
    if (ch === ';') {
      if (next === ';') throw new TokenizeError('";;" (case terminator)', i);
      endCommand(';', i);
      i++;
      continue;
    }
    if (ch === '>' || ch === '<') {
      const what = input.startsWith('<<', i) ? 'here-document "<<"' : `redirection "${ch === '>' && next === '>' ? '>>' : ch}"`;
      throw new TokenizeError(what, i);
    }
    if (ch === '`') throw new TokenizeError('command substitution with backticks', i);
    if (ch === '$') {
      if (next === '(') throw new TokenizeError('command substitution "$("', i);
      if (next === '{') throw new TokenizeError('parameter expansion "${"', i);
      if (next === "'") throw new TokenizeError("ANSI-C quoting \"$'\"", i);
      throw new TokenizeError('variable expansion "$" (quote it with single quotes if you mean a literal $)', i);
    }
    if (ch === '(' || ch === ')') throw new TokenizeError(`subshell or grouping "${ch}"`, i);
    if (GLOB.has(ch)) throw new TokenizeError(`unquoted glob character "${ch}" (a shell would expand it; quote it to pass a git pathspec pattern)`, i);
    if (ch === '{') {
      const close = revisionBraceEnd(input, i, word);
      if (close < 0) throw new TokenizeError('brace "{" (brace expansion or command grouping)', i);
      word += input.slice(i, close + 1);
      inWord = true;
      i = close + 1;
      continue;
    }
    if (ch === '}') throw new TokenizeError('brace "}" (command grouping)', i);
    if (!inWord && ch === '~') throw new TokenizeError('tilde expansion "~" at the start of a word', i);
    if (!inWord && ch === '#') throw new TokenizeError('comment "#" (a shell would ignore the rest of the line)', i);
    if (!inWord && ch === '!' && (next === undefined || next === ' ' || next === '\t')) throw new TokenizeError('pipeline negation "!"', i);
    word += ch;
    inWord = true;
    i++;
  }
  endWord();
  if (argv.length > 0) {
    checkAssignment(input.length);
    commands.push({ argv, op });
  }
  else if (op === '&&' || op === '||') throw new TokenizeError(`command missing after "${op}"`, input.length);
  if (commands.length === 0) throw new TokenizeError('empty command', 0);
  return commands;
}

/**
 * What the policy knows about each git subcommand: how its options take values (so values and
 * operands are told apart as git would), which option values are free text, how its paths are
 * judged, and its own refusals (force, deletes, history rewrites…). Options are refused by
 * name in every spelling git accepts: short letters alone or in clusters, long names and their
 * abbreviations (see `optionMatches`).
 */
import { findOption, type OptionSpec, type ParsedArgs, type ParsedOption } from './parse-args.js';
import { refuse, type Refusal } from './refusal.js';

/** `read`: naming a protected path is refused. `write`: covering it (root, a parent folder) too. `discard`: also the whole tree. */
export type PathMode = 'read' | 'write' | 'discard';

export interface SubcommandRules {
  spec: OptionSpec;
  /** Options (short letter or exact long name) whose values are free text (messages, formats, patterns). */
  freeText?: readonly string[];
  paths: PathMode | ((args: ParsedArgs) => PathMode);
  /** Network commands: which operands name a repository. */
  repositories?: (args: ParsedArgs) => string[];
  /** The first operand is a pattern (free text), as in `grep`. */
  patternOperand?: (args: ParsedArgs) => boolean;
  /** Operands that are refspecs (checked for `+force` and `:delete`). */
  refspecs?: (args: ParsedArgs) => string[];
  /** Extra refusals for this subcommand; `action` is the sub-subcommand (stash, remote, reflog). */
  check?: (args: ParsedArgs, action: string | undefined) => Generator<Refusal>;
  /** Has sub-subcommands (`stash pop`): the first operand, wherever options put it (`remote -v add`). */
  hasAction?: boolean;
  /** Long option names that are benign here even though a refused one starts with them. */
  exact?: readonly string[];
}

const BUILTIN_STRATEGIES = new Set(['ort', 'recursive', 'resolve', 'octopus', 'ours', 'subtree']);

function* strategyCheck(args: ParsedArgs, short: string | undefined): Generator<Refusal> {
  const opt = args.options.find((o) => (!o.long && short !== undefined && o.name === short) || (o.long && o.name === 'strategy'));
  if (opt?.value !== undefined && !BUILTIN_STRATEGIES.has(opt.value)) {
    yield refuse('runs-program', `merge strategy "${opt.value}" is not built in: git would run a program called git-merge-${opt.value}`, `Use one of: ${[...BUILTIN_STRATEGIES].join(', ')}.`);
  }
}

function has(args: ParsedArgs, short: string | undefined, long: readonly string[]): ParsedOption | undefined {
  return findOption(args, short, long);
}

const DIFF_SPEC: OptionSpec = {
  shortValue: 'nSGLO',
  shortOptional: 'UMCBlX',
  longValue: ['max-count', 'skip', 'since', 'after', 'until', 'before', 'author', 'committer', 'grep', 'min-age', 'max-age'],
};
const DIFF_FREE_TEXT = ['S', 'G', 'grep', 'author', 'committer', 'format', 'pretty', 'date', 'since', 'until', 'after', 'before', 'grep-reflog', 'word-diff-regex', 'color-words'];

function* diffFamily(args: ParsedArgs): Generator<Refusal> {
  if (has(args, 'O', [])) yield refuse('reads-file', '-O<orderfile> reads a file named on the command line', 'Leave out -O.');
}

const readOnly = (extra?: Partial<SubcommandRules>): SubcommandRules => ({ spec: {}, paths: 'read', ...extra });

/** Options that make a rule more permissive are matched by exact name only (an abbreviation is judged strictly). */
const exactly = (args: ParsedArgs, long: string): boolean => args.options.some((o) => o.long && o.name === long);

/**
 * With `--all` or `--multiple` (in any spelling) every operand is a repository, so every
 * operand must be a configured remote; otherwise the first operand is the repository.
 */
const manyRepositories = (args: ParsedArgs): boolean => has(args, undefined, ['all', 'multiple']) !== undefined;
const fetchRepositories = (args: ParsedArgs): string[] => (manyRepositories(args) ? args.operands : args.operands.slice(0, 1));

function* forcedRefmap(args: ParsedArgs): Generator<Refusal> {
  const refmap = args.options.find((o) => o.long && 'refmap'.startsWith(o.name) && o.value?.startsWith('+'));
  if (refmap) yield refuse('fetch-force', `${refmap.raw} forces ref updates (the leading "+")`, 'Leave out the "+".');
}

export const SUBCOMMANDS: Record<string, SubcommandRules> = {
  status: readOnly({ spec: { shortOptional: 'u' } }),
  log: readOnly({ spec: DIFF_SPEC, freeText: DIFF_FREE_TEXT, check: diffFamily }),
  show: readOnly({ spec: DIFF_SPEC, freeText: DIFF_FREE_TEXT, check: diffFamily }),
  diff: readOnly({ spec: DIFF_SPEC, freeText: DIFF_FREE_TEXT, check: diffFamily }),
  shortlog: readOnly({ spec: DIFF_SPEC, freeText: [...DIFF_FREE_TEXT, 'group'], check: diffFamily }),
  blame: readOnly({
    spec: { shortValue: 'LS', shortOptional: 'CM', longValue: ['ignore-rev'] },
    freeText: ['date'],
    *check(args) {
      if (has(args, 'S', [])) yield refuse('reads-file', 'blame -S <revs-file> reads a file named on the command line', 'Leave out -S.');
    },
  }),
  grep: readOnly({
    spec: { shortValue: 'efABCm', shortOptional: 'O' },
    freeText: ['e'],
    patternOperand: (args) => !args.options.some((o) => (!o.long && (o.name === 'e' || o.name === 'f')) || (o.long && o.name === 'regexp')),
    *check(args) {
      if (has(args, 'O', ['open-files-in-pager'])) yield refuse('runs-program', 'grep -O opens the matches in a pager program on the host', 'Leave out -O.');
      if (has(args, 'f', [])) yield refuse('reads-file', 'grep -f <file> reads patterns from a file named on the command line', 'Give patterns with -e.');
    },
  }),
  'ls-files': readOnly({
    spec: { shortValue: 'xX' },
    freeText: ['x', 'exclude', 'format'],
    *check(args) {
      if (has(args, 'X', [])) yield refuse('reads-file', 'ls-files -X <file> reads a file named on the command line', 'Use -x <pattern> instead.');
    },
  }),
  'ls-tree': readOnly({ freeText: ['format'] }),
  'rev-parse': readOnly({ exact: ['git-dir', 'git-common-dir'] }),
  describe: readOnly({ freeText: ['match', 'exclude'] }),
  'show-ref': readOnly(),
  'merge-base': readOnly(),
  'cat-file': readOnly(),
  'for-each-ref': readOnly({ freeText: ['format', 'sort'] }),

  add: {
    spec: { longValue: ['chmod'] },
    paths: 'write',
  },
  commit: {
    spec: { shortValue: 'mFCct', shortOptional: 'uS', longValue: ['message', 'file', 'reuse-message', 'reedit-message', 'template', 'author', 'date', 'fixup', 'squash', 'trailer', 'cleanup'] },
    freeText: ['m', 'message', 'author', 'date', 'trailer'],
    paths: 'write',
    *check(args) {
      if (has(args, 'F', [])) yield refuse('reads-file', 'commit -F <file> reads the message from a file named on the command line', 'Give the message with -m (several -m make paragraphs).');
      if (has(args, 't', [])) yield refuse('reads-file', 'commit -t <file> reads a template file named on the command line', 'Give the message with -m.');
      if (has(args, 'a', ['all'])) yield refuse('protected-path', 'commit -a stages every tracked change, including the protected submodules', 'Stage what you mean with `add -- <paths>` (or `add -A -- . \':!<protected>\'`), then commit.');
    },
  },
  rm: {
    spec: { longValue: [] },
    paths: 'write',
    *check(args) {
      if (has(args, 'f', ['force'])) yield refuse('rm-force', 'rm --force deletes files with uncommitted changes, which cannot be recovered', 'Commit or stash the changes first, or use --cached to untrack only.');
    },
  },
  mv: {
    spec: {},
    paths: 'write',
    *check(args) {
      if (has(args, 'f', ['force'])) yield refuse('rm-force', 'mv --force overwrites an existing file', 'Move to a path that does not exist.');
    },
  },
  reset: {
    spec: {},
    paths: 'read',
    *check(args) {
      const opt = has(args, undefined, ['hard', 'merge']);
      if (opt) yield refuse('reset-hard', `reset ${opt.raw} discards uncommitted changes in the working tree`, 'Use `reset --soft`, `reset --mixed` or `reset --keep`, or `stash` the changes first.');
    },
  },
  checkout: {
    spec: { shortValue: 'bB', longValue: ['orphan'] },
    paths: 'discard',
    *check(args) {
      const force = has(args, 'f', ['force']);
      if (force) yield refuse('checkout-discard', `checkout ${force.raw} throws away local changes`, 'Commit or stash the changes first.');
      if (has(args, 'B', [])) yield refuse('branch-force', 'checkout -B resets an existing branch to another commit', 'Use `checkout -b <new-branch>` or `switch -c`.');
    },
  },
  switch: {
    spec: { shortValue: 'cC', longValue: ['create', 'force-create', 'orphan'] },
    paths: 'read',
    *check(args) {
      const force = has(args, 'f', ['force', 'discard-changes']);
      if (force) yield refuse('checkout-discard', `switch ${force.raw} throws away local changes`, 'Commit or stash the changes first.');
      const create = has(args, 'C', ['force-create']);
      if (create) yield refuse('branch-force', `switch ${create.raw} resets an existing branch`, 'Use `switch -c <new-branch>`.');
    },
  },
  restore: {
    spec: { shortValue: 's', longValue: ['source'] },
    paths: (args) => ((args.options.some((o) => !o.long && o.name === 'S') || exactly(args, 'staged')) && !has(args, 'W', ['worktree']) ? 'write' : 'discard'),
  },
  stash: {
    spec: { shortValue: 'm', longValue: ['message'] },
    freeText: ['m', 'message'],
    paths: 'read',
    hasAction: true,
    *check(_args, action) {
      if (action === 'clear' || action === 'drop') yield refuse('stash-drop', `stash ${action} deletes stashed changes, which cannot be recovered`, 'Leave stashes in place; `stash pop` removes one after applying it.');
      else if (action !== undefined && !['push', 'list', 'show', 'pop', 'apply'].includes(action)) {
        yield refuse('subcommand-form', `stash ${action} is not allowed`, 'Use stash push, list, show, pop or apply.');
      }
    },
  },
  branch: {
    spec: { shortValue: 'u', shortOptional: 't', longValue: ['set-upstream-to', 'contains', 'no-contains', 'merged', 'no-merged', 'points-at', 'sort', 'format'] },
    freeText: ['format', 'sort'],
    paths: 'read',
    *check(args) {
      const opt = has(args, 'DMCf', ['force']);
      if (opt) yield refuse('branch-force', `branch ${opt.raw} deletes or overwrites a branch regardless of whether its commits are merged`, 'Use `branch -d` (refuses unmerged branches) or `branch -m` to rename.');
    },
  },
  tag: {
    spec: { shortValue: 'mFu', shortOptional: 'n', longValue: ['message', 'file', 'local-user', 'contains', 'no-contains', 'merged', 'no-merged', 'points-at', 'sort', 'format'] },
    freeText: ['m', 'message', 'format', 'sort'],
    paths: 'read',
    *check(args) {
      const opt = has(args, 'df', ['delete', 'force']);
      if (opt) yield refuse('tag-overwrite', `tag ${opt.raw} deletes or moves an existing tag`, 'Create a new tag with a new name.');
      if (has(args, 'F', [])) yield refuse('reads-file', 'tag -F <file> reads the message from a file named on the command line', 'Give the message with -m.');
    },
  },
  reflog: {
    spec: {},
    paths: 'read',
    hasAction: true,
    *check(_args, action) {
      if (action === 'expire' || action === 'delete' || action === 'drop') yield refuse('reflog-expire', `reflog ${action} destroys the record needed to recover lost commits`, 'Use `reflog` or `reflog show` to read it.');
    },
  },
  remote: {
    spec: {},
    paths: 'read',
    hasAction: true,
    repositories: (args) => args.operands,
    *check(_args, action) {
      if (action !== undefined && action !== 'show' && action !== 'get-url') {
        yield refuse('subcommand-form', `remote ${action} changes the repository's remotes`, 'Only `remote`, `remote -v`, `remote show <name>` and `remote get-url <name>` are allowed.');
      }
    },
  },
  'ls-remote': {
    spec: {},
    paths: 'read',
    repositories: (args) => args.operands.slice(0, 1),
    *check(args) {
      if (has(args, 'u', [])) yield refuse('runs-program', 'ls-remote -u <program> runs that program as upload-pack', 'Leave out -u.');
    },
  },
  fetch: {
    spec: { shortValue: 'oj', longValue: ['upload-pack', 'depth', 'deepen', 'shallow-since', 'shallow-exclude', 'refmap', 'server-option', 'negotiation-tip', 'filter', 'jobs'] },
    paths: 'read',
    repositories: fetchRepositories,
    refspecs: (args) => (manyRepositories(args) ? [] : args.operands.slice(1)),
    *check(args) {
      const opt = has(args, 'fu', ['force', 'update-head-ok']);
      if (opt) yield refuse('fetch-force', `fetch ${opt.raw} overwrites local branches that do not fast-forward`, 'Fetch without it and merge or rebase.');
      yield* forcedRefmap(args);
    },
  },
  pull: {
    spec: { shortValue: 'sXoj', longValue: ['upload-pack', 'depth', 'deepen', 'shallow-since', 'shallow-exclude', 'server-option', 'strategy', 'strategy-option', 'jobs'] },
    paths: 'read',
    repositories: fetchRepositories,
    refspecs: (args) => (manyRepositories(args) ? [] : args.operands.slice(1)),
    *check(args) {
      const opt = has(args, 'fu', ['force', 'update-head-ok']);
      if (opt) yield refuse('fetch-force', `pull ${opt.raw} overwrites local branches that do not fast-forward`, 'Pull without it.');
      yield* forcedRefmap(args);
      yield* strategyCheck(args, 's');
    },
  },
  push: {
    spec: { shortValue: 'o', longValue: ['push-option', 'repo', 'receive-pack', 'exec'] },
    paths: 'read',
    repositories: (args) => {
      const repo = args.options.find((o) => o.long && o.name === 'repo' && o.value !== undefined)?.value;
      return repo !== undefined ? [repo, ...args.operands.slice(0, 1)] : args.operands.slice(0, 1);
    },
    refspecs: (args) => args.operands.slice(1),
    *check(args) {
      const force = has(args, 'f', ['force', 'force-with-lease', 'force-if-includes']);
      if (force) yield refuse('push-force', `push ${force.raw} can overwrite commits on the remote`, 'Push without force; if the remote moved on, pull (merge or rebase) first.');
      const del = has(args, 'd', ['delete']);
      if (del) yield refuse('push-delete', `push ${del.raw} deletes refs on the remote`, 'Delete branches on the remote by hand if you must.');
      const mirror = has(args, undefined, ['mirror']);
      if (mirror) yield refuse('push-mirror', 'push --mirror makes the remote an exact copy, deleting and force-updating its refs', 'Push named branches.');
      const prune = has(args, undefined, ['prune']);
      if (prune) yield refuse('push-prune', 'push --prune deletes remote branches that have no local counterpart', 'Push named branches.');
    },
  },
  merge: {
    spec: { shortValue: 'msXF', longValue: ['message', 'strategy', 'strategy-option', 'file', 'into-name'] },
    freeText: ['m', 'message', 'into-name'],
    paths: 'read',
    *check(args) {
      if (has(args, 'F', [])) yield refuse('reads-file', 'merge -F <file> reads the message from a file named on the command line', 'Give the message with -m.');
      yield* strategyCheck(args, 's');
    },
  },
  rebase: {
    spec: { shortValue: 'xsX', longValue: ['onto', 'exec', 'strategy', 'strategy-option'] },
    paths: 'read',
    *check(args) {
      if (has(args, 'x', ['exec'])) yield refuse('runs-program', 'rebase --exec runs a shell command after each commit', 'Rebase without --exec.');
      yield* strategyCheck(args, 's');
    },
  },
  'cherry-pick': {
    spec: { shortValue: 'mX', longValue: ['mainline', 'strategy', 'strategy-option'] },
    paths: 'read',
    *check(args) {
      yield* strategyCheck(args, undefined);
    },
  },
  revert: {
    spec: { shortValue: 'mX', longValue: ['mainline', 'strategy', 'strategy-option'] },
    paths: 'read',
    *check(args) {
      yield* strategyCheck(args, undefined);
    },
  },
  clean: {
    spec: { shortValue: 'e' },
    freeText: ['e', 'exclude'],
    paths: 'discard',
    *check(args) {
      const opt = has(args, 'f', ['force']);
      if (opt) yield refuse('clean-force', `clean ${opt.raw} deletes untracked files, which cannot be recovered`, 'Delete the files you mean by name, or use `clean -n` to list them.');
    },
  },
};

/** Why notable subcommands are off the default allowlist (shown when one is refused). */
export const WHY_NOT_ALLOWED: Record<string, string> = {
  clean: 'clean deletes untracked files, which cannot be recovered',
  config: 'config changes settings that decide what git runs (hooks, pagers, ssh commands)',
  submodule: 'submodule commands reach into the protected submodules (and `submodule foreach` runs shell commands)',
  worktree: 'worktree creates checkouts outside the project',
  clone: 'clone writes a new repository anywhere on the host and can use any transport',
  'filter-branch': 'filter-branch rewrites history and runs shell commands',
  'filter-repo': 'filter-repo rewrites history',
  replace: 'replace silently substitutes objects in history',
  'update-ref': 'update-ref moves or deletes refs without any safety check',
  gc: 'gc --prune deletes unreachable objects, destroying what reflog recovery needs',
  prune: 'prune deletes unreachable objects',
  bisect: '`bisect run` runs commands',
  difftool: 'difftool runs external programs',
  mergetool: 'mergetool runs external programs',
  archive: 'archive writes files (--output) and can run remote commands (--exec)',
  'format-patch': 'format-patch writes files',
  am: 'am applies patches from files on the host',
  apply: 'apply reads patch files from the host',
  bundle: 'bundle reads and writes files on the host',
  daemon: 'daemon serves the repository on the network',
  'send-email': 'send-email sends mail',
  credential: 'credential reveals stored credentials',
  'upload-pack': 'plumbing for remote transports',
  'receive-pack': 'plumbing for remote transports',
  help: 'help can open a browser or man page program on the host',
  notes: 'notes can be force-overwritten and removed',
  'hash-object': 'hash-object -w writes arbitrary files into the object store from host paths',
};

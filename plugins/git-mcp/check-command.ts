/**
 * The policy decision for one git command (argv without a shell): allowed, or the first
 * refusal whose rule is not switched off. Order: git's own global options, the subcommand
 * allowlist, options that run programs or touch files outside git, the subcommand's own rules
 * (force, deletes…), the agent preset's allowlist of forms, the host's secrets and submodule
 * recursion, repositories named on network commands, then every operand, pathspec and option
 * value against the protected paths and the project boundary. What a command would change in
 * the index is judged again when it runs (effects.ts), on the paths git resolves.
 */
import { checkAgentForm } from './agent-forms.js';
import { findOption, parseArgs, type ParsedArgs } from './parse-args.js';
import { excludes, judgePathspec, namesProtected, normalisePath, parsePathspec, type Pathspec } from './paths.js';
import type { GitPolicy } from './policy.js';
import { ALWAYS_ON, refuse, type Refusal } from './refusal.js';
import { namesSecret } from './secrets.js';
import { SUBCOMMANDS, WHY_NOT_ALLOWED, type SubcommandRules } from './subcommands.js';

export interface CheckContext {
  projectRoot: string;
  policy: GitPolicy;
  /** Names of the remotes configured in the repository (`git remote`). */
  remotes: readonly string[];
  /** The checked-out branch (undefined when detached or not asked): what `push` may send. */
  currentBranch?: string | undefined;
}

/** Options refused whatever the subcommand, by long name and any abbreviation of it. */
const REFUSED_LONG: ReadonlyArray<{ long: readonly string[]; rule: Refusal['rule']; reason: string; hint?: string }> = [
  { long: ['upload-pack', 'receive-pack', 'exec'], rule: 'runs-program', reason: 'runs the program it names on this host', hint: 'Leave it out; git uses the configured remote.' },
  { long: ['ext-diff'], rule: 'runs-program', reason: 'runs an external diff program', hint: 'Leave it out.' },
  { long: ['open-files-in-pager'], rule: 'runs-program', reason: 'runs a pager program', hint: 'Leave it out.' },
  { long: ['help'], rule: 'runs-program', reason: 'opens a man page or a browser on the host', hint: 'Use -h for a usage summary.' },
  { long: ['output'], rule: 'writes-file', reason: 'writes a file on the host', hint: 'Leave it out; the output comes back in the tool result.' },
  {
    long: ['file', 'template', 'pathspec-from-file', 'contents', 'ignore-revs-file', 'exclude-from', 'exclude-per-directory', 'orderfile', 'no-index'],
    rule: 'reads-file',
    reason: 'reads a file named on the command line (any file on the host)',
    hint: 'Give the text or paths on the command line instead.',
  },
  {
    long: ['git-dir', 'work-tree', 'namespace', 'super-prefix', 'config', 'config-env', 'exec-path'],
    rule: 'global-option',
    reason: 'changes which repository, configuration or programs git uses',
    hint: 'Leave it out; the server always works on the project repository.',
  },
  { long: ['recurse-submodules', 'submodule-prefix'], rule: 'protected-path', reason: 'reaches into submodules, including the protected ones', hint: 'Leave it out.' },
];
/** Benign options that happen to be prefixes of refused ones (`--exclude` vs `--exclude-from`). */
const EXACT_BENIGN = ['ignore-rev', 'exclude', 'submodule'];

const GENERIC: SubcommandRules = { spec: {}, paths: 'read' };

function describeVerdict(arg: string, prot: string, kind: string): string {
  if (kind === 'may-match') return `pattern "${arg}" may match the protected path "${prot}"`;
  if (kind === 'covers') return `"${arg}" covers the protected path "${prot}"`;
  return `"${arg}" names the protected path "${prot}"`;
}

function* checkPaths(ctx: CheckContext, sub: string, rules: SubcommandRules, args: ParsedArgs, repositories: readonly string[]): Generator<Refusal> {
  const root = ctx.projectRoot;
  const protectedPaths = ctx.policy.protectedPaths;
  const mode = typeof rules.paths === 'function' ? rules.paths(args) : rules.paths;
  const exclusionHint = `Name the paths you mean, or exclude the protected ones: ${protectedPaths.map((p) => `':!${p}'`).join(' ')}.`;

  let operands = args.operands.filter((o) => !repositories.includes(o) && o !== '-');
  if (rules.patternOperand?.(args)) operands = operands.slice(1);
  const all = [...operands, ...args.pathspecs];
  const specs = all.map((a) => parsePathspec(a));
  // `add -A`/`add -u` without a path means the whole tree.
  if (sub === 'add' && findOption(args, 'Au', ['all', 'update', 'no-ignore-removal']) && !specs.some((s) => !s.exclude)) {
    specs.push({ raw: '(whole tree)', pattern: '.', exclude: false, literal: false });
  }
  const exclusions = specs.filter((s) => s.exclude);
  const excluded = (prot: string): boolean => exclusions.some((e) => excludes(root, e, prot));

  for (const spec of specs) {
    if (spec.unsupportedMagic !== undefined) {
      yield refuse('protected-path', `pathspec magic "${spec.unsupportedMagic}" in "${spec.raw}" is not accepted (only top, literal, icase, glob and exclude are)`, 'Write the path plainly.');
      continue;
    }
    if (spec.exclude) continue; // leaving something out never reaches it
    yield* judgeOne(spec);
    const named = namesProtected(root, spec.raw, protectedPaths);
    if (named !== undefined) yield refuse('protected-path', `"${spec.raw}" names the protected path "${named}"`, 'The protected submodules and paths cannot be used through this server.');
  }

  function* judgeOne(spec: Pathspec): Generator<Refusal> {
    const v = judgePathspec(root, spec, protectedPaths);
    if (v.kind === 'outside') {
      yield refuse('outside-project', `"${spec.raw}" is outside the project`, 'Use paths inside the project.');
      return;
    }
    if (mode === 'discard' && isWholeTree(spec)) {
      const rule = sub === 'restore' ? 'restore-tree' : sub === 'clean' ? 'clean-force' : 'checkout-discard';
      yield refuse(rule, `${sub} ${spec.raw} would throw away uncommitted changes in the whole working tree`, 'Name the files you mean, or commit/stash first.');
    }
    if (v.kind === 'names') yield refuse('protected-path', describeVerdict(spec.raw, v.protectedPath, v.kind), 'The protected submodules and paths cannot be used through this server.');
    else if (v.kind === 'may-match' && !excluded(v.protectedPath)) yield refuse('protected-path', describeVerdict(spec.raw, v.protectedPath, v.kind), `Start the pattern with a folder, e.g. 'docs/*.md', or exclude: ${exclusionHint}`);
    else if (v.kind === 'covers' && mode !== 'read' && !excluded(v.protectedPath)) {
      yield refuse('protected-path', `${describeVerdict(spec.raw, v.protectedPath, v.kind)}; ${sub} would change it too`, exclusionHint);
    }
  }

  function isWholeTree(spec: Pathspec): boolean {
    const globAt = spec.literal ? -1 : spec.pattern.search(/[*?[\\]/);
    if (globAt < 0) return normalisePath(root, spec.pattern) === '';
    // A glob whose literal part has no folder matches files anywhere in the tree.
    const lit = spec.pattern.slice(0, globAt);
    const dir = lit.slice(0, lit.lastIndexOf('/') + 1);
    return dir === '' || normalisePath(root, dir) === '';
  }

  // Option values (branch names, upstreams, sources…) unless they are free text.
  const free = new Set(rules.freeText ?? []);
  for (const opt of args.options) {
    if (opt.value === undefined || free.has(opt.name)) continue;
    const named = namesProtected(root, opt.value, protectedPaths);
    if (named !== undefined) yield refuse('protected-path', `${opt.raw} names the protected path "${named}"`, 'The protected submodules and paths cannot be used through this server.');
  }
}

function* checkRepositories(ctx: CheckContext, sub: string, rules: SubcommandRules, args: ParsedArgs, repositories: readonly string[]): Generator<Refusal> {
  for (const repo of repositories) {
    if (ctx.remotes.includes(repo) || ctx.policy.allowedUrls.includes(repo) || (repo === '.' && sub !== 'remote')) continue;
    const transport = /^([a-z][a-z0-9+.-]*)::/i.exec(repo)?.[1];
    const why = transport ? `the "${transport}::" transport${transport.toLowerCase() === 'ext' ? ' runs a shell command' : ''}` : `"${repo}" is not a remote configured in this repository`;
    yield refuse(
      'transport',
      `${why}; ${sub} may only use configured remotes${ctx.remotes.length ? ` (${ctx.remotes.join(', ')})` : ' (none configured)'}`,
      'Use a configured remote name; to allow a URL, add it to the policy\'s allowedUrls.',
    );
  }
  for (const refspec of rules.refspecs?.(args) ?? []) {
    if (refspec.startsWith('+')) {
      yield refuse(sub === 'push' ? 'push-force' : 'fetch-force', `refspec "${refspec}" forces the update (the leading "+")`, 'Leave out the "+".');
    }
    if (sub === 'push' && refspec.startsWith(':')) yield refuse('push-delete', `refspec "${refspec}" deletes "${refspec.slice(1)}" on the remote`, 'Delete remote branches by hand if you must.');
  }
}

/** Deeper paths are refused outright: judging one costs a filesystem look-up per part. */
const MAX_PATH_PARTS = 256;

const GREP_UNTRACKED = ['untracked', 'no-exclude-standard', 'no-index'];
const STASH_UNTRACKED = ['include-untracked', 'all'];
/** `--ignore-submodules` values that never run git inside a submodule. */
const SUBMODULES_IGNORED = new Set(['all', 'dirty']);

/** Guards no preset and no disabled rule lifts: secrets, untracked files, nested repositories. */
function* checkHostGuards(ctx: CheckContext, sub: string, rules: SubcommandRules, args: ParsedArgs, action: string | undefined): Generator<Refusal> {
  const free = new Set(rules.freeText ?? []);
  const values = [...args.operands, ...args.pathspecs, ...args.options.filter((o) => o.value !== undefined && !free.has(o.name)).map((o) => o.value as string)];
  for (const v of rules.patternOperand?.(args) ? values.slice(1) : values) {
    const secret = namesSecret(ctx.projectRoot, v);
    if (secret !== undefined) yield refuse('secret-path', `"${v}" reaches "${secret}": .env files and .qms/ hold the host's secrets`, 'Leave secrets out; they are never staged, stashed, committed or shown through this server.');
  }
  if (sub === 'grep') {
    const opt = findOption(args, undefined, GREP_UNTRACKED);
    if (opt) yield refuse('reads-untracked', `grep ${opt.raw} reads untracked files, the host's secrets among them`, 'Search tracked files (the default).');
  }
  if (sub === 'stash' && (action === undefined || action === 'push' || action === 'save')) {
    const opt = findOption(args, 'ua', STASH_UNTRACKED);
    if (opt) yield refuse('stash-untracked', `stash ${opt.raw} moves untracked files (secrets, the server's own files) off the disk`, 'Stash tracked changes only, or commit the files you mean.');
  }
  for (const opt of args.options) {
    if (!opt.long) continue;
    if (opt.name === 'submodule' || (opt.name.length >= 4 && 'submodule'.startsWith(opt.name))) {
      yield refuse('submodule-diff', `${opt.raw} runs git inside submodules and nested repositories, with their own configuration`, 'Leave it out; diff the submodule\'s pointer only.');
    }
    if ('ignore-submodules'.startsWith(opt.name) && opt.name.length >= 3 && opt.value !== undefined && !SUBMODULES_IGNORED.has(opt.value)) {
      yield refuse('submodule-diff', `${opt.raw} makes git look inside submodules, running git there with their own configuration`, 'Use --ignore-submodules=dirty or leave it out.');
    }
  }
}

function* checkAll(argv: readonly string[], ctx: CheckContext): Generator<Refusal> {
  const words = argv[0] === 'git' ? argv.slice(1) : argv;
  const sub = words[0];
  if (sub === undefined) {
    yield refuse('subcommand-form', 'no git subcommand given', 'Write e.g. "status" or "git log --oneline -5".');
    return;
  }
  if (sub.startsWith('-')) {
    yield refuse('global-option', `git option "${sub}" before the subcommand is not accepted (global options such as -c, -C, --git-dir, --work-tree, --exec-path change what git runs and where)`, 'Start with the subcommand, e.g. "status".');
    return;
  }
  if (!ctx.policy.allowedSubcommands.includes(sub)) {
    const why = WHY_NOT_ALLOWED[sub];
    yield refuse('subcommand-allowlist', `"${sub}" is not an allowed git subcommand${why ? `: ${why}` : ''}`, `Allowed: ${ctx.policy.allowedSubcommands.join(', ')}.`);
    return;
  }
  const deep = words.find((w) => w.split('/').length > MAX_PATH_PARTS);
  if (deep !== undefined) {
    yield refuse('syntax', `an argument has more than ${MAX_PATH_PARTS} path parts`, 'Use shorter paths.');
    return;
  }
  const rules = SUBCOMMANDS[sub] ?? GENERIC;
  const args = parseArgs(words.slice(1), rules.spec);
  // The action is the first operand after option parsing, not the first word: git parses the
  // command's own options before its sub-subcommand, so `remote -v add x url` adds a remote.
  const action = rules.hasAction ? args.operands.shift() : undefined;

  for (const opt of args.options) {
    if (!opt.long) continue;
    if ((rules.exact ?? []).includes(opt.name) && opt.value === undefined) continue;
    for (const r of REFUSED_LONG) {
      if (EXACT_BENIGN.includes(opt.name)) continue;
      if (r.long.some((l) => l === opt.name || l.startsWith(opt.name))) {
        const full = r.long.find((l) => l === opt.name) ?? r.long.filter((l) => l.startsWith(opt.name)).join(' or ');
        yield refuse(r.rule, `option "--${opt.name}"${full !== opt.name ? ` (read by git as --${full})` : ''} ${r.reason}`, r.hint);
      }
    }
  }
  yield* rules.check?.(args, action) ?? [];
  // Every preset but the maintainer's lists what it accepts (the reviewer's too: listing forms, fetch without refspecs).
  if (ctx.policy.preset !== 'maintainer') yield* checkAgentForm(sub, args, action, { remotes: ctx.remotes, currentBranch: ctx.currentBranch });
  yield* checkHostGuards(ctx, sub, rules, args, action);
  const repositories = rules.repositories?.(args) ?? [];
  yield* checkRepositories(ctx, sub, rules, args, repositories);
  yield* checkPaths(ctx, sub, rules, args, repositories);
}

/** The first refusal (of a rule not switched off by the policy), or undefined when the command may run. */
export function checkCommand(argv: readonly string[], ctx: CheckContext): Refusal | undefined {
  const disabled = new Set(ctx.policy.disabledRules.filter((r) => !ALWAYS_ON.includes(r)));
  for (const r of checkAll(argv, ctx)) if (!disabled.has(r.rule)) return r;
  return undefined;
}

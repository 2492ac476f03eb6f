/**
 * Judging what a command would change in the index by the paths git itself resolves, not by
 * how they were spelled. `add` is asked for its plan (`add --dry-run` with the agent's own
 * arguments: magic, exclusions, globs, `./`, `../` all as git reads them); every resulting path
 * must be a regular file or symlink (or a deletion) inside the policy's writable paths, not a
 * secret, not protected, and not inside a nested repository. Then exactly those paths are
 * staged from the content the server reads itself (stage-content.ts): git never looks at the
 * working tree again, so nothing swapped in between (a repository for a file) can slip in.
 * Before `commit`, everything staged is judged the same way.
 */
import { lstat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runGit, type GitRunResult, type GitRunSettings } from './exec-git.js';
import { findOption, parseArgs } from './parse-args.js';
import { judgePathspec, normalisePath } from './paths.js';
import { refuse, type Refusal } from './refusal.js';
import { isSecretPath } from './secrets.js';
import { stageJudged } from './stage-content.js';
import { SUBCOMMANDS } from './subcommands.js';

export type AddOutcome = { refusal: Refusal } | { result: GitRunResult };

const LITERAL = { GIT_LITERAL_PATHSPECS: '1' };
const GITLINK = '160000';

function within(rel: string, folders: readonly string[]): boolean {
  return folders.some((f) => f === '.' || rel === f || rel.startsWith(`${f}/`));
}

/** Is `rel` below a folder (other than the root) that holds a `.git` of its own? Cached per folder. */
async function insideNestedRepo(root: string, rel: string, seen: Map<string, boolean>): Promise<string | undefined> {
  for (let dir = dirname(rel); dir !== '.' && dir !== ''; dir = dirname(dir)) {
    let nested = seen.get(dir);
    if (nested === undefined) {
      nested = await lstat(join(root, dir, '.git')).then(() => true, () => false);
      seen.set(dir, nested);
    }
    if (nested) return dir;
  }
  return undefined;
}

/** The refusal for one path `add` or `commit` would record, or undefined when it may. */
export async function judgeIndexPath(settings: GitRunSettings, rel: string, seen: Map<string, boolean>, expectFile: boolean): Promise<Refusal | undefined> {
  const { projectRoot: root, policy } = settings;
  if (rel.split('/').some((p) => p.toLowerCase() === '.git')) return refuse('nested-repository', `"${rel}" is inside a .git folder`, 'Git metadata is never staged.');
  if (isSecretPath(rel)) return refuse('secret-path', `"${rel}" is one of the host's secrets (.env files, .qms/)`, 'Secrets are never staged or committed through this server.');
  const verdict = judgePathspec(root, { raw: rel, pattern: rel, exclude: false, literal: true }, policy.protectedPaths);
  if (verdict.kind === 'outside') return refuse('outside-project', `"${rel}" resolves outside the project`, 'Use paths inside the project.');
  if (verdict.kind === 'names') return refuse('protected-path', `"${rel}" is in the protected path "${verdict.protectedPath}"`, 'The protected submodules and paths cannot be changed through this server.');
  if (!within(rel, policy.writablePaths)) {
    return refuse('writable-paths', `"${rel}" is outside the paths this agent may commit (${policy.writablePaths.join(', ')})`, 'Stage only files in those folders; other changes belong to the maintainer.');
  }
  const nested = await insideNestedRepo(root, rel, seen);
  if (nested !== undefined) return refuse('nested-repository', `"${rel}" is inside "${nested}", which holds a git repository of its own`, `Remove ${nested}/.git (the host's git never enters a nested repository), or keep it out of what you stage.`);
  if (!expectFile) return undefined;
  const st = await lstat(join(root, rel)).catch(() => undefined);
  if (st === undefined) return undefined; // a deletion
  if (st.isDirectory()) return refuse('nested-repository', `"${rel}" is a folder git would record as a nested repository`, `Remove ${rel}/.git, or stage the files themselves.`);
  if (!st.isFile() && !st.isSymbolicLink()) return refuse('special-file', `"${rel}" is not a regular file (a FIFO, socket or device)`, 'Only regular files and symlinks can be staged.');
  return undefined;
}

/** Options that only shape the plan (which paths); the real add gets the planned paths instead. */
const PLAN_ONLY = new Set(['A', 'u', 'n', 'all', 'update', 'dry-run', 'no-all', 'ignore-removal', 'no-ignore-removal', 'ignore-missing']);

/**
 * Paths named literally that git's plan would silently skip but the agent should hear about:
 * a FIFO, socket or device (refused without ever opening it), or a file inside a nested repository.
 */
async function judgeNamed(settings: GitRunSettings, named: readonly string[], seen: Map<string, boolean>): Promise<Refusal | undefined> {
  for (const raw of named) {
    if (raw.startsWith(':') || /[*?[\\]/.test(raw)) continue;
    const rel = normalisePath(settings.projectRoot, raw, true);
    if (rel === null || rel === '') continue;
    const nested = await insideNestedRepo(settings.projectRoot, rel, seen);
    if (nested !== undefined) return refuse('nested-repository', `"${rel}" is inside "${nested}", which holds a git repository of its own`, `Remove ${nested}/.git (the host's git never enters a nested repository), or keep it out of what you stage.`);
    const st = await lstat(join(settings.projectRoot, rel)).catch(() => undefined);
    if (st && !st.isFile() && !st.isSymbolicLink() && !st.isDirectory()) return refuse('special-file', `"${rel}" is not a regular file (a FIFO, socket or device)`, 'Only regular files and symlinks can be staged.');
  }
  return undefined;
}

const ADD_LINE = /^(add|remove) '(.*)'$/;

/** Paths from `add --dry-run`'s plan, or a refusal when a line cannot be read as one. */
function parsePlan(root: string, stdout: string): string[] | Refusal {
  const paths: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const m = ADD_LINE.exec(line);
    if (!m) return refuse('special-file', `git's plan for add has a line that is not one path (${JSON.stringify(line.slice(0, 80))}): a file name with a newline or quote?`, 'Rename the file to a name without newlines, or stage other files by name.');
    const raw = m[2] as string;
    if (raw.endsWith('/')) return refuse('nested-repository', `"${raw}" holds a git repository of its own; add would record it as a nested repository`, `Remove ${raw}.git, or stage the files themselves.`);
    const rel = normalisePath(root, raw, true);
    if (rel === null || rel === '') return refuse('outside-project', `"${raw}" resolves outside the project`, 'Use paths inside the project.');
    paths.push(rel);
  }
  return paths;
}

/** Index entries (mode, path) for the given literal paths. */
async function indexEntries(settings: GitRunSettings, paths: readonly string[]): Promise<Array<{ mode: string; path: string }>> {
  if (paths.length === 0) return [];
  const r = await runGit(['ls-files', '-s', '-z', '--', ...paths], settings, { env: LITERAL });
  return r.stdout
    .split('\0')
    .filter(Boolean)
    .map((entry) => {
      const tab = entry.indexOf('\t');
      return { mode: entry.slice(0, entry.indexOf(' ')), path: entry.slice(tab + 1) };
    });
}

/** `add` options whose effect the server reproduces when it stages by content; any other is refused, not ignored. */
const SUPPORTED = new Set([...PLAN_ONLY, 'v', 'f', 'verbose', 'force', 'chmod']);

/**
 * Runs `add` by effect: plan with the agent's arguments, judge every path, then stage exactly
 * the judged paths from content the server reads itself (stage-content.ts).
 */
export async function addByEffect(args: readonly string[], settings: GitRunSettings): Promise<AddOutcome> {
  const parsed = parseArgs(args, SUBCOMMANDS.add?.spec ?? {});
  const unsupported = parsed.options.find((o) => !SUPPORTED.has(o.name));
  if (unsupported) return { refusal: refuse('option-allowlist', `add ${unsupported.raw} is not supported: the server stages judged paths by their content`, 'Use add [-v] [-n] [-A|-u] [-f] [--chmod=+x|-x] [--] <paths>.') };
  const chmod = parsed.options.find((o) => o.long && o.name === 'chmod')?.value;
  if (chmod !== undefined && chmod !== '+x' && chmod !== '-x') return { refusal: refuse('option-allowlist', `add --chmod=${chmod}: only +x and -x exist`, 'Use --chmod=+x or --chmod=-x.') };
  const dryRun = findOption(parsed, 'n', ['dry-run']) !== undefined;
  const seen = new Map<string, boolean>();
  const named = await judgeNamed(settings, [...parsed.operands, ...parsed.pathspecs], seen);
  if (named) return { refusal: named };
  const plan = await runGit(['add', '--dry-run', ...args.filter((a) => a !== '--dry-run' && a !== '-n')], settings);
  if (plan.exitCode !== 0) return { result: plan };
  const paths = parsePlan(settings.projectRoot, plan.stdout);
  if (!Array.isArray(paths)) return { refusal: paths };
  for (const rel of paths) {
    const refusal = await judgeIndexPath(settings, rel, seen, true);
    if (refusal) return { refusal };
  }
  if (dryRun) return { result: plan };
  if (paths.length === 0) return { result: { ...plan, stdout: '', stderr: 'nothing to add: no changes match those paths' } };
  const verbose = findOption(parsed, 'v', ['verbose']) !== undefined;
  const staged = await stageJudged(settings, paths, { verbose, ...(chmod ? { chmod } : {}) });
  return 'rule' in staged ? { refusal: staged } : { result: staged };
}

/**
 * What a `commit` without paths would record: every staged change against HEAD (or the whole
 * index on an unborn branch), judged like `add`. A new nested repository (a gitlink that HEAD
 * does not have) is refused even inside the writable paths.
 */
export async function judgeStaged(settings: GitRunSettings): Promise<Refusal | undefined> {
  const head = await runGit(['rev-parse', '--verify', '-q', 'HEAD'], settings);
  const changes: Array<{ oldMode: string; newMode: string; path: string }> = [];
  if (head.exitCode === 0) {
    const r = await runGit(['diff', '--cached', '--raw', '-z', '--no-renames', '--no-ext-diff', 'HEAD'], settings);
    if (r.exitCode !== 0) return refuse('writable-paths', `could not list the staged changes (${r.stderr.trim() || `exit ${r.exitCode}`})`, 'Check the repository with `status`.');
    const fields = r.stdout.split('\0');
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const [oldMode = '', newMode = ''] = (fields[i] as string).replace(/^:/, '').split(' ');
      changes.push({ oldMode, newMode, path: fields[i + 1] as string });
    }
  } else {
    for (const e of await indexEntries(settings, ['.'])) changes.push({ oldMode: '000000', newMode: e.mode, path: e.path });
  }
  const seen = new Map<string, boolean>();
  for (const c of changes) {
    if (c.newMode === GITLINK && c.oldMode !== GITLINK) {
      return refuse('nested-repository', `the index records "${c.path}" as a new nested repository`, `Unstage it (the maintainer: \`git rm --cached ${c.path}\`).`);
    }
    const refusal = await judgeIndexPath(settings, c.path, seen, false);
    if (refusal) return { ...refusal, reason: `staged: ${refusal.reason}` };
  }
  return undefined;
}

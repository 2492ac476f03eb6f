/**
 * The agent preset's allowlist of forms for the subcommands that change something: each one
 * lists the options it accepts (short letters and exact long names; an abbreviation is refused
 * with the full spelling to use) and which operands mean what. Anything not listed is refused:
 * a new git option is closed until someone decides it is safe, the opposite of a blocklist.
 * Read-only subcommands keep the generic checks; `branch`, `tag`, `remote` and `reflog` may
 * only list.
 */
import { findOption, type ParsedArgs } from './parse-args.js';
import { refuse, type Refusal } from './refusal.js';

export interface FormContext {
  remotes: readonly string[];
  /** The checked-out branch, or undefined on a detached HEAD. */
  currentBranch: string | undefined;
}

interface Form {
  /** Allowed options; a form without them keeps the generic option checks (read-only forms). */
  short?: string;
  long?: readonly string[];
  check?: (args: ParsedArgs, action: string | undefined, ctx: FormContext) => Generator<Refusal>;
}

const LISTING = ['contains', 'no-contains', 'merged', 'no-merged', 'points-at', 'sort', 'format', 'column', 'no-column', 'ignore-case'];

function* onlyListing(what: string, args: ParsedArgs, listed: boolean): Generator<Refusal> {
  if ((args.operands.length > 0 || args.pathspecs.length > 0) && !listed) {
    yield refuse('creates-ref', `${what} ${args.operands.join(' ')} would create or change a ${what}; the agent policy may only list them`, `List with \`${what} --list [pattern]\`; creating ${what}s needs the maintainer preset.`);
  }
}

/**
 * `fetch`/`pull` operands after the remote: plain remote branch names only. A refspec with a
 * destination writes (or with prune, deletes) local refs; `tag <name>` is one in disguise;
 * and the repository `.` would bring in local refs (a stash, another branch) as if fetched.
 */
function* onlyRemoteBranches(sub: string, args: ParsedArgs, hint: string): Generator<Refusal> {
  const [remote, ...refspecs] = args.operands;
  if (remote === '.') yield refuse('fetch-refspec', `${sub} from "." takes this repository's own refs (a stash, another branch) as if they came from the remote`, 'Use a configured remote.');
  const bad = refspecs.find((r) => r.includes(':') || r.startsWith('+') || r === 'tag');
  if (bad !== undefined && !findOption(args, undefined, ['all'])) yield refuse('fetch-refspec', `"${bad}" ${bad === 'tag' ? 'fetches a tag into a local ref' : 'writes (or deletes) local refs'}`, hint);
}

/** The refspecs `push` may name: the current branch, pushed to the branch of the same name. */
function pushesCurrentBranch(refspec: string, current: string): boolean {
  const local = new Set(['HEAD', current, `refs/heads/${current}`]);
  const [src, dst, ...rest] = refspec.split(':');
  if (rest.length > 0 || src === undefined) return false;
  if (dst === undefined) return local.has(src);
  return local.has(src) && (dst === current || dst === `refs/heads/${current}`);
}

const FORMS: Record<string, Form> = {
  add: { short: 'vnAu', long: ['verbose', 'dry-run', 'all', 'update'] },
  commit: {
    short: 'mqsn',
    long: ['message', 'quiet', 'signoff', 'no-verify', 'allow-empty'],
    *check(args) {
      if (args.operands.length > 0 || args.pathspecs.length > 0) {
        yield refuse('option-allowlist', `commit with paths (${[...args.operands, ...args.pathspecs].join(' ')}) stages them too`, 'Stage with `add <paths>` first, then `commit -m "…"` without paths.');
      }
    },
  },
  push: {
    short: 'qvnu',
    long: ['quiet', 'verbose', 'dry-run', 'porcelain', 'set-upstream'],
    *check(args, _action, ctx) {
      const [remote, ...refspecs] = args.operands;
      if (remote === '.') yield refuse('push-scope', 'push to "." updates this repository\'s own refs', 'Push to a configured remote.');
      if (refspecs.length === 0) return;
      if (ctx.currentBranch === undefined) {
        yield refuse('push-scope', 'HEAD is detached: there is no current branch to push', 'Switch to a branch first (ask the maintainer).');
        return;
      }
      const other = refspecs.find((r) => !pushesCurrentBranch(r, ctx.currentBranch as string));
      if (other !== undefined) {
        yield refuse('push-scope', `refspec "${other}" pushes something other than the current branch "${ctx.currentBranch}" to its own name`, `Push the current branch: \`push ${remote ?? 'origin'} HEAD\` (or \`push\` when it has an upstream).`);
      }
    },
  },
  fetch: {
    short: 'qvn',
    long: ['quiet', 'verbose', 'dry-run', 'all', 'tags', 'no-tags'],
    *check(args) {
      yield* onlyRemoteBranches('fetch', args, 'Fetch without a destination (`fetch origin main`) and read FETCH_HEAD or origin/main.');
    },
  },
  pull: {
    short: 'qv',
    long: ['quiet', 'verbose', 'ff-only'],
    *check(args) {
      if (!args.options.some((o) => o.long && o.name === 'ff-only')) {
        yield refuse('pull-ff-only', 'pull without --ff-only may merge or rebase in the host\'s working tree', 'Use `pull --ff-only`; if it cannot fast-forward, ask the maintainer.');
      }
      yield* onlyRemoteBranches('pull', args, 'Name only the remote branch: `pull --ff-only origin main`.');
    },
  },
  branch: {
    short: 'arlv',
    long: ['all', 'remotes', 'list', 'verbose', 'show-current', ...LISTING],
    *check(args) {
      yield* onlyListing('branch', args, findOption(args, 'l', ['list']) !== undefined);
    },
  },
  tag: {
    short: 'ln',
    long: ['list', ...LISTING],
    *check(args) {
      yield* onlyListing('tag', args, findOption(args, 'l', ['list']) !== undefined);
    },
  },
  remote: {
    short: 'v',
    long: ['verbose'],
    *check(_args, action) {
      if (action !== undefined && action !== 'show' && action !== 'get-url') {
        yield refuse('subcommand-form', `remote ${action} changes the repository's remotes`, 'Only `remote`, `remote -v`, `remote show <name>` and `remote get-url <name>` are allowed.');
      }
    },
  },
  reflog: {
    *check(_args, action) {
      if (action !== undefined && action !== 'show') yield refuse('subcommand-form', `reflog ${action} is not a read`, 'Use `reflog` or `reflog show [ref]`.');
    },
  },
};

/** Refusals of the agent preset's form rules; subcommands without a form (read-only ones) pass. */
export function* checkAgentForm(sub: string, args: ParsedArgs, action: string | undefined, ctx: FormContext): Generator<Refusal> {
  const form = FORMS[sub];
  if (!form) return;
  const short = form.short ?? '';
  const long = form.long ?? [];
  for (const opt of form.long === undefined ? [] : args.options) {
    const ok = opt.long ? long.includes(opt.name) : short.includes(opt.name);
    if (ok) continue;
    const meant = opt.long ? long.filter((l) => l.startsWith(opt.name)) : [];
    yield refuse(
      'option-allowlist',
      `option ${opt.raw} is not allowed for ${sub} in the agent policy`,
      meant.length === 1 ? `Spell it out: --${meant[0]}.` : `Allowed: ${[...short].map((c) => `-${c}`).concat(long.map((l) => `--${l}`)).join(' ') || 'none'}.`,
    );
  }
  yield* form.check?.(args, action, ctx) ?? [];
}

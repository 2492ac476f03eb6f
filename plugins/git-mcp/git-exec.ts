/**
 * The `git_exec` tool's behaviour, independent of MCP: tokenise the command string, judge every
 * command of the chain against the policy before running any (a refused command anywhere
 * means nothing runs), run them with shell semantics (`&&` only after success, `||` only after
 * failure, `;` always), judge `add` and `commit` again by their effect as they run, format
 * each command's output and exit code, and audit the call — before anything runs (no record,
 * no run) and with its outcome.
 */
import { AuditLog, type AuditStep } from './audit-log.js';
import { checkCommand } from './check-command.js';
import { addByEffect, judgeStaged } from './effects.js';
import { runGit, type GitRunResult, type GitRunSettings } from './exec-git.js';
import type { HostSecrets } from './secret-values.js';
import { findOption, parseArgs } from './parse-args.js';
import { formatRefusal, refuse, type Refusal } from './refusal.js';
import { SUBCOMMANDS } from './subcommands.js';
import { tokenize, TokenizeError, type ChainedCommand } from './tokenize.js';

export interface GitExecResult {
  text: string;
  isError: boolean;
  refusal?: Refusal;
}

export interface GitExecutorSettings extends GitRunSettings {
  audit: AuditLog;
  /** Values masked in every output (the host's .env values and MCP tokens). */
  secrets: HostSecrets;
  /** The agent whose credential the calls are made with (recorded in the audit trail). */
  agent?: string;
}

const MAX_COMMANDS = 16;
const MAX_LENGTH = 16_384;
/** Subcommands whose operands may name repositories, which must be configured remotes. */
const NEEDS_REMOTES = new Set(['fetch', 'pull', 'push', 'ls-remote', 'remote']);

const subOf = (argv: readonly string[]): string | undefined => (argv[0] === 'git' ? argv[1] : argv[0]);

function parse(command: string): ChainedCommand[] | Refusal {
  if (command.length > MAX_LENGTH) return refuse('syntax', `command is longer than ${MAX_LENGTH} characters`, 'Split the work into several calls.');
  try {
    const chain = tokenize(command);
    if (chain.length > MAX_COMMANDS) return refuse('syntax', `more than ${MAX_COMMANDS} chained commands`, 'Split the work into several calls.');
    return chain;
  } catch (e) {
    if (!(e instanceof TokenizeError)) throw e;
    return refuse(
      'syntax',
      `shell syntax is not accepted: ${e.message} (at character ${e.at + 1})`,
      'No shell runs the command: chain git commands with &&, || or ; and quote arguments with \' or ".',
    );
  }
}

/** One step's outcome: what git printed, or the refusal that stopped it when it was judged by effect. */
type StepOutcome = { result: GitRunResult } | { refusal: Refusal };

/** Calls one agent may have running at once, and waiting behind them; more are refused. */
const MAX_RUNNING = 2;
const MAX_WAITING = 8;

export class GitExecutor {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly settings: GitExecutorSettings) {}

  /**
   * One agent's calls run at most MAX_RUNNING at a time with a short queue behind them, so a
   * flood of calls can neither grow the server's memory without bound nor starve other agents.
   */
  async exec(command: string): Promise<GitExecResult> {
    if (this.running >= MAX_RUNNING) {
      if (this.waiting.length >= MAX_WAITING) {
        const busy = refuse('busy', `${MAX_RUNNING} calls are running and ${MAX_WAITING} waiting for this agent already`, 'Wait for them to finish, then try again.');
        return { text: formatRefusal(command, busy), isError: true, refusal: busy };
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve)); // a finishing call hands its slot over
    } else this.running++;
    try {
      return await this.execNow(command);
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  private quick(): GitRunSettings {
    return { ...this.settings, timeoutMs: Math.min(this.settings.timeoutMs, 10_000) };
  }

  /** The configured remote names, asked from git (with the hardened settings) once per call that needs them. */
  private async listRemotes(): Promise<string[]> {
    const r = await runGit(['remote'], this.quick());
    return r.exitCode === 0 ? r.stdout.split('\n').map((l) => l.trim()).filter(Boolean) : [];
  }

  private async currentBranch(): Promise<string | undefined> {
    const r = await runGit(['symbolic-ref', '-q', '--short', 'HEAD'], this.quick());
    return r.exitCode === 0 ? r.stdout.trim() || undefined : undefined;
  }

  /** Runs one allowed command; `add` and `commit` are judged again by what they would change. */
  private async runStep(args: readonly string[], budget: number): Promise<StepOutcome> {
    const [sub, ...rest] = args;
    const settings = { ...this.settings, maxOutputBytes: Math.min(this.settings.maxOutputBytes, budget) };
    if (sub === 'add') return addByEffect(rest, settings);
    if (sub === 'commit' && commitsTheIndex(rest)) {
      const refusal = await judgeStaged(this.settings);
      if (refusal) return { refusal };
    }
    const limited = this.settings.policy.preset !== 'maintainer';
    // Ref deletion by prune (from the repository's config too) and merges/rebases are never an agent's.
    const injected = limited && sub === 'fetch' ? ['--no-prune', '--no-prune-tags'] : limited && sub === 'pull' ? ['--no-rebase', '--no-prune'] : [];
    return { result: await runGit(sub === undefined ? [] : [sub, ...injected, ...rest], settings) };
  }

  /** Runs one `git_exec` call for this executor's agent. */
  private async execNow(command: string): Promise<GitExecResult> {
    const started = performance.now();
    const time = new Date().toISOString();
    const who = this.settings.agent === undefined ? {} : { agent: this.settings.agent };
    const elapsed = (): number => Math.round(performance.now() - started);
    const parsed = parse(command);
    let refusal: Refusal | undefined = Array.isArray(parsed) ? undefined : parsed;
    const chain = Array.isArray(parsed) ? parsed : [];
    if (!refusal) {
      const subs = chain.map((c) => subOf(c.argv) ?? '');
      const remotes = subs.some((s) => NEEDS_REMOTES.has(s)) ? await this.listRemotes() : [];
      const currentBranch = subs.includes('push') ? await this.currentBranch() : undefined;
      const ctx = { projectRoot: this.settings.projectRoot, policy: this.settings.policy, remotes, currentBranch };
      for (const c of chain) {
        refusal = checkCommand(c.argv, ctx);
        if (refusal) break;
      }
    }
    if (refusal) {
      await this.settings.audit.append({ time, command, ...who, verdict: 'refused', rule: refusal.rule, reason: refusal.reason, exitCode: null, durationMs: elapsed() }).catch(() => undefined);
      return { text: formatRefusal(command, refusal), isError: true, refusal };
    }
    // Fail closed: nothing runs unless the call is on record first.
    try {
      await this.settings.audit.append({ time, command, ...who, verdict: 'allowed', phase: 'start', exitCode: null, durationMs: 0 });
    } catch (e) {
      const unavailable = refuse('audit-unavailable', `the audit log ${this.settings.audit.file} cannot be written (${e instanceof Error ? e.message : String(e)})`, 'Nothing runs unaudited; the host user must fix the audit log\'s folder.');
      return { text: formatRefusal(command, unavailable), isError: true, refusal: unavailable };
    }

    const steps: AuditStep[] = [];
    const parts: string[] = [];
    const redactor = await this.settings.secrets.redactor();
    // One budget for the whole chain: sixteen commands may not print sixteen times the cap.
    let budget = this.settings.maxOutputBytes;
    let status = 0;
    let ranAny = false;
    let stopped: Refusal | undefined;
    for (const c of chain) {
      const args = c.argv[0] === 'git' ? c.argv.slice(1) : c.argv;
      const shown = `$ git ${args.join(' ')}`;
      if (stopped || budget <= 0 || (c.op === '&&' && status !== 0) || (c.op === '||' && status === 0)) {
        steps.push({ argv: args, exitCode: null, durationMs: 0, skipped: true });
        const why = stopped ? 'an earlier command was refused' : budget <= 0 ? `the call's output limit (${this.settings.maxOutputBytes} bytes) is reached` : c.op === '&&' ? 'previous command failed' : 'previous command succeeded';
        parts.push(`${shown}\n[skipped: ${why}]`);
        continue;
      }
      let outcome: StepOutcome;
      try {
        outcome = await this.runStep(args, budget);
      } catch (e) {
        // git could not be started at all (not installed, not on PATH): say so rather than fail the MCP request.
        const message = e instanceof Error ? e.message : String(e);
        outcome = { result: { exitCode: 127, signal: null, stdout: '', stderr: `could not start git: ${message} (is git installed and on PATH?)`, truncated: false, timedOut: false, durationMs: 0 } };
      }
      if ('refusal' in outcome) {
        stopped = outcome.refusal;
        status = 1;
        steps.push({ argv: args, exitCode: null, durationMs: 0, rule: stopped.rule });
        parts.push(`${shown}\n${formatRefusal(args.join(' '), stopped)}`);
        continue;
      }
      const r = outcome.result;
      budget -= Buffer.byteLength(r.stdout) + Buffer.byteLength(r.stderr);
      ranAny = true;
      status = r.exitCode ?? 128;
      steps.push({ argv: args, exitCode: r.exitCode, durationMs: r.durationMs, ...(r.timedOut ? { timedOut: true } : {}), ...(r.truncated ? { truncated: true } : {}) });
      const notes = [
        r.timedOut ? `[killed: no result within ${this.settings.timeoutMs} ms]` : '',
        r.truncated ? `[output truncated at ${this.settings.maxOutputBytes} bytes; git was stopped]` : '',
      ].filter(Boolean);
      const body = redactor.redact([r.stdout.replace(/\n$/, ''), r.stderr ? `[stderr]\n${r.stderr.replace(/\n$/, '')}` : '', ...notes].filter(Boolean).join('\n'));
      parts.push(`${shown}\n${body ? `${body}\n` : ''}[exit ${r.exitCode ?? r.signal ?? 'unknown'}]`);
    }
    const verdict = stopped ? 'refused' : 'allowed';
    await this.settings.audit
      .append({ time, command, ...who, verdict, ...(stopped ? { rule: stopped.rule, reason: stopped.reason } : {}), exitCode: ranAny ? status : null, durationMs: elapsed(), steps })
      .catch(() => undefined);
    return { text: parts.join('\n\n'), isError: status !== 0, ...(stopped ? { refusal: stopped } : {}) };
  }
}

/** A commit that records the index as it is (no paths, no -a/-i/-o): what judgeStaged checks. */
function commitsTheIndex(args: readonly string[]): boolean {
  const parsed = parseArgs(args, SUBCOMMANDS.commit?.spec ?? {});
  return parsed.operands.length === 0 && parsed.pathspecs.length === 0 && !findOption(parsed, 'aio', ['all', 'include', 'only']);
}

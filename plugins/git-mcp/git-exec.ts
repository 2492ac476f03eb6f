/**
 * The `git_exec` tool's behaviour, independent of MCP: tokenise the command string, judge every
 * command of the chain against the policy before running any (a refused command anywhere
 * means nothing runs), run them with shell semantics (`&&` only after success, `||` only after
 * failure, `;` always), format each command's output and exit code, and audit the call.
 */
import { AuditLog, type AuditStep } from './audit-log.js';
import { checkCommand } from './check-command.js';
import { runGit, type GitRunSettings } from './exec-git.js';
import { formatRefusal, refuse, type Refusal } from './refusal.js';
import { tokenize, TokenizeError, type ChainedCommand } from './tokenize.js';

export interface GitExecResult {
  text: string;
  isError: boolean;
  refusal?: Refusal;
}

export interface GitExecutorSettings extends GitRunSettings {
  audit: AuditLog;
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

export class GitExecutor {
  constructor(private readonly settings: GitExecutorSettings) {}

  /** The configured remote names, asked from git (with the hardened settings) once per call that needs them. */
  private async listRemotes(): Promise<string[]> {
    const r = await runGit(['remote'], { ...this.settings, timeoutMs: Math.min(this.settings.timeoutMs, 10_000) });
    return r.exitCode === 0 ? r.stdout.split('\n').map((l) => l.trim()).filter(Boolean) : [];
  }

  async exec(command: string): Promise<GitExecResult> {
    const started = performance.now();
    const time = new Date().toISOString();
    const elapsed = (): number => Math.round(performance.now() - started);
    const parsed = parse(command);
    let refusal: Refusal | undefined = Array.isArray(parsed) ? undefined : parsed;
    const chain = Array.isArray(parsed) ? parsed : [];
    if (!refusal) {
      const remotes = chain.some((c) => NEEDS_REMOTES.has(subOf(c.argv) ?? '')) ? await this.listRemotes() : [];
      const ctx = { projectRoot: this.settings.projectRoot, policy: this.settings.policy, remotes };
      for (const c of chain) {
        refusal = checkCommand(c.argv, ctx);
        if (refusal) break;
      }
    }
    if (refusal) {
      await this.settings.audit.append({ time, command, verdict: 'refused', rule: refusal.rule, reason: refusal.reason, exitCode: null, durationMs: elapsed() });
      return { text: formatRefusal(command, refusal), isError: true, refusal };
    }

    const steps: AuditStep[] = [];
    const parts: string[] = [];
    let status = 0;
    let ranAny = false;
    for (const c of chain) {
      const args = c.argv[0] === 'git' ? c.argv.slice(1) : c.argv;
      const shown = `$ git ${args.join(' ')}`;
      if ((c.op === '&&' && status !== 0) || (c.op === '||' && status === 0)) {
        steps.push({ argv: args, exitCode: null, durationMs: 0, skipped: true });
        parts.push(`${shown}\n[skipped: ${c.op === '&&' ? 'previous command failed' : 'previous command succeeded'}]`);
        continue;
      }
      let r: Awaited<ReturnType<typeof runGit>>;
      try {
        r = await runGit(args, this.settings);
      } catch (e) {
        // git could not be started at all (not installed, not on PATH): say so rather than fail the MCP request.
        const message = e instanceof Error ? e.message : String(e);
        r = { exitCode: 127, signal: null, stdout: '', stderr: `could not start git: ${message} (is git installed and on PATH?)`, truncated: false, timedOut: false, durationMs: 0 };
      }
      ranAny = true;
      status = r.exitCode ?? 128;
      steps.push({ argv: args, exitCode: r.exitCode, durationMs: r.durationMs, ...(r.timedOut ? { timedOut: true } : {}), ...(r.truncated ? { truncated: true } : {}) });
      const notes = [
        r.timedOut ? `[killed: no result within ${this.settings.timeoutMs} ms]` : '',
        r.truncated ? `[output truncated at ${this.settings.maxOutputBytes} bytes; git was stopped]` : '',
      ].filter(Boolean);
      const body = [r.stdout.replace(/\n$/, ''), r.stderr ? `[stderr]\n${r.stderr.replace(/\n$/, '')}` : '', ...notes].filter(Boolean).join('\n');
      parts.push(`${shown}\n${body ? `${body}\n` : ''}[exit ${r.exitCode ?? r.signal ?? 'unknown'}]`);
    }
    await this.settings.audit.append({ time, command, verdict: 'allowed', exitCode: ranAny ? status : null, durationMs: elapsed(), steps });
    return { text: parts.join('\n\n'), isError: status !== 0 };
  }
}

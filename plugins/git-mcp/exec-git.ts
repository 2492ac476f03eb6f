/**
 * Runs git directly (never through a shell) in the project with hardened settings: a minimal
 * environment (no inherited GIT_* variables, no system or global config unless trusted, no
 * prompts, no pagers or editors), hooks and fsmonitor disabled, submodule recursion off,
 * transports limited to the policy's list; a timeout that stops the whole process group
 * (SIGTERM, then SIGKILL after a grace period) and a cap on output size (the process is
 * stopped the same way once the cap is reached).
 */
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import type { GitPolicy } from './policy.js';

export interface GitRunSettings {
  projectRoot: string;
  policy: GitPolicy;
  timeoutMs: number;
  maxOutputBytes: number;
  /** Extra `-c key=value` pairs placed before ours (e.g. the commit identity). */
  extraConfig?: readonly string[];
}

export interface GitRunResult {
  /** Exit status; null when killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
  durationMs: number;
}

/** Config every git call gets from us (command-line config wins over the repository's). */
export const HARDENED_CONFIG: readonly string[] = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.pager=cat',
  'protocol.ext.allow=never',
  'protocol.fd.allow=never',
  'submodule.recurse=false',
  'fetch.recurseSubmodules=false',
  'push.recurseSubmodules=no',
  // Never run git inside a submodule or nested repository: that git would read the nested
  // repository's own config (filters, diff.external, core.worktree), which the agent may write.
  'diff.ignoreSubmodules=dirty',
  'status.submoduleSummary=false',
  'diff.submodule=short',
  // A push without a refspec sends the current branch to its upstream, whatever the repository says.
  'push.default=simple',
  'gc.auto=0',
  'maintenance.auto=false',
  'color.ui=never',
];

export interface GitRunInput {
  /** Written to git's stdin (e.g. NUL-separated paths for --pathspec-from-file=-); stdin is closed otherwise. */
  stdin?: Buffer;
  /** Extra environment (e.g. GIT_LITERAL_PATHSPECS=1). */
  env?: Record<string, string>;
}

export function hardenedEnv(settings: Pick<GitRunSettings, 'projectRoot' | 'policy'>): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    // The real HOME so ssh finds the user's keys and known_hosts; git's own global config is
    // replaced below unless the policy trusts it.
    HOME: process.env.HOME ?? homedir(),
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    GIT_EDITOR: 'true',
    GIT_SEQUENCE_EDITOR: 'true',
    GIT_ALLOW_PROTOCOL: settings.policy.allowedProtocols.join(':'),
    GIT_PROTOCOL_FROM_USER: '0',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_CEILING_DIRECTORIES: dirname(settings.projectRoot),
  };
  if (!settings.policy.trustGlobalConfig) env.GIT_CONFIG_GLOBAL = '/dev/null';
  if (process.env.SSH_AUTH_SOCK) env.SSH_AUTH_SOCK = process.env.SSH_AUTH_SOCK;
  return env;
}

export function gitArgv(settings: Pick<GitRunSettings, 'extraConfig'>, args: readonly string[]): string[] {
  const config = [...(settings.extraConfig ?? []), ...HARDENED_CONFIG];
  return [...config.flatMap((c) => ['-c', c]), ...args];
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Time git gets after SIGTERM to remove its lock files (index.lock) before SIGKILL. */
const KILL_GRACE_MS = 2000;

export function runGit(args: readonly string[], settings: GitRunSettings, input: GitRunInput = {}): Promise<GitRunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // detached: git gets its own process group, so a timeout kills its children (ssh, pack-objects) too.
    const child = spawn('git', gitArgv(settings, args), {
      cwd: settings.projectRoot,
      env: { ...hardenedEnv(settings), ...input.env },
      stdio: [input.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
      shell: false,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let truncated = false;
    let timedOut = false;
    let closed = false;
    let killer: NodeJS.Timeout | undefined;
    // SIGTERM first, so git cleans up its locks (a SIGKILLed add leaves .git/index.lock and blocks every later write).
    const stop = (): void => {
      if (killer) return;
      signalGroup(child.pid, 'SIGTERM');
      killer = setTimeout(() => {
        if (!closed) signalGroup(child.pid, 'SIGKILL');
      }, KILL_GRACE_MS);
    };
    const take = (into: Buffer[]) => (chunk: Buffer): void => {
      if (truncated) return;
      const room = settings.maxOutputBytes - bytes;
      if (chunk.length > room) {
        into.push(chunk.subarray(0, Math.max(0, room)));
        bytes = settings.maxOutputBytes;
        truncated = true;
        stop();
        return;
      }
      into.push(chunk);
      bytes += chunk.length;
    };
    if (input.stdin && child.stdin) {
      child.stdin.on('error', () => undefined); // git may exit before reading it all
      child.stdin.end(input.stdin);
    }
    child.stdout?.on('data', take(out));
    child.stderr?.on('data', take(err));
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, settings.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      closed = true;
      clearTimeout(timer);
      clearTimeout(killer);
      resolve({
        exitCode: code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        truncated,
        timedOut,
        durationMs: Math.round(performance.now() - started),
      });
    });
  });
}

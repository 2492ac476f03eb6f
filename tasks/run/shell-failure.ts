/**
 * What a failed `ctx.$` command says. zx rejects with a ProcessOutput whose message is its
 * stderr followed by an internal stack frame, and is empty when the command printed nothing.
 * The task's log already holds the command's output (stderr included, once), so the failure
 * names what ran and how it ended: `` `docker build .` exited with code 1 ``. The error is
 * rewritten in place, so a plugin that catches and rethrows it (or wraps its message) sees
 * the same text, and it gains `command` and `exitCode` fields.
 */

/** The longest command shown; a generated script is cut, the output above still has the rest. */
const MAX_COMMAND = 200;

export interface ShellFailure extends Error {
  command: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

function showCommand(cmd: string): string {
  const one = cmd.replace(/\s*\n\s*/g, ' ').trim();
  return one.length > MAX_COMMAND ? `${one.slice(0, MAX_COMMAND - 1)}…` : one;
}

export function shellFailureMessage(command: string, exitCode: number | null, signal: string | null, stderr: string): string {
  const how = signal ? `was killed by ${signal}` : `exited with code ${exitCode ?? 'unknown'}`;
  return `\`${showCommand(command)}\` ${how}${stderr.trim() === '' ? ' and printed nothing on stderr' : ''}`;
}

/** Turn zx's rejection of `command` into a ShellFailure (same object, clean message, no internal stack). */
export function describeShellFailure(err: unknown, command: string): void {
  if (err === null || typeof err !== 'object' || !('exitCode' in err)) return;
  const e = err as { exitCode: number | null; signal?: string | null; stderr?: string; name?: string };
  const message = shellFailureMessage(command, e.exitCode, e.signal ?? null, typeof e.stderr === 'string' ? e.stderr : '');
  try {
    Object.defineProperty(err, 'message', { value: message, writable: true, configurable: true, enumerable: false });
    Object.defineProperty(err, 'stack', { value: `ShellFailure: ${message}`, writable: true, configurable: true, enumerable: false });
    Object.defineProperty(err, 'command', { value: command, writable: true, configurable: true, enumerable: true });
  } catch {
    // A frozen error keeps zx's text; the failure is still reported.
  }
}

export const isShellFailure = (err: unknown): err is ShellFailure =>
  err instanceof Error && typeof (err as { command?: unknown }).command === 'string' && 'exitCode' in err;

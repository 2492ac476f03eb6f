/**
 * How a task can fail, as a small union with a reason, and the error that carries it: it
 * names the plugin and the task (`[container] container: …`) and keeps the hint of a
 * known (`QmsError`) cause.
 */
import { QmsError } from '../errors.js';

export type FailureKind = 'failed' | 'timed-out' | 'aborted' | 'blocked';

export interface TaskFailure {
  task: string;
  plugin: string | undefined;
  kind: FailureKind;
  reason: string;
  hint?: string;
  /** The thrown value, for `failed` (used to decide whether a stack trace helps). */
  cause?: unknown;
}

export class TaskError extends QmsError {
  constructor(readonly failure: TaskFailure) {
    super(`${failure.plugin ? `[${failure.plugin}] ` : ''}${failure.task}: ${failure.reason}`, failure.hint);
    this.name = 'TaskError';
  }
}

/** Thrown by `ctx.skip(reason)`; ends the task as skipped. */
export class SkipSignal {
  constructor(
    readonly reason: string,
    readonly result: unknown,
  ) {}
}

/** The abort reason when `timeout` elapses. */
export class TaskTimeout extends Error {
  constructor(readonly ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = 'TaskTimeout';
  }
}

/** The run's abort reason after SIGINT/SIGTERM. */
export class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err) ?? String(err);
}

/** The hint of a known error (duck-typed: a plugin may hold another copy of the errors module). */
export function errorHint(err: unknown): string | undefined {
  if (err instanceof QmsError) return err.hint;
  const hint = err instanceof Error ? (err as { hint?: unknown }).hint : undefined;
  return typeof hint === 'string' ? hint : undefined;
}

/** Programming errors in a plugin, where the stack is what the user needs to report. */
export const isBug = (err: unknown): err is Error =>
  err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError || err instanceof SyntaxError;

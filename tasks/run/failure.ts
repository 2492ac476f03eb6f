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

/** `[plugin] task: reason`: the one place a failure is prefixed with where it happened. */
export const formatFailure = (f: { plugin?: string | null; task: string; reason: string }): string => `${f.plugin ? `[${f.plugin}] ` : ''}${f.task}: ${f.reason}`;

export class TaskError extends QmsError {
  constructor(readonly failure: TaskFailure) {
    super(formatFailure(failure), failure.hint, { plugin: failure.plugin, task: failure.task, cause: failure.cause });
    this.name = 'TaskError';
  }
}

/**
 * A reason without the prefixes its plugin already put in (`auth: …`, `[auth] …`), since the
 * renderer names the plugin and task itself: `[auth] auth: auth: 1 check failed` never shows.
 */
export function withoutOwnPrefix(reason: string, plugin: string | undefined | null, task: string): string {
  const prefixes = [plugin && `[${plugin}] `, plugin && `${plugin}: `, plugin && `${plugin}(): `, `${task}: `].filter((p): p is string => Boolean(p));
  let out = reason;
  for (let changed = true; changed; ) {
    changed = false;
    for (const p of prefixes) {
      if (out.startsWith(p) && out.length > p.length) {
        out = out.slice(p.length);
        changed = true;
      }
    }
  }
  return out;
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

/** For a failure with an empty message: what was thrown, so the reason is never blank. */
export function describeThrown(err: unknown): string {
  if (err === undefined) return 'nothing was thrown';
  if (err instanceof Error) return `threw ${err.name || 'an Error'} with an empty message`;
  return `threw ${err === null ? 'null' : typeof err}`;
}

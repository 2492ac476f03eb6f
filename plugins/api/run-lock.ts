/**
 * The locks of the API's changing calls (ensure, refresh, stop). Per agent: two calls for the
 * same agent exclude each other, calls for different agents run at once. Against every other
 * qms run of the project: the API holds the project's run lock (tasks/cli/run-lock.ts, the one
 * `qms up`/`down`/`task` take) while any of its calls runs — taken by the first call, shared by
 * the calls that overlap it, released when the last one ends — so a CLI run and the API never
 * work on the project at once. The API does not queue: a call that finds its agent busy, or the
 * run lock held by another process, is refused with 409 at once (a browser or a script can
 * retry; a request left hanging for a 15-minute build helps nobody).
 */
import { acquireRunLock, type RunLock } from '../../tasks/cli/run-lock.js';
import { LockBusy } from '../../tasks/state/lock.js';
import type { StateStore } from '../../tasks/types.js';
import { ApiError } from './api-error.js';

export class AgentLocks {
  /** What this process is doing for each busy agent, for the 409 message. */
  private readonly busy = new Map<string, string>();
  /** The run lock while any call holds it (or is being taken), with the number of its users. */
  private project: Promise<RunLock> | undefined;
  private users = 0;

  constructor(private readonly signal: AbortSignal) {}

  /** What this process is running for `agent`, if anything. */
  busyWith(agent: string): string | undefined {
    return this.busy.get(agent);
  }

  /** `fn` while holding `agent` and (shared) the project's run lock; 409 when either is taken. */
  async run<T>(state: StateStore, agent: string, what: string, fn: () => Promise<T>): Promise<T> {
    const running = this.busy.get(agent);
    if (running !== undefined) throw busy(`the API is already running ${running}`);
    this.busy.set(agent, what);
    try {
      await this.enter(state);
      try {
        return await fn();
      } finally {
        this.leave();
      }
    } finally {
      this.busy.delete(agent);
    }
  }

  private async enter(state: StateStore): Promise<void> {
    this.users++;
    this.project ??= acquireRunLock(state, this.signal, () => undefined, { wait: false });
    try {
      await this.project;
    } catch (err) {
      this.leave();
      // Only the lock's own refusal is a 409; anything else (e.g. .qms/ not writable) is reported as is.
      if (err instanceof LockBusy) throw busy('another qms run of this project (qms up/down/task) is in progress', err);
      throw err;
    }
  }

  private leave(): void {
    if (--this.users > 0) return;
    const held = this.project;
    this.project = undefined;
    // Released when taken; a failed attempt has nothing to release.
    held?.then((lock) => lock.release(), () => undefined);
  }
}

function busy(why: string, cause?: unknown): ApiError {
  return new ApiError(409, 'busy', `Project busy: ${why}.`, 'Retry when it has finished (GET /api/events shows when a run ends).', cause);
}

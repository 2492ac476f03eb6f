/**
 * The project's run lock, taken by every API call that changes containers (ensure, refresh,
 * stop): the same lock `qms up`/`down`/`task` take (state lock `run`), so the API and the CLI
 * never work on the project at once. The API does not queue: while another qms process holds it,
 * or another API call of this process, the call is refused with 409 at once (a browser or a
 * script can retry; a request left hanging for a 15-minute build helps nobody).
 */
import type { StateStore } from '../../tasks/types.js';
import { QmsError } from '../../tasks/errors.js';
import { ApiError } from './api-error.js';

export class ProjectLock {
  /** What this process is doing under the lock, for the 409 message. */
  private holder: string | undefined;

  constructor(private readonly state: StateStore) {}

  get busyWith(): string | undefined {
    return this.holder;
  }

  async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.holder !== undefined) throw busy(`the API is already running ${this.holder}`);
    this.holder = what;
    let entered = false;
    try {
      // timeoutMs 0: one attempt; a live owner's lock file means another qms run.
      return await this.state.withLock('run', async () => {
        entered = true;
        return fn();
      }, { timeoutMs: 0 });
    } catch (err) {
      // Only the lock's own refusal is a 409; anything else (e.g. .qms/ not writable) is reported as is.
      if (!entered && err instanceof QmsError && / holds the lock /.test(err.message)) throw busy('another qms run of this project (qms up/down/task) is in progress', err);
      throw err;
    } finally {
      this.holder = undefined;
    }
  }
}

function busy(why: string, cause?: unknown): ApiError {
  return new ApiError(409, 'busy', `Project busy: ${why}.`, 'Retry when it has finished (GET /api/events shows when a run ends).', cause);
}

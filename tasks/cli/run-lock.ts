/**
 * One `qms up`/`down`/`task` at a time per project: two `qms up` at once would race to create
 * the same container and servers. The second run waits (saying so) for the first; the lock is
 * released before an interactive task takes the terminal, so an attached Claude session never
 * blocks `qms down` or another `qms up` from a second terminal. A service that must not queue
 * (the project API) asks with `wait: false` and gets LockBusy at once while another run holds it.
 */
import type { StateStore } from '../types.js';
import { Interrupted } from '../run/failure.js';

/** The state lock every run of the project takes (the one definition of its name). */
export const RUN_LOCK = 'run';

export interface RunLock {
  release(): void;
  /** Settles once the lock file is gone. */
  done: Promise<void>;
}

/**
 * Waits up to 15 minutes (a cold `up` builds an image); an abort (Ctrl-C) stops waiting. With
 * `wait: false`, one attempt: LockBusy (tasks/state/lock.ts) when another live process holds it.
 */
export async function acquireRunLock(state: StateStore, signal: AbortSignal, say: (line: string) => void, options: { wait?: boolean } = {}): Promise<RunLock> {
  const wait = options.wait ?? true;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let acquired!: () => void;
  const held = new Promise<void>((r) => (acquired = r));
  const done = state.withLock(RUN_LOCK, async () => {
    acquired();
    await released;
  }, { timeoutMs: wait ? 15 * 60_000 : 0 });
  const notice = wait ? setTimeout(() => say('qms: another qms run of this project is in progress; waiting for it to finish'), 300) : undefined;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(new Interrupted('SIGINT'));
    onAbort = () => reject(signal.reason instanceof Interrupted ? signal.reason : new Interrupted('SIGINT'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    await Promise.race([held, done, aborted]);
  } catch (err) {
    release(); // should the lock still come, let it go at once
    throw err;
  } finally {
    clearTimeout(notice);
    // A long-lived signal (the API's) sees many acquisitions: no listener left behind.
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
  return { release, done: done.catch(() => undefined) };
}

/**
 * One `qms up`/`down`/`task` at a time per project: two `qms up` at once would race to create
 * the same container and servers. The second run waits (saying so) for the first; the lock is
 * released before an interactive task takes the terminal, so an attached Claude session never
 * blocks `qms down` or another `qms up` from a second terminal.
 */
import type { StateStore } from '../types.js';
import { Interrupted } from '../run/failure.js';

export interface RunLock {
  release(): void;
  /** Settles once the lock file is gone. */
  done: Promise<void>;
}

/** Waits up to 15 minutes (a cold `up` builds an image); an abort (Ctrl-C) stops waiting. */
export async function acquireRunLock(state: StateStore, signal: AbortSignal, say: (line: string) => void): Promise<RunLock> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let acquired!: () => void;
  const held = new Promise<void>((r) => (acquired = r));
  const done = state.withLock('run', async () => {
    acquired();
    await released;
  }, { timeoutMs: 15 * 60_000 });
  const notice = setTimeout(() => say('qms: another qms run of this project is in progress; waiting for it to finish'), 300);
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(new Interrupted('SIGINT'));
    signal.addEventListener('abort', () => reject(signal.reason instanceof Interrupted ? signal.reason : new Interrupted('SIGINT')), { once: true });
  });
  aborted.catch(() => undefined);
  try {
    await Promise.race([held, done, aborted]);
  } catch (err) {
    release(); // should the lock still come, let it go at once
    throw err;
  } finally {
    clearTimeout(notice);
  }
  return { release, done: done.catch(() => undefined) };
}

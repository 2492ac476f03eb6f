/**
 * A cross-process lock: a lock file created exclusively (`wx`) holding the owner's pid and
 * start time. A lock left by a dead process is broken; otherwise we wait with backoff up to
 * a timeout, then fail naming the other pid. Within one process, callers queue in memory
 * first, since the file alone cannot tell two callers of the same process apart.
 */
import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { QmsError } from '../errors.js';

export interface LockOwner {
  pid: number;
  startedAt: string;
  name: string;
}

export interface LockOptions {
  timeoutMs?: number;
  /** What the lock guards, for the error message (e.g. `the state of /work/proj`). */
  description?: string;
}

/** The lock is held by another live process and the wait (`timeoutMs`) is over. */
export class LockBusy extends QmsError {}

const queues = new Map<string, Promise<unknown>>();

/** A lock file that exists but is empty/unreadable for this long is from a crashed writer. */
const TORN_LOCK_MS = 2_000;

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function withFileLock<T>(file: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const previous = queues.get(file) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = previous.then(() => mine);
  queues.set(file, tail);
  await previous;
  try {
    await acquire(file, options);
    try {
      return await fn();
    } finally {
      await unlink(file).catch(() => undefined);
    }
  } finally {
    release();
    if (queues.get(file) === tail) queues.delete(file);
  }
}

async function acquire(file: string, options: LockOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const name = file.replace(/^.*\//, '').replace(/\.lock$/, '');
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  let delay = 5;
  for (;;) {
    try {
      const handle = await open(file, 'wx', 0o600);
      const owner: LockOwner = { pid: process.pid, startedAt: new Date().toISOString(), name };
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await readOwner(file);
    if (owner === 'torn' || (owner !== 'fresh' && !isAlive(owner.pid))) {
      await breakStale(file);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = owner === 'fresh' ? 'another qms process' : `qms process ${owner.pid} (since ${owner.startedAt})`;
      throw new LockBusy(
        `${who} holds the lock "${name}"${options.description ? ` on ${options.description}` : ''}; gave up after ${timeoutMs} ms`,
        owner === 'fresh' ? `wait for it to finish and try again` : `wait for it to finish, or stop it (kill ${owner.pid}) if it hangs, then try again`,
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(1, deadline - Date.now()))));
    delay = Math.min(delay * 2, 200);
  }
}

/**
 * Remove a stale lock. Two processes may both see it stale; without care the slower one
 * would delete the lock the faster one just took. So breaking is itself guarded by a
 * `.break` file, and the owner is checked again while holding it.
 */
async function breakStale(file: string): Promise<void> {
  const breaker = `${file}.break`;
  try {
    await (await open(breaker, 'wx', 0o600)).close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const s = await stat(breaker).catch(() => undefined);
    if (s && Date.now() - s.mtimeMs > TORN_LOCK_MS) await unlink(breaker).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 5));
    return;
  }
  try {
    const owner = await readOwner(file);
    if (owner === 'torn' || (owner !== 'fresh' && !isAlive(owner.pid))) await unlink(file).catch(() => undefined);
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

/** The owner, `fresh` while its writer is still filling it in, or `torn` if that writer died. */
async function readOwner(file: string): Promise<LockOwner | 'fresh' | 'torn'> {
  try {
    const owner = JSON.parse(await readFile(file, 'utf8')) as LockOwner;
    if (typeof owner.pid === 'number') return owner;
  } catch {
    // fall through: empty or partial
  }
  try {
    const s = await stat(file);
    return Date.now() - s.mtimeMs > TORN_LOCK_MS ? 'torn' : 'fresh';
  } catch {
    return 'fresh'; // vanished meanwhile: retry
  }
}

/**
 * `ctx.$`: zx's `$` bound to the project root, the run's env and the task's abort signal,
 * quiet, with stdout/stderr piped into the task's logger. zx is loaded only when a run
 * starts. Every child is tracked, so a second Ctrl-C can kill what is left at once.
 */
import type { ProcessPromise, Shell } from 'zx';
import type { Env, Logger } from '../types.js';

type Zx = typeof import('zx');
let zx: Zx | undefined;

export async function loadZx(): Promise<Zx> {
  zx ??= await import('zx');
  return zx;
}

const live = new Set<ProcessPromise>();

/** Children started through any `ctx.$` that are still running. */
export function liveChildren(): number[] {
  return [...live].map((p) => p.child?.pid).filter((pid): pid is number => typeof pid === 'number');
}

/** Last resort (second SIGINT): SIGKILL every child still running, synchronously. */
export function killAllChildren(): void {
  for (const pid of liveChildren()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export interface ShellOptions {
  cwd: string;
  env: Env;
  signal: AbortSignal;
  log: Logger;
}

export function bindShell(loaded: Zx, options: ShellOptions): Shell {
  const base = loaded.$({
    cwd: options.cwd,
    env: { ...options.env },
    signal: options.signal,
    quiet: true,
    log: (entry) => {
      if (entry.kind === 'stdout' || entry.kind === 'stderr') options.log.output(entry.data.toString());
    },
  });
  return track(base);
}

function track(shell: Shell): Shell {
  const wrapped = (first: unknown, ...rest: unknown[]): unknown => {
    if (Array.isArray(first) && 'raw' in first) {
      const p = (shell as (...a: unknown[]) => ProcessPromise)(first, ...rest);
      live.add(p);
      const forget = () => live.delete(p);
      p.then(forget, forget);
      return p;
    }
    return track((shell as (o: unknown) => Shell)(first));
  };
  wrapped.sync = shell.sync;
  return wrapped as unknown as Shell;
}

/**
 * `ctx.$`: zx's `$` bound to the project root, the run's env and the task's abort signal,
 * quiet, with stdout/stderr piped into the task's logger. zx is loaded only when a task
 * first uses `ctx.$`. Every child is tracked. On abort the child's whole process tree gets SIGTERM
 * (zx runs commands through bash, and killing only bash would orphan what it started);
 * a second Ctrl-C SIGKILLs whatever is left.
 */
import { execFileSync } from 'node:child_process';
import type { ProcessPromise, Shell } from 'zx';
import type { Env, Logger } from '../types.js';
import { requireCjs } from '../cjs.js';
import { describeShellFailure } from './shell-failure.js';

type Zx = typeof import('zx');
let zx: Zx | undefined;

/**
 * zx takes ~60 ms to load, more than the rest of a warm `qms up`: it is loaded (synchronously,
 * through its CommonJS build) the first time a task touches `ctx.$`, not for every run.
 */
export function loadZx(): Zx {
  zx ??= requireCjs('zx') as Zx;
  return zx;
}

const live = new Set<ProcessPromise>();

/** Children started through any `ctx.$` that are still running. */
export function liveChildren(): number[] {
  return [...live].map((p) => p.child?.pid).filter((pid): pid is number => typeof pid === 'number');
}

/** Last resort (second SIGINT): SIGKILL every child still running and its descendants, synchronously. */
export function killAllChildren(): void {
  for (const pid of liveChildren()) killTree(pid, 'SIGKILL');
}

/** Signal a process and all its descendants (deepest first), found with one `ps`. */
export function killTree(pid: number, signal: NodeJS.Signals): void {
  const pids = [pid, ...descendants(pid)].reverse();
  for (const p of pids) {
    try {
      process.kill(p, signal);
    } catch {
      // already gone
    }
  }
}

function descendants(root: number): number[] {
  let table: string;
  try {
    table = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const line of table.split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (!pid || ppid === undefined || Number.isNaN(ppid)) continue;
    let list = children.get(ppid);
    if (!list) children.set(ppid, (list = []));
    list.push(pid);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

export interface ShellOptions {
  cwd: string;
  env: Env;
  signal: AbortSignal;
  log: Logger;
}

export function bindShell(loaded: Zx, options: ShellOptions): Shell {
  // The signal is not given to zx: it would SIGTERM bash alone. `track` kills the tree.
  const base = loaded.$({
    cwd: options.cwd,
    env: { ...options.env },
    quiet: true,
    log: (entry) => {
      if (entry.kind === 'stdout' || entry.kind === 'stderr') options.log.output(entry.data.toString());
    },
  });
  return track(base, options.signal);
}

function track(shell: Shell, signal: AbortSignal): Shell {
  const wrapped = (first: unknown, ...rest: unknown[]): unknown => {
    if (Array.isArray(first) && 'raw' in first) {
      const p = (shell as (...a: unknown[]) => ProcessPromise)(first, ...rest);
      live.add(p);
      const onAbort = () => void killWhenSpawned(p);
      const forget = () => {
        live.delete(p);
        signal.removeEventListener('abort', onAbort);
      };
      // Registered before the task's own `await`, so it sees the clean message.
      p.then(forget, (err: unknown) => {
        describeShellFailure(err, p.cmd);
        forget();
      });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      return p;
    }
    return track((shell as (o: unknown) => Shell)(first), signal);
  };
  wrapped.sync = shell.sync;
  return wrapped as unknown as Shell;
}

async function killWhenSpawned(p: ProcessPromise): Promise<void> {
  for (let i = 0; i < 200 && live.has(p); i++) {
    const pid = p.child?.pid;
    if (pid) return killTree(pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** After an abort: give killed children time to exit (and be reaped) before teardowns run. */
export async function waitForChildren(timeoutMs: number): Promise<void> {
  if (live.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled([...live].map((p) => p.then(undefined, () => undefined))),
    new Promise<void>((r) => (timer = setTimeout(r, timeoutMs))),
  ]);
  clearTimeout(timer);
}

/**
 * `console.log` / `console.error` inside a task go through that task's logger, so they are
 * redacted, shown under the task's name and, with `--json`, become `task:output` events
 * instead of breaking the NDJSON stream. Concurrent tasks keep their own lines; a call outside
 * any task (the engine, a renderer) goes to the real console. Installed for the duration of a
 * run only.
 *
 * The task is found from the call's own stack first: each task body runs under an async
 * function named after it, which V8 keeps in the stack across every `await` (zero-cost async
 * stack traces), so this costs something only when a console method is called. A task that
 * may call `console` from code it does not await (a timer, an event callback) is also run in
 * an AsyncLocalStorage, which follows those too; a task declaring `awaitedConsole` is not: the
 * storage's promise hooks slow down every promise of the process from its first use to the end
 * of the run (about 100 ms of CPU in a warm `qms up`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';
import type { Logger } from '../types.js';

const current = new AsyncLocalStorage<Logger>();
const INFO = ['log', 'info', 'debug'] as const;
const WARN = ['warn', 'error'] as const;
type Method = (typeof INFO)[number] | (typeof WARN)[number];

/** The name of the async function each task body runs under: the prefix and the body's number. */
const FRAME_PREFIX = 'qms task body #';
const FRAME = /\bat (?:async )?qms task body #(\d+) /;
/** The bodies running now, by number. */
const bodies = new Map<number, Logger>();
let lastBody = 0;

let installed = 0;
let originals: Partial<Record<Method, (...args: unknown[]) => void>> = {};

/** The logger of the innermost task body on the calling stack (async frames included), if any. */
function loggerOnStack(): Logger | undefined {
  if (bodies.size === 0) return undefined;
  const { stackTraceLimit } = Error;
  const holder: { stack?: unknown } = {};
  try {
    Error.stackTraceLimit = 1000;
    Error.captureStackTrace(holder, loggerOnStack);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  // The text, not V8's call sites: a test runner or source-map support may own prepareStackTrace.
  const frame = typeof holder.stack === 'string' ? FRAME.exec(holder.stack) : null;
  return frame ? bodies.get(Number(frame[1])) : undefined;
}

/** Route console calls made inside `withTaskConsole` to the task's logger; returns the undo. */
export function captureConsole(): () => void {
  if (installed++ === 0) {
    originals = {};
    for (const m of [...INFO, ...WARN]) {
      const original = console[m] as (...args: unknown[]) => void;
      originals[m] = original;
      const toWarn = (WARN as readonly string[]).includes(m);
      console[m] = (...args: unknown[]) => {
        const log = loggerOnStack() ?? current.getStore();
        if (!log) return original.apply(console, args);
        const text = format(...args);
        if (toWarn) log.warn(text);
        else log.info(text);
      };
    }
  }
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    if (--installed > 0) return;
    for (const [m, original] of Object.entries(originals)) console[m as Method] = original;
    originals = {};
    // No promise hooks left behind once no run needs them.
    current.disable();
  };
}

/**
 * Run `fn` (a task's `run`, its `upToDate`) with console output going to `log`. `awaitedConsole`:
 * the task calls `console` only from code `fn` awaits, so its stack alone tells it apart.
 */
export async function withTaskConsole<T>(log: Logger, fn: () => T | Promise<T>, awaitedConsole = false): Promise<T> {
  const id = ++lastBody;
  const name = `${FRAME_PREFIX}${id}`;
  // A computed key names the function itself, which is what stack frames show.
  const body = { async [name]() { return await fn(); } }[name]!;
  bodies.set(id, log);
  try {
    return await (awaitedConsole ? body() : current.run(log, body));
  } finally {
    bodies.delete(id);
  }
}

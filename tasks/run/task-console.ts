/**
 * `console.log` / `console.error` inside a task go through that task's logger, so they are
 * redacted, shown under the task's name and, with `--json`, become `task:output` events
 * instead of breaking the NDJSON stream. The task is found through AsyncLocalStorage, so
 * concurrent tasks keep their own lines; a call outside any task (the engine, a renderer)
 * goes to the real console. Installed for the duration of a run only.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';
import type { Logger } from '../types.js';

const current = new AsyncLocalStorage<Logger>();
const INFO = ['log', 'info', 'debug'] as const;
const WARN = ['warn', 'error'] as const;
type Method = (typeof INFO)[number] | (typeof WARN)[number];

let installed = 0;
let originals: Partial<Record<Method, (...args: unknown[]) => void>> = {};

/** Route console calls made inside `withTaskConsole` to the task's logger; returns the undo. */
export function captureConsole(): () => void {
  if (installed++ === 0) {
    originals = {};
    for (const m of [...INFO, ...WARN]) {
      const original = console[m] as (...args: unknown[]) => void;
      originals[m] = original;
      const toWarn = (WARN as readonly string[]).includes(m);
      console[m] = (...args: unknown[]) => {
        const log = current.getStore();
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
  };
}

/** Run `fn` (a task's `run`, its `upToDate`) with console output going to `log`. */
export function withTaskConsole<T>(log: Logger, fn: () => T): T {
  return current.run(log, fn);
}

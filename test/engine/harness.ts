/** Shared fakes for the engine's unit tests: a config from task definitions, a recording renderer, a temp state store. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../tasks/config/resolve-config.js';
import { Redactor } from '../../tasks/env/redact.js';
import type { Renderer, RunEvent } from '../../tasks/run/events.js';
import { runTasks, type RunTasksOptions } from '../../tasks/run/run-tasks.js';
import { createStateStore } from '../../tasks/state/state-store.js';
import type { ResolvedConfig, TaskDef } from '../../tasks/types.js';

export function tempDir(prefix = 'qms-engine-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function configOf(tasks: TaskDef[], extra: { concurrency?: number; root?: string } = {}): ResolvedConfig {
  return resolveConfig({ tasks, concurrency: extra.concurrency }, join(extra.root ?? tmpdir(), 'qms.config.ts'));
}

export interface Recorder extends Renderer {
  events: RunEvent[];
  handOvers: number;
  of<T extends RunEvent['type']>(type: T): Extract<RunEvent, { type: T }>[];
}

export function recorder(): Recorder {
  const events: RunEvent[] = [];
  const r: Recorder = {
    events,
    handOvers: 0,
    event: (e) => void events.push(e),
    async handOver() {
      r.handOvers++;
    },
    async close() {},
    of: <T extends RunEvent['type']>(type: T) => events.filter((e) => e.type === type) as Extract<RunEvent, { type: T }>[],
  };
  return r;
}

/** Run tasks with fakes; zx is not loaded unless `shell: true`. */
export async function run(tasks: TaskDef[], targets: string[], opts: Partial<RunTasksOptions> & { concurrency?: number; keepGoing?: boolean; force?: boolean } = {}) {
  const tmp = tempDir();
  const config = opts.config ?? configOf(tasks, { root: tmp.dir });
  const renderer = (opts.renderer as Recorder | undefined) ?? recorder();
  try {
    const result = await runTasks({
      config,
      targets,
      env: opts.env ?? {},
      redactor: opts.redactor ?? new Redactor(),
      state: createStateStore({ root: tmp.dir }),
      renderer,
      shell: opts.shell ?? false,
      signal: opts.signal,
      exclude: opts.exclude,
      run: { concurrency: opts.concurrency ?? 8, keepGoing: opts.keepGoing ?? false, force: opts.force ?? false },
    });
    return { result, renderer: renderer as Recorder };
  } finally {
    tmp.cleanup();
  }
}

/** A promise with its resolve, to make tasks wait on each other deterministically. */
export function gate<T = void>(): { promise: Promise<T>; open(v: T): void } {
  let open!: (v: T) => void;
  const promise = new Promise<T>((r) => (open = r));
  return { promise, open };
}

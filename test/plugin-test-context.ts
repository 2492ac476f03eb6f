/**
 * A TaskContext for plugin unit/integration tests that don't go through the engine:
 * captures every log line (to assert on output, e.g. that no secret appears), keeps state in
 * memory and serves `ctx.result()` from a map.
 */
import type { Env, Logger, ResolvedConfig, RunOptions, StateEntry, StateStore, TaskContext } from '../tasks/types.js';

export interface TestContext extends TaskContext {
  /** Every line logged, prefixed with its level: `info: …`, `warn: …`, `output: …`. */
  readonly lines: string[];
  readonly secrets: string[];
  readonly teardowns: Array<{ label: string; fn: () => Promise<void> | void }>;
  /** Run the registered teardowns in reverse order, as the engine does after a failure. */
  runTeardowns(): Promise<void>;
}

/** What `ctx.skip(reason, result)` throws here, carrying the result like the engine's skip. */
export class Skipped extends Error {
  constructor(
    readonly reason: string,
    readonly result: unknown,
  ) {
    super(`skipped: ${reason}`);
  }
}

export function memoryState(file = '/dev/null'): StateStore {
  const entries = new Map<string, StateEntry>();
  return {
    file,
    async list(filter) {
      return [...entries.values()].filter((e) => (!filter?.kind || e.kind === filter.kind) && (!filter?.plugin || e.plugin === filter.plugin));
    },
    async get(id) {
      return entries.get(id);
    },
    async put(entry) {
      entries.set(entry.id, entry);
    },
    async remove(id) {
      entries.delete(id);
    },
    async withLock(_name, fn) {
      return fn();
    },
  };
}

export function testContext(init: {
  root: string;
  name?: string;
  project?: string;
  env?: Env;
  envFiles?: readonly string[];
  results?: Record<string, unknown>;
  state?: StateStore;
  signal?: AbortSignal;
  force?: boolean;
  flags?: RunOptions['flags'];
  /** The roster (`config.agents`); default `['claude']`. */
  agents?: readonly string[];
  /** The agents selected for the run (`options.agents`); default the roster. */
  runAgents?: readonly string[];
  /** Collect the log into this array (e.g. one a state store also writes warnings to). */
  lines?: string[];
}): TestContext {
  const lines: string[] = init.lines ?? [];
  const secrets: string[] = [];
  const teardowns: TestContext['teardowns'] = [];
  const log: Logger = {
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    // Like the engine's logger: raw output is split into lines (a trailing newline ends one).
    output: (t) => { for (const l of t.replace(/\n$/, '').split('\n')) lines.push(`output: ${l}`); },
  };
  const config: ResolvedConfig = {
    file: `${init.root}/qms.config.ts`,
    root: init.root,
    name: init.project ?? 'test-project',
    plugins: [],
    tasks: new Map(),
    chains: {},
    envFiles: init.envFiles ?? [],
    concurrency: 4,
    agents: init.agents ?? ['claude'],
  };
  const options: RunOptions = { force: init.force ?? false, dryRun: false, keepGoing: false, concurrency: 4, agents: init.runAgents ?? init.agents ?? ['claude'], flags: init.flags ?? {} };
  const results = init.results ?? {};
  return {
    name: init.name ?? 'test',
    root: init.root,
    config,
    env: init.env ?? {},
    log,
    signal: init.signal ?? new AbortController().signal,
    state: init.state ?? memoryState(),
    addSecret: (v) => secrets.push(v),
    // Plugins under test here never shell out through zx's `$`.
    $: (() => {
      throw new Error('zx $ is not available in the plugin test context');
    }) as unknown as TaskContext['$'],
    options,
    result: <T>(task: string) => results[task] as T | undefined,
    onTeardown: (label, fn) => void teardowns.push({ label, fn }),
    skip: (reason: string, result?: unknown): never => {
      throw new Skipped(reason, result);
    },
    lines,
    secrets,
    teardowns,
    async runTeardowns() {
      for (const t of teardowns.splice(0).reverse()) await t.fn();
    },
  };
}

/**
 * A small hand-made TaskContext for driving plugin tasks directly in tests (the mcp-server
 * supervisor): real state store under the project root, collected log lines and secrets,
 * teardowns that can be run, and `skip` that carries a result like the engine's.
 */
import type { Logger, PluginContext, ResolvedConfig, TaskContext } from '../../tasks/types.js';
import { createStateStore } from '../../tasks/state/state-store.js';

export class Skipped extends Error {
  constructor(readonly reason: string, readonly result: unknown) {
    super(`skipped: ${reason}`);
  }
}

export interface TestContext extends TaskContext {
  lines: string[];
  secrets: string[];
  teardowns: Array<{ label: string; fn: () => Promise<void> | void }>;
  runTeardowns(): Promise<void>;
}

export function makeTaskContext(root: string, options: { name?: string; force?: boolean; signal?: AbortSignal; flags?: Record<string, string | boolean | undefined> } = {}): TestContext {
  const lines: string[] = [];
  const secrets: string[] = [];
  const teardowns: TestContext['teardowns'] = [];
  const log: Logger = {
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    output: (t) => lines.push(t),
  };
  const config = { file: `${root}/qms.config.ts`, root, name: 'test', plugins: [], tasks: new Map(), chains: {}, envFiles: [], concurrency: 4 } as ResolvedConfig;
  return {
    name: options.name ?? 'test',
    root,
    config,
    env: { ...process.env } as Record<string, string>,
    log,
    signal: options.signal ?? new AbortController().signal,
    state: createStateStore({ root, warn: (m) => lines.push(`warn: ${m}`) }),
    addSecret: (v) => secrets.push(v),
    get $(): TaskContext['$'] {
      throw new Error('no shell in this test context');
    },
    options: { force: options.force ?? false, dryRun: false, keepGoing: false, concurrency: 4, flags: options.flags ?? {} },
    result: () => undefined,
    onTeardown: (label, fn) => teardowns.push({ label, fn }),
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

export const asPluginContext = (ctx: TestContext): PluginContext => ctx;

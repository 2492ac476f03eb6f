/**
 * The plugin test context with what the mcp-server supervisor's tests need: the real state
 * store under the project root and the process's own env (servers are real processes).
 */
import { createStateStore } from '../../tasks/state/state-store.js';
import type { RunOptions } from '../../tasks/types.js';
import { testContext, type TestContext } from '../plugin-test-context.js';

export { Skipped, type TestContext } from '../plugin-test-context.js';

export function makeTaskContext(root: string, options: { name?: string; force?: boolean; signal?: AbortSignal; flags?: RunOptions['flags']; agents?: readonly string[] } = {}): TestContext {
  const lines: string[] = [];
  const ctx = testContext({
    root,
    name: options.name ?? 'test',
    project: 'test',
    env: { ...process.env } as Record<string, string>,
    // State-store warnings land in the task's log, as in a real run.
    state: createStateStore({ root, warn: (m) => lines.push(`warn: ${m}`) }),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.force !== undefined ? { force: options.force } : {}),
    ...(options.flags ? { flags: options.flags } : {}),
    ...(options.agents ? { agents: options.agents } : {}),
    lines,
  });
  return ctx;
}

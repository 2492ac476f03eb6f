/**
 * Preflights: a task's chance to act before the run starts drawing, while the terminal is
 * still free — e.g. to ask the user before starting a service every task needs. They run one
 * at a time, in plan order, only for planned tasks that define one (never for `--dry-run`); a
 * throw stops the run before any task starts. The engine knows nothing of what they do.
 */
import type { Env, PluginContext, PreflightContext, ResolvedConfig } from '../types.js';

/** May a preflight ask the user? Only on a terminal (stdin and stdout), outside CI, without `--json`. */
export function terminalAvailable(env: Env, json: boolean): boolean {
  // Cheapest first: the first read of process.stdin makes its stream (a few ms), needless with --json or in CI.
  return !json && !env.CI && process.stdout.isTTY === true && process.stdin.isTTY === true;
}

export async function runPreflights(
  config: ResolvedConfig,
  plan: readonly string[],
  base: PluginContext,
  run: { terminal: boolean; flags: Readonly<Record<string, string | boolean | undefined>> },
): Promise<void> {
  for (const name of plan) {
    const task = config.tasks.get(name);
    if (!task?.preflight) continue;
    const ctx: PreflightContext = { ...base, name, terminal: run.terminal, flags: run.flags };
    await task.preflight(ctx);
  }
}

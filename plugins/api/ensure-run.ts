/**
 * `POST /api/agents/{agent}/ensure`: exactly what `qms up <agent> --no-attach` runs — the
 * config's `up` chain through the engine (preflights without a terminal, interactive tasks left
 * out, the run acting for that one agent) — with the run's events going to the API's live feed
 * instead of a terminal. The API's own tasks (`api`, `api:stop`) are left out too: the service
 * running this is what they supervise. The caller holds the agent and the run lock.
 */
import { runPreflights } from '../../tasks/run/preflight.js';
import { planRun, runTasks, type RunResult } from '../../tasks/run/run-tasks.js';
import type { RunEvent } from '../../tasks/run/events.js';
import type { ResolvedTask } from '../../tasks/types.js';
import { AGENTS_NAMED } from '../../tasks/run/agent-flags.js';
import { ApiError } from './api-error.js';
import type { ApiProject } from './api-project.js';
import { API_PLUGIN } from './names.js';

const noAttach = (t: ResolvedTask): boolean => t.interactive === true || t.plugin === API_PLUGIN;

export async function runUpChain(project: ApiProject, agent: string, onEvent: (e: RunEvent) => void, signal: AbortSignal): Promise<RunResult> {
  const { config } = project;
  const targets = config.chains.up;
  if (!targets) throw new ApiError(400, 'no-up-chain', `no chain "up" in ${config.file}`, 'Add `chains: { up: [...] }` to the config: ensure runs what `qms up <agent> --no-attach` runs.');
  const flags = { [AGENTS_NAMED]: true };
  const plan = planRun(config, targets, noAttach);
  await runPreflights(config, plan, project.pluginContext(signal), { terminal: false, flags: {} });
  return runTasks({
    config,
    targets,
    exclude: noAttach,
    env: project.env,
    redactor: project.redactor,
    state: project.state,
    renderer: { event: onEvent, close: async () => undefined },
    signal,
    run: { agents: [agent], flags, concurrency: config.concurrency },
  });
}

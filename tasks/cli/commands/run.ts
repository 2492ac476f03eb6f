/**
 * `qms up`, `qms down`, `qms task <name...>`: plan the targets' closure, print it for
 * `--dry-run`, otherwise run it with the chosen renderer, SIGINT/SIGTERM wired to the run's
 * abort, then summarise failures (with hints) on stderr. Returns the exit code.
 */
import { ConfigError } from '../../errors.js';
import { expandTargets } from '../../graph/targets.js';
import { chooseRenderer } from '../../render/choose-renderer.js';
import { formatFailure, Interrupted, isBug } from '../../run/failure.js';
import { runPreflights, terminalAvailable } from '../../run/preflight.js';
import { planRun, runTasks } from '../../run/run-tasks.js';
import type { ResolvedConfig, ResolvedTask } from '../../types.js';
import type { GlobalOptions } from '../global-options.js';
import { openProject } from '../project.js';
import { EXIT } from '../report-error.js';
import { handleSignals } from '../signals.js';
import { acquireRunLock, type RunLock } from '../run-lock.js';
import { AGENTS_NAMED } from '../../run/agent-flags.js';
import { didYouMean } from '../../graph/suggest.js';

export interface RunCommand {
  /** Task or chain names (`qms task`), or the chain of `up`/`down`. */
  targets?: readonly string[];
  chain?: string;
  exclude?: (task: ResolvedTask) => boolean;
  flags?: Record<string, string | boolean | undefined>;
  /** `down` keeps going by default: tear down as much as possible. */
  keepGoing?: boolean;
  /** Agents the user named (`qms up qa`); none = the whole roster. */
  agents?: readonly string[];
}

/** The agents a run acts for: those named (each in the roster, once), else the roster. */
export function selectAgents(config: ResolvedConfig, named: readonly string[] | undefined): readonly string[] {
  if (!named || named.length === 0) return config.agents;
  for (const agent of named) {
    if (!config.agents.includes(agent)) {
      throw new ConfigError(
        `${agent} is not an agent of this project${didYouMean(agent, config.agents)} (agents: ${config.agents.join(', ')})`,
        `name one of ${config.agents.join(', ')}, or add ${agent} to \`agents\` in ${config.file}`,
        config.file,
        'agents',
      );
    }
  }
  return [...new Set(named)];
}

export function chainTargets(config: ResolvedConfig, chain: string): readonly string[] {
  const targets = config.chains[chain];
  if (!targets) {
    const known = Object.keys(config.chains);
    throw new ConfigError(
      `no chain "${chain}" in ${config.file}`,
      `add \`chains: { ${chain}: [...] }\` to the config${known.length ? ` (chains defined: ${known.join(', ')})` : ''}`,
      config.file,
      `chains.${chain}`,
    );
  }
  return targets;
}

export async function runCommand(globals: GlobalOptions, cmd: RunCommand): Promise<number> {
  const project = await openProject(globals);
  const { config } = project;
  const targets = cmd.chain ? chainTargets(config, cmd.chain) : expandTargets(config, cmd.targets ?? []);
  const agents = selectAgents(config, cmd.agents);
  const flags = { ...(cmd.flags ?? {}), ...(cmd.agents && cmd.agents.length > 0 ? { [AGENTS_NAMED]: true } : {}) };
  const plan = planRun(config, targets, cmd.exclude);

  if (globals.dryRun) {
    printPlan(config, plan, globals.json === true);
    return EXIT.ok;
  }

  const controller = new AbortController();
  const signals = handleSignals(controller);
  let lock: RunLock;
  try {
    lock = await acquireRunLock(project.state, controller.signal, (line) => process.stderr.write(`${line}\n`));
  } catch (err) {
    signals.dispose();
    if (err instanceof Interrupted) return EXIT.interrupted;
    throw err;
  }
  try {
    const terminal = terminalAvailable(project.env, globals.json === true);
    await runPreflights(config, plan, project.pluginContext(controller.signal), { terminal, flags: cmd.flags ?? {} });
  } catch (err) {
    lock.release();
    signals.dispose();
    await lock.done;
    throw err;
  }
  const renderer = await chooseRenderer({ json: globals.json, output: globals.output, tasks: config.tasks });
  let result;
  try {
    result = await runTasks({
      config,
      targets,
      exclude: cmd.exclude,
      env: project.env,
      redactor: project.redactor,
      state: project.state,
      renderer,
      signal: controller.signal,
      run: {
        force: globals.force === true,
        keepGoing: globals.keepGoing ?? cmd.keepGoing ?? false,
        concurrency: globals.concurrency ?? config.concurrency,
        agents,
        flags,
      },
      beforeInteractive: () => lock.release(),
    });
  } finally {
    lock.release();
    await renderer.close();
    signals.dispose();
    await lock.done;
  }

  if (!globals.json) {
    const err = process.stderr;
    for (const f of result.failures) {
      if (f.kind === 'blocked' || f.kind === 'aborted') continue;
      err.write(`qms: ${formatFailure(f)}\n`);
      if (f.hint) err.write(`  hint: ${project.redactor.redact(f.hint)}\n`);
      if (isBug(f.cause) && f.cause.stack) err.write(`${project.redactor.redact(f.cause.stack)}\n`);
    }
    for (const t of result.teardownErrors) err.write(`qms: ${t}\n`);
  }
  // A Ctrl-C after the last task but before qms is done (drawing the end) still means 130.
  if (result.interrupted || controller.signal.aborted) return EXIT.interrupted;
  return result.ok ? EXIT.ok : EXIT.failed;
}

function printPlan(config: ResolvedConfig, plan: readonly string[], json: boolean): void {
  if (json) {
    const tasks = plan.map((name) => {
      const t = config.tasks.get(name)!;
      return { name, plugin: t.plugin ?? null, dependsOn: t.dependsOn, interactive: t.interactive === true };
    });
    process.stdout.write(`${JSON.stringify({ dryRun: true, plan: tasks })}\n`);
    return;
  }
  const width = Math.max(4, ...plan.map((n) => n.length));
  const lines = plan.map((name, i) => {
    const t = config.tasks.get(name)!;
    const after = t.dependsOn.length ? `  after: ${t.dependsOn.join(', ')}` : '';
    return `${String(i + 1).padStart(3)}. ${name.padEnd(width)}  ${t.plugin ? `[${t.plugin}]` : '[config]'}${t.interactive ? ' (interactive)' : ''}${after}`;
  });
  process.stdout.write(`Plan (dry run: nothing was run):\n${lines.join('\n')}\n`);
}

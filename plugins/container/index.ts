/**
 * The container plugin: one long-running, locked-down container per agent of the config's
 * roster, `qms-<project>-<agent>` (tasks `container` and `container:down` act for the agents
 * of the run, `attach` for the first; commands `exec`, `refresh`, `stop`, `attach` name one
 * agent; a `status` hook). The factory only validates options; the work lives in lazily loaded modules.
 */
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import type { Plugin, PluginCommand, PluginContext, TaskContext } from '../../tasks/types.js';
import { ConfigError, ReportedError } from '../../tasks/errors.js';
import { anyValue, checkPluginOptions } from '../../tasks/config/plugin-options.js';
import { resolveOptions, type ContainerOptions, type ResolvedContainerOptions } from './options.js';
import type { ContainerResult } from './ensure.js';

export type { ContainerOptions, ContainerLimits } from './options.js';
export type { ContainerResult } from './ensure.js';
export type { ContainerStatus } from './status.js';

/** The roster's agent a command names (roster.ts, loaded when a command runs). */
const rosterAgent = async (ctx: PluginContext, name: string | undefined): Promise<string> => (await import('./roster.js')).rosterAgent(ctx, name);

/** `[agent] [-- cmd…]` → agent and command (`exec`, `attach`). */
export function splitAgentArgs(args: readonly string[], defaultAgent: string, commandRequired: boolean): { agent: string; cmd: string[] } {
  const dash = args.indexOf('--');
  const before = dash >= 0 ? args.slice(0, dash) : args.slice(0, 1);
  const cmd = dash >= 0 ? args.slice(dash + 1) : args.slice(1);
  if (before.length > 1) throw new ConfigError(`Too many arguments before \`--\`: ${before.join(' ')}`, 'Usage: qms exec <agent> -- <command…>');
  if (commandRequired && cmd.length === 0) throw new ConfigError('No command given.', 'Usage: qms exec <agent> -- <command…>, e.g. `qms exec claude -- ls /pipe-dream`.');
  return { agent: before[0] ?? defaultAgent, cmd };
}

async function ensureOne(ctx: TaskContext, opts: ResolvedContainerOptions): Promise<{ result: ContainerResult; reused: boolean }> {
  const { ensureContainer } = await import('./ensure.js');
  const { agentEndpointsFromResults } = await import('./endpoints.js');
  const { removeContainer } = await import('./down.js');
  const built = ctx.result<{ tag?: string; id?: string }>(opts.imageTask);
  const { action, result } = await ensureContainer(ctx, {
    opts,
    endpoints: await agentEndpointsFromResults(ctx, opts.mcpServers, opts.agent),
    image: built?.tag ?? opts.image,
    force: ctx.options.force,
    // A failed or interrupted `up` removes what it created (an auth volume too, when it made it:
    // nobody has logged in with it yet); one made before stays.
    onVolumeCreated: (name, remove) => ctx.onTeardown(`remove volume ${name}`, remove),
    onCreated: (_docker, id, name) => ctx.onTeardown(`remove container ${name}`, () => removeContainer(ctx, id)),
    onEgressCreated: (what, remove) => ctx.onTeardown(`remove ${what}`, remove),
  });
  ctx.log.info(`container ${result.name} ${action === 'reused' ? 'running, unchanged' : action}`);
  return { result, reused: action === 'reused' };
}

/** One container per agent the run acts for (`ctx.options.agents`), all at once; each settles before the task ends. */
async function ensureTask(ctx: TaskContext, opts: ResolvedContainerOptions): Promise<ContainerResult[]> {
  const settled = await Promise.allSettled(ctx.options.agents.map((agent) => ensureOne(ctx, { ...opts, agent })));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  const done = settled.map((s) => (s as PromiseFulfilledResult<{ result: ContainerResult; reused: boolean }>).value);
  const results = done.map((d) => d.result);
  if (done.every((d) => d.reused)) ctx.skip(`container${results.length > 1 ? 's' : ''} ${results.map((r) => r.name).join(', ')} running, unchanged`, results);
  return results;
}

export function container(options: ContainerOptions = {}): Plugin {
  if (typeof options === 'object' && options !== null && 'agent' in options) {
    throw new ConfigError(
      'container(): option `agent` is gone: there is one container per agent of the config\'s roster',
      "Remove it and list the agents once: defineConfig({ agents: ['claude', 'qa'], … }).",
      undefined,
      'agent',
    );
  }
  // Every key of ContainerOptions (the compiler keeps the two in step); values are checked by resolveOptions.
  const known = { image: anyValue(), imageTask: anyValue(), mcpServers: anyValue(), after: anyValue(), attachAfter: anyValue(), limits: anyValue(), capAdd: anyValue(), sshDir: anyValue(), mcpTimeoutMs: anyValue(), env: anyValue(), user: anyValue(), readyTimeoutSec: anyValue(), network: anyValue() } satisfies Record<keyof Required<ContainerOptions>, unknown>;
  checkPluginOptions('container', known, options);
  const opts = resolveOptions(options);
  const forAgent = (agent: string): ResolvedContainerOptions => ({ ...opts, agent });
  const commands: Record<string, PluginCommand> = {
    exec: {
      description: 'Run a command in an agent container: qms exec <agent> -- <command…> (stdout/stderr kept apart, exit code returned)',
      usage: '<agent> [cmd...]',
      async run(ctx, args) {
        const split = splitAgentArgs(args, ctx.config.agents[0] ?? 'claude', true);
        const agent = await rosterAgent(ctx, split.agent);
        const { execCommand } = await import('./operations.js');
        return execCommand(ctx, agent, split.cmd, { stdout: process.stdout, stderr: process.stderr, signal: ctx.signal });
      },
    },
    refresh: {
      description: 'Recreate an agent container from scratch, keeping its workspace and auth volume: qms refresh [agent]',
      usage: '[agent]',
      async run(ctx, args) {
        const agent = await rosterAgent(ctx, args[0]);
        const { refreshContainer } = await import('./operations.js');
        const { result } = await refreshContainer(ctx, forAgent(agent));
        ctx.log.info(`container ${result.name} recreated`);
        return 0;
      },
    },
    stop: {
      description: "Stop and remove one agent's container, keeping its workspace (and its auth volume unless --volumes): qms stop [agent]",
      usage: '[agent]',
      options: [{ flags: '--volumes', description: 'also remove its Claude auth volume' }],
      async run(ctx, args, flags) {
        const agent = await rosterAgent(ctx, args[0]);
        const { downContainers } = await import('./down.js');
        const { containers, volumes, egress } = await downContainers(ctx, { agent, volumes: flags.volumes === true });
        ctx.log.info(containers.length ? `removed ${[...containers, ...volumes, ...egress].join(', ')}` : `no container of agent ${agent} in this project`);
        return 0;
      },
    },
    attach: {
      description: 'Open Claude Code (or a command) in an agent container with a TTY: qms attach [agent] [-- <command…>]',
      usage: '[agent] [cmd...]',
      async run(ctx, args) {
        const split = splitAgentArgs(args, ctx.config.agents[0] ?? 'claude', false);
        const agent = await rosterAgent(ctx, split.agent);
        const { attachAgent } = await import('./operations.js');
        return attachAgent(ctx, agent, split.cmd, { stdin: process.stdin, stdout: process.stdout, env: ctx.env, signal: ctx.signal });
      },
    },
  };
  return {
    name: 'container',
    tasks: [
      {
        name: 'container',
        description: 'Ensure each agent\'s container runs with the current configuration (the agents of the run: `qms up [agent...]`)',
        dependsOn: [opts.imageTask, ...opts.mcpServers, ...opts.after],
        awaitedConsole: true,
        run: (ctx) => ensureTask(ctx, opts),
      },
      {
        name: 'attach',
        description: 'Open Claude Code in the first agent\'s container',
        dependsOn: ['container', ...opts.attachAfter],
        interactive: true,
        async run(ctx) {
          const agent = ctx.options.agents[0] ?? ctx.config.agents[0] ?? 'claude';
          // `qms up` in a script or CI: Claude Code would wait on a terminal that is not there.
          if (!process.stdin.isTTY) ctx.skip(`no terminal (stdin is not a TTY): attach later with \`qms attach ${agent}\``);
          const { attachAgent } = await import('./operations.js');
          const code = await attachAgent(ctx, agent, [], { stdin: process.stdin, stdout: process.stdout, env: ctx.env, signal: ctx.signal });
          if (code !== 0) throw new ReportedError(code);
          return { exitCode: code };
        },
      },
      {
        name: 'container:down',
        description: 'Stop and remove the agents\' containers: all of the project\'s, or those named (`qms down qa`); `--volumes` also removes their auth volumes',
        awaitedConsole: true,
        async run(ctx) {
          const { downContainers } = await import('./down.js');
          const { AGENTS_NAMED } = await import('../../tasks/run/agent-flags.js');
          const volumes = ctx.options.flags.volumes === true;
          // `qms down` with no agent named removes every managed container, also of agents no longer in the roster.
          const parts = ctx.options.flags[AGENTS_NAMED] === true
            ? await Promise.all(ctx.options.agents.map((agent) => downContainers(ctx, { agent, volumes })))
            : [await downContainers(ctx, { volumes })];
          const done = { containers: parts.flatMap((p) => p.containers), volumes: parts.flatMap((p) => p.volumes), egress: parts.flatMap((p) => p.egress) };
          if (done.containers.length === 0 && done.volumes.length === 0 && done.egress.length === 0) ctx.skip('no managed container');
          ctx.log.info(`removed ${[...done.containers, ...done.volumes, ...done.egress].join(', ')}`);
          return done;
        },
      },
    ],
    async status(ctx) {
      const { statusRows } = await import('./status.js');
      return statusRows(ctx);
    },
    commands,
  };
}

export type { McpEndpoint };

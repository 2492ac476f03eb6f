/**
 * The container plugin: one long-running, locked-down container per agent for the project
 * (tasks `container`, `attach`, `container:down`; commands `exec`, `refresh`, `attach`; a
 * `status` hook). The factory only validates options; the work lives in lazily loaded modules.
 */
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import type { Plugin, PluginCommand, TaskContext } from '../../tasks/types.js';
import { ConfigError, ReportedError } from '../../tasks/errors.js';
import { resolveOptions, type ContainerOptions, type ResolvedContainerOptions } from './options.js';
import type { ContainerResult } from './ensure.js';

export type { ContainerOptions, ContainerLimits } from './options.js';
export type { ContainerResult } from './ensure.js';
export type { ContainerStatus } from './status.js';

/** `[agent] [-- cmd…]` → agent and command (`exec`, `attach`). */
export function splitAgentArgs(args: readonly string[], defaultAgent: string, commandRequired: boolean): { agent: string; cmd: string[] } {
  const dash = args.indexOf('--');
  const before = dash >= 0 ? args.slice(0, dash) : args.slice(0, 1);
  const cmd = dash >= 0 ? args.slice(dash + 1) : args.slice(1);
  if (before.length > 1) throw new ConfigError(`Too many arguments before \`--\`: ${before.join(' ')}`, 'Usage: qms exec <agent> -- <command…>');
  if (commandRequired && cmd.length === 0) throw new ConfigError('No command given.', 'Usage: qms exec <agent> -- <command…>, e.g. `qms exec claude -- ls /pipe-dream`.');
  return { agent: before[0] ?? defaultAgent, cmd };
}

async function ensureTask(ctx: TaskContext, opts: ResolvedContainerOptions): Promise<ContainerResult> {
  const { ensureContainer } = await import('./ensure.js');
  const { endpointsFromResults } = await import('./endpoints.js');
  const { removeContainer } = await import('./down.js');
  const built = ctx.result<{ tag?: string; id?: string }>(opts.imageTask);
  const { action, result } = await ensureContainer(ctx, {
    opts,
    endpoints: endpointsFromResults(ctx, opts.mcpServers),
    image: built?.tag ?? opts.image,
    force: ctx.options.force,
    // A failed or interrupted `up` removes what it created; the auth volume stays.
    onCreated: (_docker, id, name) => ctx.onTeardown(`remove container ${name}`, () => removeContainer(ctx, id)),
  });
  if (action === 'reused') ctx.skip(`container ${result.name} running, unchanged`, result);
  ctx.log.info(`container ${result.name} ${action}`);
  return result;
}

export function container(options: ContainerOptions = {}): Plugin {
  const opts = resolveOptions(options);
  const commands: Record<string, PluginCommand> = {
    exec: {
      description: 'Run a command in an agent container: qms exec <agent> -- <command…> (stdout/stderr kept apart, exit code returned)',
      async run(ctx, args) {
        const { agent, cmd } = splitAgentArgs(args, opts.agent, true);
        const { execCommand } = await import('./operations.js');
        return execCommand(ctx, agent, cmd, { stdout: process.stdout, stderr: process.stderr, signal: ctx.signal });
      },
    },
    refresh: {
      description: 'Recreate the agent container from scratch, keeping its workspace and auth volume: qms refresh [agent]',
      async run(ctx, args) {
        const agent = args[0] ?? opts.agent;
        if (agent !== opts.agent) throw new ConfigError(`No container plugin for agent ${agent}.`, `This project's container agent is ${opts.agent}.`);
        const { refreshContainer } = await import('./operations.js');
        const { result } = await refreshContainer(ctx, opts);
        ctx.log.info(`container ${result.name} recreated`);
        return 0;
      },
    },
    stop: {
      description: "Stop and remove one agent's container, keeping its workspace (and its auth volume unless --volumes): qms stop [agent]",
      async run(ctx, args, flags) {
        const agent = args[0] ?? opts.agent;
        const { downContainers } = await import('./down.js');
        const { containers, volumes } = await downContainers(ctx, { agent, volumes: flags.volumes === true });
        ctx.log.info(containers.length ? `removed ${[...containers, ...volumes].join(', ')}` : `no container of agent ${agent} in this project`);
        return 0;
      },
    },
    attach: {
      description: 'Open Claude Code (or a command) in the agent container with a TTY: qms attach [agent] [-- <command…>]',
      async run(ctx, args) {
        const { agent, cmd } = splitAgentArgs(args, opts.agent, false);
        const { attachAgent } = await import('./operations.js');
        return attachAgent(ctx, agent, cmd, { stdin: process.stdin, stdout: process.stdout, env: ctx.env, signal: ctx.signal });
      },
    },
  };
  return {
    name: 'container',
    tasks: [
      {
        name: 'container',
        description: `Ensure the ${opts.agent} agent container runs with the current configuration`,
        dependsOn: [opts.imageTask, ...opts.mcpServers, ...opts.after],
        run: (ctx) => ensureTask(ctx, opts),
      },
      {
        name: 'attach',
        description: `Open Claude Code in the ${opts.agent} container`,
        dependsOn: ['container', ...opts.attachAfter],
        interactive: true,
        async run(ctx) {
          // `qms up` in a script or CI: Claude Code would wait on a terminal that is not there.
          if (!process.stdin.isTTY) ctx.skip('no terminal (stdin is not a TTY): attach later with `qms attach`');
          const { attachAgent } = await import('./operations.js');
          const code = await attachAgent(ctx, opts.agent, [], { stdin: process.stdin, stdout: process.stdout, env: ctx.env, signal: ctx.signal });
          if (code !== 0) throw new ReportedError(code);
          return { exitCode: code };
        },
      },
      {
        name: 'container:down',
        description: 'Stop and remove the project\'s agent containers (`--volumes` also removes their auth volumes)',
        async run(ctx) {
          const { downContainers } = await import('./down.js');
          const done = await downContainers(ctx, { volumes: ctx.options.flags.volumes === true });
          if (done.containers.length === 0 && done.volumes.length === 0) ctx.skip('no managed container');
          ctx.log.info(`removed ${[...done.containers, ...done.volumes].join(', ')}`);
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

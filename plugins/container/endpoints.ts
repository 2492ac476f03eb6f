/**
 * The MCP endpoints a container is wired to: from the run's task results during `up`, or,
 * in a later process (`qms refresh`), from what the mcp-server plugin recorded (`loadEndpointForTask`).
 */
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { loadEndpoint, loadEndpointForTask } from '../mcp-server/load-endpoint.js';
import type { PluginContext, TaskContext } from '../../tasks/types.js';
import { QmsError } from '../../tasks/errors.js';

const NAME = /^[A-Za-z0-9_-]+$/;

function check(endpoint: McpEndpoint, from: string): McpEndpoint {
  if (!NAME.test(endpoint.name) || /\s/.test(endpoint.containerUrl) || /[\s]/.test(endpoint.token)) {
    throw new QmsError(`MCP endpoint from ${from} is malformed (name ${JSON.stringify(endpoint.name)}).`, 'Restart the MCP server: `qms up`.');
  }
  return endpoint;
}

export function endpointsFromResults(ctx: TaskContext, tasks: readonly string[]): McpEndpoint[] {
  return tasks.map((task) => {
    const ep = ctx.result<McpEndpoint>(task);
    if (!ep || typeof ep.containerUrl !== 'string' || typeof ep.token !== 'string') {
      throw new QmsError(
        `container: task ${task} returned no MCP endpoint.`,
        `List only tasks that return an McpEndpoint in container({ mcpServers }), or run them before \`container\`.`,
      );
    }
    return check(ep, `task ${task}`);
  });
}

/** Endpoint recorded by a running MCP server, with `agent`'s token, for processes other than the one that started it. */
export async function loadRecordedEndpoint(ctx: PluginContext, task: string, agent?: string): Promise<McpEndpoint> {
  const endpoint = await loadEndpointForTask(ctx, task, agent);
  if (!endpoint) {
    const running = await loadEndpointForTask(ctx, task);
    if (running && agent !== undefined) {
      throw new QmsError(`The MCP server of task ${task} serves no agent ${agent}.`, `Restart it for the config's roster: \`qms down\`, then \`qms up\` (or list ${agent} in its \`agents\` option).`);
    }
    throw new QmsError(`The MCP server of task ${task} is not running.`, `Start it with \`qms up\` (or \`qms task ${task}\`).`);
  }
  return check(endpoint, `the state record of task ${task}`);
}

/**
 * `agent`'s endpoints during `up`: the servers the run started or reused (their task results),
 * each with that agent's own token (its identity on the server), read from what the server
 * recorded. A task result with no such record (an endpoint task qms does not supervise) stands
 * only for the roster's first agent: another agent never gets someone else's token.
 */
export async function agentEndpointsFromResults(ctx: TaskContext, tasks: readonly string[], agent: string): Promise<McpEndpoint[]> {
  const started = endpointsFromResults(ctx, tasks);
  return Promise.all(started.map(async (ep, i) => {
    const own = await loadEndpoint(ctx, ep.name, agent);
    if (own) return check(own, `the state record of task ${tasks[i]!}`);
    if (agent === ctx.config.agents[0] && !(await loadEndpointForTask(ctx, tasks[i]!))) return ep;
    return loadRecordedEndpoint(ctx, tasks[i]!, agent);
  }));
}

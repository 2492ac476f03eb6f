/**
 * The MCP endpoints a container is wired to: from the run's task results during `up`, or,
 * in a later process (`qms refresh`), from what the mcp-server plugin recorded (`loadEndpointForTask`).
 */
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { loadEndpointForTask } from '../mcp-server/load-endpoint.js';
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

/** Endpoint recorded by a running MCP server, for processes other than the one that started it. */
export async function loadRecordedEndpoint(ctx: PluginContext, task: string): Promise<McpEndpoint> {
  const endpoint = await loadEndpointForTask(ctx, task);
  if (!endpoint) {
    throw new QmsError(`The MCP server of task ${task} is not running.`, `Start it with \`qms up\` (or \`qms task ${task}\`).`);
  }
  return check(endpoint, `the state record of task ${task}`);
}

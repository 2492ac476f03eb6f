/**
 * The MCP endpoints a container is wired to: from the run's task results during `up`, or,
 * in a later process (`qms refresh`), from the mcp-server plugin's state entries
 * (`mcp:<name>`: name, port, hostUrl, containerUrl) and 0600 token files.
 */
import { readFile } from 'node:fs/promises';
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { endpointTokenFile } from '../mcp-server/endpoint.js';
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
  const entry = await ctx.state.get(task);
  const data = entry?.data as Partial<McpEndpoint> | undefined;
  if (!data || typeof data.name !== 'string' || typeof data.containerUrl !== 'string') {
    throw new QmsError(`The MCP server of task ${task} is not running (no state entry ${task}).`, 'Start it with `qms up` (or `qms task ' + task + '`).');
  }
  const token = await readFile(endpointTokenFile(ctx.root, data.name), 'utf8').catch(() => undefined);
  if (!token) {
    throw new QmsError(`The token file of MCP server ${data.name} is missing.`, 'Restart it with `qms up`.');
  }
  ctx.addSecret(token.trim());
  return check(
    { name: data.name, port: Number(data.port), hostUrl: String(data.hostUrl ?? ''), containerUrl: data.containerUrl, token: token.trim() },
    `state entry ${task}`,
  );
}

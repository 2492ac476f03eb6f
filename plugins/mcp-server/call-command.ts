/**
 * `qms call <server> [tool] [json-args] [--agent NAME]`: calls a tool of a running supervised
 * MCP server the way an agent would — over streamable HTTP with the MCP SDK client and that
 * agent's token (so with its identity) — and prints the result; exit 1 when the tool answers
 * with an error. Without a tool it lists the server's tools. For scripts, debugging and tests.
 */
import { QmsError } from '../../tasks/errors.js';
import type { PluginContext } from '../../tasks/types.js';
import { endpointStateId } from './endpoint.js';
import { agentsOf, loadEndpoint } from './load-endpoint.js';
import type { ServerRecord } from './supervisor.js';

const USAGE = 'qms call <server> [tool] [json-args] [--agent NAME]';

function parseArgs(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new QmsError(`the tool arguments are not valid JSON (${(err as Error).message})`, `Pass one JSON object, e.g. qms call qms qms_status '{"doc_id":"SOP-001"}'.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new QmsError('the tool arguments must be a JSON object', `e.g. '{"doc_id":"SOP-001"}'; usage: ${USAGE}`);
  return value as Record<string, unknown>;
}

export async function callTool(ctx: PluginContext, args: readonly string[], flags: Readonly<Record<string, string | boolean | undefined>>): Promise<number> {
  const [server, tool, json, ...extra] = args;
  if (!server) throw new QmsError('which server? usage: ' + USAGE, 'e.g. qms call qms (lists its tools) or qms call qms qms_inbox.');
  if (extra.length > 0) throw new QmsError(`unexpected arguments after the JSON: ${extra.join(' ')}`, `Put all tool arguments in one JSON object; usage: ${USAGE}`);
  if (!/^[a-z][a-z0-9_-]{0,31}$/.test(server)) throw new QmsError(`invalid server name ${JSON.stringify(server)}`, 'Server names are lowercase, e.g. qms or git.');
  const agent = typeof flags.agent === 'string' ? flags.agent : undefined;
  if (flags.agent === true) throw new QmsError('--agent needs a name', 'e.g. --agent qa');
  const toolArgs = parseArgs(json);

  const endpoint = await loadEndpoint(ctx, server, agent);
  if (!endpoint) {
    const entry = await ctx.state.get(endpointStateId(server));
    const agents = entry ? agentsOf(entry.data as unknown as ServerRecord) : [];
    if (entry && agent !== undefined && !agents.includes(agent)) {
      throw new QmsError(`MCP server ${server} has no token for agent ${agent} (it serves ${agents.join(', ')})`, `Use --agent with one of: ${agents.join(', ')}; or add ${agent} to the server's agents and run qms up.`);
    }
    throw new QmsError(`MCP server ${server} is not running in this project`, 'Start it with `qms up` (or `qms task mcp:' + server + '`); `qms status` lists the servers.');
  }

  const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  const client = new Client({ name: 'qms-call', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(endpoint.hostUrl), { requestInit: { headers: { authorization: `Bearer ${endpoint.token}` } } }));
  try {
    if (!tool) {
      const { tools } = await client.listTools();
      if (flags.json === true) ctx.log.output(`${JSON.stringify(tools, null, 2)}\n`);
      else ctx.log.output(tools.map((t) => `${t.name}${t.description ? ` — ${t.description}` : ''}\n`).join(''));
      return 0;
    }
    let result;
    try {
      result = await client.callTool({ name: tool, arguments: toolArgs });
    } catch (err) {
      // A protocol error (unknown tool, arguments the schema refuses): the server's message, exit 1.
      ctx.log.warn(`${server} ${tool}: ${(err as Error).message}`);
      return 1;
    }
    const content = (result.content ?? []) as Array<{ type: string; text?: string }>;
    if (flags.json === true) ctx.log.output(`${JSON.stringify(result, null, 2)}\n`);
    else {
      const text = content.map((c) => (c.type === 'text' ? (c.text ?? '') : `[${c.type} content]`)).join('\n');
      if (text) ctx.log.output(text.endsWith('\n') ? text : `${text}\n`);
    }
    return result.isError === true ? 1 : 0;
  } finally {
    await client.close().catch(() => undefined);
  }
}

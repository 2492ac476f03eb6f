/**
 * Check (1): each MCP server answers a real MCP handshake from inside the container, over the
 * container's own URL and token: `initialize` (→ server info), `notifications/initialized`
 * (→ 202), `tools/list` (→ at least one tool).
 */
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { jsonRpcResponse } from '../mcp-server/jsonrpc-body.js';
import { NO_CLIENT, initializeSteps, type StepOutput } from './mcp-script.js';
import { record, type CheckRecord } from './report.js';
import { runMcpScript } from './run-mcp-script.js';
import type { VerifyTarget } from './target.js';

const describeFailure = (step: StepOutput | undefined, name: string): string => {
  if (!step) return `${name}: no answer (the probe stopped before it)`;
  if (step.exit !== 0) return `${name}: the request failed (exit ${step.exit}): ${step.stderr.trim() || 'no message'}`;
  return `${name}: HTTP ${step.status}: ${step.body.trim().slice(0, 200)}`;
};

export async function checkMcpServer(target: VerifyTarget, endpoint: McpEndpoint): Promise<CheckRecord> {
  const started = new Date();
  const base = {
    id: `mcp:${endpoint.name}`,
    group: 'mcp' as const,
    title: `MCP server ${endpoint.name} answers from inside the container`,
    how: `from the container (an HTTP client in bash): POST ${endpoint.containerUrl} initialize, notifications/initialized, tools/list (Authorization: Bearer <token from the exec's stdin, in a shell variable), then DELETE the session`,
    expected: 'initialize returns serverInfo; notifications/initialized is accepted (202); tools/list returns at least one tool',
  };
  const run = await runMcpScript(target, endpoint, [...initializeSteps(1), { kind: 'rpc', name: 'tools/list', body: { jsonrpc: '2.0', id: 2, method: 'tools/list' } }]);
  if (run.noClient) return record({ ...base, actual: NO_CLIENT, result: 'fail' }, started);
  const [init, initialized, list] = run.steps;
  const initRes = init && init.status === 200 ? jsonRpcResponse(init.body, 1) : undefined;
  const serverInfo = initRes?.result?.serverInfo as { name?: string; version?: string } | undefined;
  if (!serverInfo) return record({ ...base, actual: describeFailure(init, 'initialize') + (run.stderr ? ` (${run.stderr})` : ''), result: 'fail' }, started);
  if (!initialized || initialized.status !== 202) return record({ ...base, actual: describeFailure(initialized, 'notifications/initialized'), result: 'fail' }, started);
  const listRes = list && list.status === 200 ? jsonRpcResponse(list.body, 2) : undefined;
  const tools = (listRes?.result?.tools as Array<{ name?: string }> | undefined)?.map((t) => String(t.name)) ?? [];
  if (tools.length === 0) return record({ ...base, actual: describeFailure(list, 'tools/list') + ' (no tools)', result: 'fail' }, started);
  const version = String(initRes?.result?.protocolVersion ?? '?');
  return record(
    { ...base, actual: `server ${serverInfo.name ?? '?'} ${serverInfo.version ?? ''} (protocol ${version}); ${tools.length} tools: ${tools.join(', ')}`, result: 'pass' },
    started,
  );
}

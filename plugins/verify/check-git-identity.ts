/**
 * The agent acts as itself on the git MCP server, proved from inside its container: a
 * `git_exec` carrying this verification's nonce is made with the agent's token, and the host's
 * audit trail (read on the host, where the agent cannot write) must record that call under the
 * agent's name and no other. The server takes the name from the token, never from the request.
 */
import { stat } from 'node:fs/promises';
import { defaultAuditLogFile } from '../git-mcp/audit-log.js';
import { readSince } from './read-since.js';
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { NO_CLIENT, initializeSteps, toolAnswer, toolCall } from './mcp-script.js';
import { record, type CheckRecord } from './report.js';
import { runMcpScript } from './run-mcp-script.js';
import type { VerifyTarget } from './target.js';

export async function checkGitIdentity(target: VerifyTarget, endpoint: McpEndpoint, root: string): Promise<CheckRecord> {
  const started = new Date();
  const marker = `qms-verify-${target.nonce}`;
  const command = `log -1 --format=${marker}`;
  const file = defaultAuditLogFile(root);
  const base = {
    id: `identity:${endpoint.name}`,
    group: 'mcp' as const,
    title: `the git MCP server ${endpoint.name} knows the agent as ${target.agent}`,
    how: `from the container over ${endpoint.containerUrl} with ${target.agent}'s token: git_exec ${JSON.stringify(command)}; on the host: the audit lines of that call in ${file}`,
    expected: `the call is audited with agent "${target.agent}"`,
  };
  // The trail only grows (a line per call): what the call adds is after its size now.
  const from = await stat(file).then((st) => st.size, () => 0);
  const run = await runMcpScript(target, endpoint, [...initializeSteps(1), toolCall(2, 'git_exec', { command })]);
  if (run.noClient) return record({ ...base, actual: NO_CLIENT, result: 'fail' }, started);
  const answer = toolAnswer(run.steps.find((s) => s.name === 'tools/call git_exec'), 2);
  if (answer.problem !== undefined) return record({ ...base, actual: `no answer: ${answer.problem}`, result: 'fail' }, started);
  const lines = (await readSince(file, from))
    .split('\n')
    .filter((l) => l.includes(marker))
    .map((l) => {
      try {
        return JSON.parse(l) as { agent?: unknown; verdict?: unknown };
      } catch {
        return { agent: undefined, verdict: 'unparsable' };
      }
    });
  const agents = [...new Set(lines.map((l) => String(l.agent)))];
  const ok = lines.length > 0 && agents.length === 1 && agents[0] === target.agent;
  const actual = lines.length === 0
    ? `no audit line for the call in ${file}`
    : `${lines.length} audit line${lines.length > 1 ? 's' : ''} (${lines.map((l) => String(l.verdict)).join(', ')}) with agent ${agents.map((a) => JSON.stringify(a)).join(', ')}`;
  return record({ ...base, actual, result: ok ? 'pass' : 'fail' }, started);
}

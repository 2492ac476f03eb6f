/**
 * Check (1b): when Claude Code is in the image, `claude mcp list` (as the agent, in the project)
 * shows every MCP server `✔ Connected` — an independent, real MCP client, and the one the
 * agent will use (a server registered twice shows up as "Pending approval", not connected).
 */
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { captureExec } from './capture-exec.js';
import { CONTAINER_ROOT } from '../container/container-paths.js';
import { record, type CheckRecord } from './report.js';
import type { VerifyTarget } from './target.js';

const NO_CLAUDE = 'QMS_VERIFY_NO_CLAUDE';

/** Server name → its status text, from `claude mcp list` lines like `qms: http://… (HTTP) - ✔ Connected`. */
export function parseMcpList(stdout: string): Map<string, string> {
  const servers = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^([A-Za-z0-9_.-]+): .* - (.+)$/.exec(line.trim());
    if (m?.[1] && m[2]) servers.set(m[1], m[2].trim());
  }
  return servers;
}

/** What the check is, independent of its outcome. */
export function claudeMcpListBase(target: VerifyTarget, endpoints: readonly McpEndpoint[]) {
  return {
    id: 'mcp:claude-mcp-list',
    group: 'mcp' as const,
    title: 'Claude Code inside the container connects to every MCP server',
    how: `docker exec -u ${target.user} -w ${CONTAINER_ROOT} <container> claude mcp list`,
    expected: `${endpoints.map((e) => e.name).join(', ')}: ✔ Connected`,
  };
}

export async function checkClaudeMcpList(target: VerifyTarget, endpoints: readonly McpEndpoint[]): Promise<CheckRecord> {
  const started = new Date();
  const base = claudeMcpListBase(target, endpoints);
  const out = await captureExec(target.docker, target.containerId, ['sh', '-c', `command -v claude >/dev/null 2>&1 || { echo ${NO_CLAUDE}; exit 0; }; exec claude mcp list`], {
    user: target.user,
    workingDir: CONTAINER_ROOT,
    timeoutMs: 90_000,
    signal: target.signal,
  });
  if (out.stdout.startsWith(NO_CLAUDE)) return record({ ...base, actual: 'claude is not installed in this image', result: 'skip' }, started);
  const scrubbed = endpoints.reduce((s, e) => s.split(e.token).join('***'), out.stdout);
  const listed = parseMcpList(scrubbed);
  const states = endpoints.map((e) => `${e.name}: ${listed.get(e.name) ?? 'not listed'}`);
  const ok = out.code === 0 && endpoints.every((e) => /✔\s*Connected/.test(listed.get(e.name) ?? ''));
  const extra = out.code !== 0 ? ` (exit ${out.code}: ${(out.stderr || scrubbed).trim().slice(0, 300)})` : '';
  return record({ ...base, actual: states.join('; ') + extra, result: ok ? 'pass' : 'fail' }, started);
}

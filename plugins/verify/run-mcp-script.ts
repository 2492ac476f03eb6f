/** Run an MCP step script in the container against one endpoint; URL and token travel on the exec's stdin (exec-batch.ts). */
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { ENV_TOKEN, ENV_URL, mcpScript, parseMcpOutput, type McpStep, type StepOutput } from './mcp-script.js';
import type { VerifyTarget } from './target.js';

export interface ScriptRun {
  steps: StepOutput[];
  /** The image has no bash, which the in-container MCP client needs. */
  noClient: boolean;
  /** stderr of the script, for the evidence when something went wrong (never holds the token). */
  stderr: string;
}

/** The steps' answers: in the server's shared session when the verification keeps one (mcp-session.ts), else in a script of their own. */
export function runMcpScript(target: VerifyTarget, endpoint: McpEndpoint, steps: readonly McpStep[]): Promise<ScriptRun> {
  const shared = target.sessions?.get(endpoint.name);
  return shared ? shared.run(steps) : runMcpScriptAlone(target, endpoint, steps);
}

/** `steps` as one script (`waiters`: the checks it answers, for the exec batch). */
export async function runMcpScriptAlone(target: VerifyTarget, endpoint: McpEndpoint, steps: readonly McpStep[], waiters = 1): Promise<ScriptRun> {
  const out = await target.probe({ script: mcpScript(steps), vars: { [ENV_URL]: endpoint.containerUrl, [ENV_TOKEN]: endpoint.token }, timeoutMs: 30_000 }, waiters);
  const parsed = parseMcpOutput(out.stdout, steps);
  // Belt and braces: nothing the container printed may carry the token into the evidence.
  const scrub = (s: string): string => s.split(endpoint.token).join('***');
  return {
    noClient: parsed.noClient,
    steps: parsed.steps.map((s) => ({ ...s, body: scrub(s.body), stderr: scrub(s.stderr) })),
    stderr: scrub(out.stderr).trim(),
  };
}

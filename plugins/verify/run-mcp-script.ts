/** Run an MCP step script in the container against one endpoint; URL and token travel on the exec's stdin (exec-batch.ts). */
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { ENV_TOKEN, ENV_URL, mcpScript, parseMcpOutput, type McpStep, type StepOutput } from './mcp-script.js';
import type { VerifyTarget } from './target.js';

export interface ScriptRun {
  steps: StepOutput[];
  noCurl: boolean;
  /** stderr of the script, for the evidence when something went wrong (never holds the token). */
  stderr: string;
}

export async function runMcpScript(target: VerifyTarget, endpoint: McpEndpoint, steps: readonly McpStep[], timeoutMs = 30_000): Promise<ScriptRun> {
  const out = await target.probe({ script: mcpScript(steps), vars: { [ENV_URL]: endpoint.containerUrl, [ENV_TOKEN]: endpoint.token }, timeoutMs });
  const parsed = parseMcpOutput(out.stdout, steps);
  // Belt and braces: nothing the container printed may carry the token into the evidence.
  const scrub = (s: string): string => s.split(endpoint.token).join('***');
  return {
    noCurl: parsed.noCurl,
    steps: parsed.steps.map((s) => ({ ...s, body: scrub(s.body), stderr: scrub(s.stderr) })),
    stderr: scrub(out.stderr).trim(),
  };
}

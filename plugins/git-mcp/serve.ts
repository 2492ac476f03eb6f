/**
 * `qms serve git-mcp --project-root DIR [--transport http|stdio] [--host H]… [--port 8001]
 * [--policy FILE] [--audit-log FILE] [--timeout-ms N] [--max-output-bytes N]`: runs our Git MCP
 * server in the foreground until SIGTERM/SIGINT (http) or stdin closes (stdio). Policy
 * overrides come from `--policy` (a JSON file) or env `QMS_GIT_POLICY` (JSON, what `gitMcp()`
 * passes). The bearer token comes from env `QMS_MCP_TOKEN` (never argv); without it one is
 * generated and written 0600 to `<root>/.qms/mcp/git.serve.token` (its path is printed, not it).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { QmsError } from '../../tasks/errors.js';
import { checkTransportArgs, serveTransport } from '../mcp-server/serve-transport.js';
import { validatePolicyConfig, type GitPolicyConfig } from './policy.js';

const USAGE =
  'qms serve git-mcp --project-root DIR [--transport http|stdio] [--host H]... [--port 8001] [--user INITIATOR] [--policy FILE] [--audit-log FILE] [--timeout-ms N] [--max-output-bytes N]';

function parsePolicy(text: string, where: string): GitPolicyConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new QmsError(`git-mcp: the policy in ${where} is not valid JSON (${(err as Error).message})`, 'Write the policy as a JSON object, e.g. {"protectedPaths": ["flow-state"]}.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new QmsError(`git-mcp: the policy in ${where} must be a JSON object`, 'e.g. {"disabledRules": ["push-prune"]}.');
  }
  return value as GitPolicyConfig;
}

function optionalNumber(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new QmsError(`git-mcp: invalid --${name} ${raw}`, `Pass a positive number to --${name}.`);
  return n;
}

export async function serve(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'project-root': { type: 'string' },
        transport: { type: 'string', default: 'http' },
        host: { type: 'string', multiple: true },
        port: { type: 'string', default: '8001' },
        user: { type: 'string', default: 'claude' },
        policy: { type: 'string' },
        'audit-log': { type: 'string' },
        'timeout-ms': { type: 'string' },
        'max-output-bytes': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new QmsError(`qms serve git-mcp: ${(err as Error).message}`, `Usage: ${USAGE}`);
  }
  const root = resolve(values['project-root'] ?? process.cwd());
  checkTransportArgs(values.port, values.transport);

  let policy: GitPolicyConfig | undefined;
  if (values.policy !== undefined) {
    const file = resolve(values.policy);
    const text = await readFile(file, 'utf8').catch(() => {
      throw new QmsError(`git-mcp: cannot read the policy file ${file}`, 'Pass --policy with the path of a JSON file.');
    });
    policy = parsePolicy(text, file);
  } else if (process.env.QMS_GIT_POLICY) policy = parsePolicy(process.env.QMS_GIT_POLICY, 'env QMS_GIT_POLICY');

  const { executorsByAgent, mcpServerFor } = await import('./server.js');
  const timeoutMs = optionalNumber(values['timeout-ms'], 'timeout-ms');
  const maxOutputBytes = optionalNumber(values['max-output-bytes'], 'max-output-bytes');
  const initiator = values.user;
  validatePolicyConfig(policy, initiator);
  const executorFor = executorsByAgent({
    projectRoot: root,
    initiator,
    ...(policy ? { policy } : {}),
    ...(values['audit-log'] ? { auditLog: resolve(values['audit-log']) } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(maxOutputBytes ? { maxOutputBytes } : {}),
  });
  // The initiator's executor is built now, so a wrong root or policy fails at start, not on the first call.
  await executorFor(initiator);
  return serveTransport({
    name: 'git',
    label: 'git-mcp',
    root,
    transport: values.transport,
    port: values.port,
    hosts: values.host,
    createServer: async (identity) => mcpServerFor(await executorFor(identity)),
    defaultIdentity: initiator,
    describe: root,
  });
}

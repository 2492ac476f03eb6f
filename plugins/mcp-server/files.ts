/**
 * Where a supervised MCP server keeps its files: `.qms/mcp/<name>.{pid,log,token}` under the
 * project root, plus one 0600 token file per further agent, `.qms/mcp/<name>@<agent>.token`
 * (the default agent's token stays `<name>.token`, what older readers expect).
 */
import { join } from 'node:path';
import { endpointTokenFile } from './endpoint.js';

export const mcpDir = (root: string): string => join(root, '.qms', 'mcp');
export const pidFile = (root: string, name: string): string => join(mcpDir(root), `${name}.pid`);
export const logFile = (root: string, name: string): string => join(mcpDir(root), `${name}.log`);
/** The token file of `agent` (undefined: the default agent's, `<name>.token`). */
export const tokenFile = (root: string, name: string, agent?: string): string =>
  agent === undefined ? endpointTokenFile(root, name) : join(mcpDir(root), `${name}@${agent}.token`);

/** The agents a server serves when none are configured, the first being the default one. */
export const DEFAULT_AGENTS: readonly string[] = ['claude'];

/** Token file of `agent` among `agents` (the first one is the default agent). */
export const agentTokenFile = (root: string, name: string, agents: readonly string[], agent: string): string =>
  tokenFile(root, name, agent === (agents[0] ?? DEFAULT_AGENTS[0]) ? undefined : agent);

/** Every token file of server `name` (default and per-agent), for cleanup. */
export async function tokenFiles(root: string, name: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const entries = await readdir(mcpDir(root)).catch(() => [] as string[]);
  return [endpointTokenFile(root, name), ...entries.filter((f) => f.startsWith(`${name}@`) && f.endsWith('.token')).map((f) => join(mcpDir(root), f))];
}

/** The last `lines` lines of a log, for error messages. */
export async function logTail(file: string, lines = 20): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** A bearer token of a server started by qms (the default agent's, or the one in `file`), or undefined. */
export async function readToken(root: string, name: string, file = tokenFile(root, name)): Promise<string | undefined> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text?.trim() || undefined;
}

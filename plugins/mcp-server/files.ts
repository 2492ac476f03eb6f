/** Where a supervised MCP server keeps its files: `.qms/mcp/<name>.{pid,log,token}` under the project root. */
import { join } from 'node:path';
import { endpointTokenFile } from './endpoint.js';

export const mcpDir = (root: string): string => join(root, '.qms', 'mcp');
export const pidFile = (root: string, name: string): string => join(mcpDir(root), `${name}.pid`);
export const logFile = (root: string, name: string): string => join(mcpDir(root), `${name}.log`);
export const tokenFile = (root: string, name: string): string => endpointTokenFile(root, name);

/** The last `lines` lines of a log, for error messages. */
export async function logTail(file: string, lines = 20): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** The bearer token of a server started by qms, or undefined. */
export async function readToken(root: string, name: string): Promise<string | undefined> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(tokenFile(root, name), 'utf8').catch(() => undefined);
  return text?.trim() || undefined;
}

/**
 * What makes a supervised service an MCP server (or, e.g., the project API): where its files
 * and state entry live, how its tokens reach it, how it is probed for readiness. The supervisor
 * (./supervisor.ts) runs the same state machine — starting → ready → stopping → stopped, with
 * reuse, identity-checked signals and stale-record cleanup — for every kind.
 */
import { join } from 'node:path';
import { ENDPOINT_STATE_KIND, endpointStateId } from './endpoint.js';
import { agentTokenFile, logFile, mcpDir, pidFile, tokenFiles } from './files.js';
import { probeMcp } from './readiness.js';

/** What a readiness probe found: a phrase for the log and fields for `qms status`. */
export interface ProbeSummary {
  summary: string;
  details: Record<string, number | string>;
}

export interface ServiceKind {
  /** In messages, before the name: `MCP server` (→ "MCP server qms"). */
  noun: string;
  /** What a ready one answers, for messages: `MCP` (→ "no MCP answer from …"). */
  protocol: string;
  /** State entry id and kind, and the lock guarding check-and-start. */
  stateId(name: string): string;
  stateKind: string;
  /** `plugin` of the state entry. */
  statePlugin(name: string): string;
  lockName(name: string): string;
  dir(root: string): string;
  pidFile(root: string, name: string): string;
  logFile(root: string, name: string): string;
  /** The 0600 token file of `agent` among `agents` (the first being the default one). */
  tokenFile(root: string, name: string, agents: readonly string[], agent: string): string;
  /** Every token file of `name`, for cleanup. */
  tokenFiles(root: string, name: string): Promise<string[]>;
  /** How the tokens reach the process (env, never argv). */
  tokenEnv(byAgent: Readonly<Record<string, string>>, defaultToken: string): Record<string, string>;
  /** One readiness check; rejects on any failure. */
  probe(url: string, token: string, timeoutMs: number): Promise<ProbeSummary>;
  /** Whether a running server still answers, before it is reused (default: `probe`); rejects if not. */
  answers?(url: string, token: string, timeoutMs: number): Promise<unknown>;
  /** Hint when it never became ready. */
  readyHint: string;
  /** `serve-main.js <kind>` of our built-in server named `name`, to find one whose record was lost. */
  builtinKind(name: string): string;
}

export const MCP_KIND: ServiceKind = {
  noun: 'MCP server',
  protocol: 'MCP',
  stateId: endpointStateId,
  stateKind: ENDPOINT_STATE_KIND,
  statePlugin: (name) => `mcp-${name}`,
  lockName: (name) => `mcp-${name}`,
  dir: mcpDir,
  pidFile,
  logFile,
  tokenFile: agentTokenFile,
  tokenFiles,
  // QMS_MCP_TOKEN (the default agent's) is what an external server reads; ours read both.
  tokenEnv: (byAgent, token) => ({ QMS_MCP_TOKEN: token, QMS_MCP_TOKENS: JSON.stringify(byAgent) }),
  probe: async (url, token, timeoutMs) => {
    const { tools } = await probeMcp(url, token, timeoutMs);
    return { summary: `tools: ${tools.join(', ') || 'none'}`, details: { tools: tools.length } };
  },
  // An `initialize` answered with this token is enough to reuse it (half the requests of the
  // readiness probe, on every warm up); verify lists its tools from inside the container.
  answers: (url, token, timeoutMs) => probeMcp(url, token, timeoutMs, { initializeOnly: true }),
  readyHint: 'Check that the command starts a streamable-HTTP MCP server on that host and port (path /mcp) and accepts the bearer token; see its log (qms logs <server>).',
  builtinKind: (name) => `${name}-mcp`,
};

/** `.qms/<dir>/<name>.{pid,log,token}` with one token: the layout of a single-token service. */
export function singleTokenFiles(dirName: string): Pick<ServiceKind, 'dir' | 'pidFile' | 'logFile' | 'tokenFile' | 'tokenFiles'> {
  const dir = (root: string): string => join(root, '.qms', dirName);
  const token = (root: string, name: string): string => join(dir(root), `${name}.token`);
  return {
    dir,
    pidFile: (root, name) => join(dir(root), `${name}.pid`),
    logFile: (root, name) => join(dir(root), `${name}.log`),
    tokenFile: (root, name) => token(root, name),
    tokenFiles: async (root, name) => [token(root, name)],
  };
}

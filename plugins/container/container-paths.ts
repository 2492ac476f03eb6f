/**
 * Where things are, defined once: the container-side paths of the agent container and the
 * project-relative paths qms gives meaning to (the same below the project root on the host and
 * below `/pipe-dream` in the container). The access table (access-table.ts), the host folders
 * (host-paths.ts), the overlays and the verify plugin all take their paths from here.
 */

import { agentDefinition } from '../../tasks/config/qms-users.js';

/** Container-side paths (docker/Dockerfile and docker/entrypoint.sh use the same ones). */
export const IN_CONTAINER = {
  /** The project, mounted read-only. */
  root: '/pipe-dream',
  /** qms's generated, read-only files for the entrypoint (tokens in 0600 files). */
  etc: '/etc/qms',
  /** One `name<TAB>url<TAB>Bearer <token>` line per MCP server (0600, the agent's). */
  serversFile: '/etc/qms/mcp-servers.tsv',
  /** Prints `{"Authorization": …}` for Claude Code's `headersHelper` from `serversFile`. */
  headersHelper: '/usr/local/bin/qms-mcp-headers',
  /** Claude Code's login and user-scope config (`CLAUDE_CONFIG_DIR`, a named volume). */
  claudeConfig: '/claude-config',
  ssh: '/.ssh',
  /** The agent's own clones and builds (container filesystem). */
  projects: '/projects',
} as const;

export const CONTAINER_ROOT = IN_CONTAINER.root;

/** Project-relative paths. */
export const IN_PROJECT = {
  /** The project's instructions for Claude Code; a non-claude agent's definition is mounted over it. */
  claudeMd: 'CLAUDE.md',
  /** An agent's definition (its role), `.claude/agents/<name>.md` (the roster's rule, tasks/config/qms-users.ts). */
  agentDefinition,
  qmsDocs: 'QMS',
  git: '.git',
  /** qms's own files: state, tokens, logs, overlays. Masked in every container. */
  qmsDir: '.qms',
  sessions: '.claude/sessions',
  /** Every agent's user folder (workspace, inbox) lives below it. */
  users: '.claude/users',
  mcpJson: '.mcp.json',
  settingsLocal: '.claude/settings.local.json',
  workspace: (agent: string): string => `.claude/users/${agent}/workspace`,
  inbox: (agent: string): string => `.claude/users/${agent}/inbox`,
  overlayDir: (agent: string): string => `.qms/container/${agent}`,
} as const;

/** A project-relative path as the container sees it. */
export const inContainer = (rel: string): string => `${CONTAINER_ROOT}/${rel}`;

/**
 * Folders some agent can write (its workspace, the sessions folder): what is in them is the
 * agents', not the host user's, so they are never searched for host secrets.
 */
export function isAgentWritable(rel: string): boolean {
  return rel === IN_PROJECT.sessions || /^\.claude\/users\/[^/]+\/workspace$/.test(rel);
}

/** The `headersHelper` command Claude Code runs for every qms MCP server (no token in it). */
export const HEADERS_HELPER_COMMAND = `${IN_CONTAINER.headersHelper} ${IN_CONTAINER.serversFile}`;

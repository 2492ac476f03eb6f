/**
 * `qmsMcp()` and `gitMcp()`: the two MCP servers `qms up` runs, by default our built-in ones
 * (`node dist/plugins/mcp-server/serve-main.js qms-mcp|git-mcp …`); `qmsMcp({ command, args })`
 * runs an external server instead, e.g. qms-cli's `python -m qms_mcp`.
 */
import { ConfigError } from '../../tasks/errors.js';
import type { Plugin } from '../../tasks/types.js';
import type { McpServerOptions } from './launch.js';
import { builtinServerEntry } from './package-root.js';
import { mcpServer } from './plugin.js';

type Common = Partial<Pick<McpServerOptions, 'port' | 'hosts' | 'env' | 'cwd' | 'readyTimeoutMs' | 'taskName'>>;

export interface QmsMcpOptions extends Common {
  /** QMS user the agent acts as (built-in server); default `claude`. */
  user?: string;
  /** An external server's executable instead of the built-in one (e.g. `python`). */
  command?: string;
  /** Its arguments; placeholders `{port}`, `{host}`, `{hosts}`, `{projectRoot}`, `{tokenFile}`. */
  args?: string[];
}

export interface GitMcpOptions extends Common {
  /** Policy overrides for the built-in git server (see plugins/git-mcp), passed as JSON in env `QMS_GIT_POLICY`. */
  policy?: Record<string, unknown>;
  command?: string;
  args?: string[];
}

const hostArgs = (hosts: readonly string[] | undefined): string[] => (hosts ?? []).flatMap((h) => ['--host', h]);

function builtin(server: 'qms-mcp' | 'git-mcp', extra: string[], hosts: readonly string[] | undefined): Pick<McpServerOptions, 'command' | 'args'> {
  return {
    command: process.execPath,
    args: [builtinServerEntry(), server, '--project-root', '{projectRoot}', '--port', '{port}', ...hostArgs(hosts), ...extra],
  };
}

function pick(o: Common): Common {
  const { port, hosts, env, cwd, readyTimeoutMs, taskName } = o;
  return Object.fromEntries(Object.entries({ port, hosts, env, cwd, readyTimeoutMs, taskName }).filter(([, v]) => v !== undefined));
}

export function qmsMcp(options: QmsMcpOptions = {}): Plugin {
  if (options.user !== undefined && (typeof options.user !== 'string' || !/^[a-z][a-z0-9_-]{0,31}$/.test(options.user))) {
    throw new ConfigError(`qmsMcp: option "user" must be a lowercase user name, got ${JSON.stringify(options.user)}`, 'e.g. qmsMcp({ user: "claude" })', undefined, 'user');
  }
  const launch = options.command
    ? { command: options.command, args: options.args ?? [] }
    : builtin('qms-mcp', ['--user', options.user ?? 'claude'], options.hosts);
  return mcpServer({ name: 'qms', port: 8000, ...pick(options), ...launch });
}

export function gitMcp(options: GitMcpOptions = {}): Plugin {
  if (options.policy !== undefined && (typeof options.policy !== 'object' || options.policy === null || Array.isArray(options.policy))) {
    throw new ConfigError(`gitMcp: option "policy" must be an object, got ${JSON.stringify(options.policy)}`, 'e.g. gitMcp({ policy: { protectedPaths: ["flow-state", "qms-cli"] } })', undefined, 'policy');
  }
  const launch = options.command ? { command: options.command, args: options.args ?? [] } : builtin('git-mcp', [], options.hosts);
  const env = { ...(options.env ?? {}), ...(options.policy ? { QMS_GIT_POLICY: JSON.stringify(options.policy) } : {}) };
  return mcpServer({ name: 'git', port: 8001, ...pick(options), ...(Object.keys(env).length ? { env } : {}), ...launch });
}

/**
 * `qmsMcp()` and `gitMcp()`: the two MCP servers `qms up` runs, by default our built-in ones
 * (`node dist/plugins/mcp-server/serve-main.js qms-mcp|git-mcp …`; the QMS one with the qms-cli
 * backend when the project has qms-cli); `qmsMcp({ command, args })` runs an external server
 * instead, e.g. qms-cli's `python -m qms_mcp`. `agents` lists the agents served, one token each
 * (default: the config's whole roster, its first agent being the default one and the initiator).
 */
import { ConfigError, type QmsError } from '../../tasks/errors.js';
import { anyValue, checkPluginOptions } from '../../tasks/config/plugin-options.js';
import { validatePolicyConfig, type GitPolicyConfig } from '../git-mcp/policy.js';
import type { Plugin, StatusRow } from '../../tasks/types.js';
import { IN_PROJECT } from '../container/container-paths.js';
import type { McpServerOptions } from './server-options.js';
import { builtinServerEntry } from './package-root.js';
import { mcpServer } from './plugin.js';

type Common = Partial<Pick<McpServerOptions, 'port' | 'hosts' | 'env' | 'cwd' | 'readyTimeoutMs' | 'taskName' | 'agents'>>;

export interface QmsMcpOptions extends Common {
  /** QMS user of the default agent (the first of `agents`); default the first of `agents`, else of the config's roster. */
  user?: string;
  /**
   * Which QMS backend the built-in server uses: `auto` (default) = qms-cli when the project has
   * it (`qms-cli/qms.py`, or `qmsCli`), else the built-in one; `qms-cli`; `builtin` (refuses a
   * repository qms-cli keeps).
   */
  backend?: 'auto' | 'qms-cli' | 'builtin';
  /** Path of qms-cli's `qms.py`, relative to the project root; default `qms-cli/qms.py`. */
  qmsCli?: string;
  /** Python interpreter for qms-cli; default the project's `.venv/bin/python` when present, else `python3`. */
  python?: string;
  /** An external server's executable instead of the built-in one (e.g. `python`). */
  command?: string;
  /** Its arguments; placeholders `{port}`, `{host}`, `{hosts}`, `{projectRoot}`, `{tokenFile}`. */
  args?: string[];
}

export interface GitMcpOptions extends Common {
  /** Policy overrides for the built-in git server (see plugins/git-mcp), passed as JSON in env `QMS_GIT_POLICY`. */
  policy?: GitPolicyConfig;
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
  const { port, hosts, env, cwd, readyTimeoutMs, taskName, agents } = o;
  return Object.fromEntries(Object.entries({ port, hosts, env, cwd, readyTimeoutMs, taskName, agents }).filter(([, v]) => v !== undefined));
}

const USER = /^[a-z][a-z0-9_-]{0,31}$/;

/**
 * Every key of the options types (the compiler keeps them in step); values are checked below.
 * Made when a factory is called, so this module makes nothing at load (the start-up bundles may copy it).
 */
const commonKeys = () => ({ port: anyValue(), hosts: anyValue(), env: anyValue(), cwd: anyValue(), readyTimeoutMs: anyValue(), taskName: anyValue(), agents: anyValue() }) satisfies Record<keyof Required<Common>, unknown>;
const qmsKeys = () => ({ ...commonKeys(), user: anyValue(), backend: anyValue(), qmsCli: anyValue(), python: anyValue(), command: anyValue(), args: anyValue() }) satisfies Record<keyof Required<QmsMcpOptions>, unknown>;
const gitKeys = () => ({ ...commonKeys(), policy: anyValue(), command: anyValue(), args: anyValue() }) satisfies Record<keyof Required<GitMcpOptions>, unknown>;

function qmsOptionError(key: string, message: string, hint: string): never {
  throw new ConfigError(`qmsMcp: option "${key}" ${message}`, hint, undefined, key);
}

export function qmsMcp(options: QmsMcpOptions = {}): Plugin {
  checkPluginOptions('qmsMcp', qmsKeys(), options);
  if (options.user !== undefined && (typeof options.user !== 'string' || !USER.test(options.user))) {
    qmsOptionError('user', `must be a lowercase user name, got ${JSON.stringify(options.user)}`, 'e.g. qmsMcp({ user: "claude" })');
  }
  if (options.user !== undefined && options.agents?.[0] !== undefined && options.agents[0] !== options.user) {
    qmsOptionError('user', `(${options.user}) must be the first of "agents" (${options.agents[0]}): the default agent is the QMS user of the default token`, 'Leave "user" out and list the default agent first in "agents".');
  }
  if (options.backend !== undefined && !['auto', 'qms-cli', 'builtin'].includes(options.backend)) {
    qmsOptionError('backend', `must be "auto", "qms-cli" or "builtin", got ${JSON.stringify(options.backend)}`, 'e.g. qmsMcp({ backend: "qms-cli" })');
  }
  for (const key of ['qmsCli', 'python'] as const) {
    const v = options[key];
    if (v !== undefined && (typeof v !== 'string' || v === '' || v.startsWith('-'))) qmsOptionError(key, `must be a path, got ${JSON.stringify(v)}`, key === 'qmsCli' ? 'e.g. qmsMcp({ qmsCli: "tools/qms-cli/qms.py" })' : 'e.g. qmsMcp({ python: ".venv/bin/python" })');
  }
  // Agents left out: the config's roster (resolved when the server starts), `user` first if given.
  const user = options.agents?.[0] ?? options.user;
  const backendArgs = [
    '--user', user ?? '{agent}',
    ...(options.backend ? ['--backend', options.backend] : []),
    ...(options.qmsCli ? ['--qms-cli', options.qmsCli] : []),
    ...(options.python ? ['--python', options.python] : []),
  ];
  const launch = options.command ? { command: options.command, args: options.args ?? [] } : builtin('qms-mcp', backendArgs, options.hosts);
  return mcpServer({ name: 'qms', port: 8000, ...pick(options), ...(options.user && !options.agents ? { defaultAgent: options.user } : {}), ...launch });
}

export function gitMcp(options: GitMcpOptions = {}): Plugin {
  checkPluginOptions('gitMcp', gitKeys(), options);
  if (options.policy !== undefined && (typeof options.policy !== 'object' || options.policy === null || Array.isArray(options.policy))) {
    throw new ConfigError(`gitMcp: option "policy" must be an object, got ${JSON.stringify(options.policy)}`, 'e.g. gitMcp({ policy: { protectedPaths: ["flow-state", "qms-cli"] } })', undefined, 'policy');
  }
  // The initiator (first agent: of `agents`, else of the config's roster) gets the shared
  // policy; every other agent the reviewer preset unless `policy.agents` says otherwise.
  const initiator = options.agents?.[0];
  try {
    validatePolicyConfig(options.policy, initiator ?? 'claude');
  } catch (err) {
    const e = err as QmsError;
    throw new ConfigError(`gitMcp: ${e.message}`, e.hint ?? 'See plugins/git-mcp/README.md for the policy keys.', undefined, 'policy');
  }
  const launch = options.command ? { command: options.command, args: options.args ?? [] } : builtin('git-mcp', ['--user', initiator ?? '{agent}'], options.hosts);
  const env = { ...(options.env ?? {}), ...(options.policy ? { QMS_GIT_POLICY: JSON.stringify(options.policy) } : {}) };
  const plugin = mcpServer({ name: 'git', port: 8001, ...pick(options), ...(Object.keys(env).length ? { env } : {}), ...launch });
  const serverStatus = plugin.status;
  return {
    ...plugin,
    status: async (ctx) => [...((await serverStatus?.(ctx)) ?? []), await nestedRepoStatus(ctx.root, plugin.name)],
  };
}

/** A `qms status` row: git repositories planted in the agents' folders (the git server never enters them). */
async function nestedRepoStatus(root: string, plugin: string): Promise<StatusRow> {
  const { findNestedRepos } = await import('../git-mcp/nested-repos.js');
  const { found, truncated } = await findNestedRepos(root, [IN_PROJECT.sessions, IN_PROJECT.users]);
  return {
    plugin,
    id: 'nested-repositories',
    kind: 'host-boundary',
    state: found.length > 0 ? 'found' : 'none',
    healthy: found.length === 0,
    details: { count: found.length, paths: found.slice(0, 10).join(', ') || null, ...(truncated ? { truncated: true } : {}) },
  };
}

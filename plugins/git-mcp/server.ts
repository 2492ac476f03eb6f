/**
 * Our Git MCP server: one tool, `git_exec(command)`, over the MCP TypeScript SDK. The SDK and
 * zod are imported when a server is created, so importing this module stays cheap.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { sharedJsonSchemaValidator } from '../mcp-server/json-schema-validator.js';
import { QmsError } from '../../tasks/errors.js';
import { ensureQmsDir } from '../../tasks/state/qms-dir.js';
import { AuditLog, defaultAuditLogFile } from './audit-log.js';
import { hardenedEnv } from './exec-git.js';
import { GitExecutor } from './git-exec.js';
import { HostSecrets } from './secret-values.js';
import { policyForAgent, type GitPolicy, type GitPolicyConfig } from './policy.js';

export interface GitMcpOptions {
  /** The repository the server works on (its top-level folder). */
  projectRoot: string;
  /** The shared policy and per-agent overrides (see policy.ts). */
  policy?: GitPolicyConfig;
  /** The agent this executor acts for (its credential's identity); default `claude`. */
  agent?: string;
  /** The agent that gets the shared policy (the team's initiator); default `claude`. Others default to `reviewer`. */
  initiator?: string;
  /** NDJSON audit log; default `<projectRoot>/.qms/git-mcp.log`. */
  auditLog?: string;
  /** Per git command; default 55 s (under the MCP SDK client's 60 s request timeout). */
  timeoutMs?: number;
  /** Output kept per git command (stdout + stderr); default 256 KiB. */
  maxOutputBytes?: number;
}

export const GIT_EXEC_DESCRIPTION = [
  'Run git commands on the project repository (on the host). The `git` prefix is optional.',
  'Chain commands with &&, || or ; (shell semantics). No shell runs the command: pipes,',
  'redirections, $(...), backticks and unquoted globs are rejected; quote arguments with \' or ".',
  'What is allowed depends on your role: by default inspection (status, log, diff, show, grep…),',
  '`add` + `commit -m` of changes in your own folders (.claude/sessions, .claude/users/<you>/workspace, QMS),',
  '`push` of the current branch, `fetch` and `pull --ff-only`. Secrets (.env, .qms/) and nested',
  'repositories are never staged or read. A refusal names the rule and what to do instead.',
].join(' ');

const execFileP = promisify(execFile);

/** `-c user.name=… -c user.email=…` from the user's global config, when the repository sets none and global config is not trusted. */
async function identityConfig(projectRoot: string, policy: GitPolicy): Promise<string[]> {
  if (policy.trustGlobalConfig || !policy.inheritIdentity) return [];
  const out: string[] = [];
  for (const key of ['user.name', 'user.email']) {
    const local = await execFileP('git', ['config', '--get', key], { cwd: projectRoot, env: hardenedEnv({ projectRoot, policy }) }).then(
      (r) => r.stdout.trim(),
      () => '',
    );
    if (local) continue;
    const global = await execFileP('git', ['config', '--global', '--get', key], { cwd: projectRoot }).then(
      (r) => r.stdout.trim(),
      () => '',
    );
    if (global && !/[\n\r\0]/.test(global)) out.push(`${key}=${global}`);
  }
  return out;
}

function checkRoot(projectRoot: string): string {
  const root = resolve(projectRoot);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new QmsError(`git-mcp: project root "${root}" is not a folder`, 'Pass --project-root with the path of the repository.');
  }
  if (!existsSync(join(root, '.git'))) {
    throw new QmsError(`git-mcp: "${root}" is not the top of a git repository (no .git there)`, 'Pass the repository\'s top-level folder as the project root.');
  }
  return root;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new QmsError(`git-mcp: ${name} must be a positive number (got ${value})`, `Set ${name} to e.g. ${fallback}.`);
  return value;
}

/** Builds the executor once; `createGitMcpServer` wraps it, tests and benchmarks may use it directly. */
export async function createGitExecutor(options: GitMcpOptions): Promise<GitExecutor> {
  const projectRoot = checkRoot(options.projectRoot);
  const agent = options.agent ?? 'claude';
  const policy = policyForAgent(options.policy, agent, options.initiator ?? 'claude');
  return new GitExecutor({
    projectRoot,
    policy,
    timeoutMs: positive(options.timeoutMs, 55_000, 'timeoutMs'),
    maxOutputBytes: positive(options.maxOutputBytes, 256 * 1024, 'maxOutputBytes'),
    extraConfig: await identityConfig(projectRoot, policy),
    // The default log lives in .qms/, made the way qms makes it (0700, ignoring itself).
    audit: options.auditLog ? new AuditLog(resolve(options.auditLog)) : new AuditLog(defaultAuditLogFile(projectRoot), () => ensureQmsDir(projectRoot)),
    secrets: new HostSecrets(projectRoot),
    agent,
  });
}

export async function createGitMcpServer(options: GitMcpOptions): Promise<McpServer> {
  return mcpServerFor(await createGitExecutor(options));
}

/**
 * One executor per agent, made on first use: each agent's policy (and the agent recorded in
 * the audit) comes from the credential that opened the MCP session, never from the request.
 */
export function executorsByAgent(options: Omit<GitMcpOptions, 'agent'>): (agent: string) => Promise<GitExecutor> {
  const executors = new Map<string, Promise<GitExecutor>>();
  return (agent) => {
    let e = executors.get(agent);
    if (!e) {
      e = createGitExecutor({ ...options, agent });
      executors.set(agent, e);
    }
    return e;
  };
}

/** An McpServer around an existing executor (the HTTP host makes one per MCP session; an agent's sessions share its executor). */
export async function mcpServerFor(executor: GitExecutor): Promise<McpServer> {
  const [{ McpServer: Server }, { z }, jsonSchemaValidator] = await Promise.all([import('@modelcontextprotocol/sdk/server/mcp.js'), import('zod'), sharedJsonSchemaValidator()]);
  const server = new Server({ name: 'qms-git', version: '1.0.0' }, { jsonSchemaValidator });
  server.registerTool(
    'git_exec',
    {
      title: 'git',
      description: GIT_EXEC_DESCRIPTION,
      inputSchema: { command: z.string().min(1).describe('git command(s), e.g. "status" or "git add notes.md && git commit -m \'notes\'"') },
    },
    async ({ command }) => {
      const r = await executor.exec(command);
      return { content: [{ type: 'text' as const, text: r.text }], isError: r.isError };
    },
  );
  return server;
}

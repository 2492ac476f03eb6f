/**
 * `verify()`: the `verify` task (after the container, the session and the MCP servers) and the
 * `qms verify` command. Proves from inside the running container what CR-046 verified by hand
 * and writes the evidence (`verification.md`, `verification.json`) into the session folder.
 * Cheap factory: dockerode and the checks load only when it runs.
 */
import type { Plugin, PluginCommand, PluginContext, TaskContext, TaskDef } from '../../tasks/types.js';
import { ConfigError } from '../../tasks/errors.js';
import { resolveOptions, type ContainerLimits } from '../container/options.js';
import type { VerificationReport } from './report.js';

export type { VerificationReport, CheckRecord, CheckResult, CheckGroup } from './report.js';

export interface VerifyOptions {
  /** Agent whose container is verified. Default `claude`. */
  agent?: string;
  /** Task whose result is the container (`{ id, … }`). Default `container`. */
  containerTask?: string;
  /** Task whose result is the session (`{ id, dir }`). Default `session`. */
  sessionTask?: string;
  /** Tasks whose results are the MCP endpoints to check. Default `['mcp:qms', 'mcp:git']`. */
  mcpServers?: readonly string[];
  /** Dependencies of the task. Default: the container, session and MCP server tasks. */
  dependsOn?: readonly string[];
  /** MCP server (endpoint name) for the checkout → edit → checkin round trip; `false` to leave it out. Default `qms`. */
  qmsServer?: string | false;
  /** The git MCP server (endpoint name) whose host boundary is probed from inside; `false` to leave it out. Default `git`. */
  gitServer?: string | false;
  /** The container's limits, if not the container plugin's defaults (pass the same value as to `container()`). */
  limits?: ContainerLimits;
  /**
   * Also run `claude mcp list` inside when Claude Code is in the image: `'when-changed'` (default)
   * re-uses a passing result while the container and its MCP configuration are the same (Claude
   * Code takes ~1.5 s to start); `'always'` (or `true`) runs it every time; `false` never.
   */
  claudeMcpList?: boolean | 'always' | 'when-changed';
}

export interface VerifyResult {
  result: 'pass';
  report: string;
  checks: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function bad(key: string, message: string, hint: string): never {
  throw new ConfigError(`verify(): option \`${key}\` ${message}`, hint, undefined, key);
}

function names(value: unknown, key: string): readonly string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) bad(key, `must be an array of task names, got ${JSON.stringify(value)}`, `e.g. ${key}: ['mcp:qms']`);
  return value as string[];
}

export function verify(options: VerifyOptions = {}): Plugin {
  if (typeof options !== 'object' || options === null) bad('(options)', 'must be an object', 'Call verify({ … }) or verify().');
  const agent = options.agent ?? 'claude';
  if (typeof agent !== 'string' || !NAME.test(agent)) bad('agent', `must be an agent name, got ${JSON.stringify(agent)}`, "e.g. verify({ agent: 'claude' })");
  for (const key of ['containerTask', 'sessionTask'] as const) {
    const v = options[key];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0)) bad(key, `must be a task name, got ${JSON.stringify(v)}`, `Fix \`${key}\` in qms.config.ts.`);
  }
  const containerTask = options.containerTask ?? 'container';
  const sessionTask = options.sessionTask ?? 'session';
  const mcpServers = options.mcpServers === undefined ? ['mcp:qms', 'mcp:git'] : names(options.mcpServers, 'mcpServers');
  const dependsOn = options.dependsOn === undefined ? [containerTask, sessionTask, ...mcpServers] : names(options.dependsOn, 'dependsOn');
  const qmsServer = options.qmsServer ?? 'qms';
  if (qmsServer !== false && (typeof qmsServer !== 'string' || !NAME.test(qmsServer))) bad('qmsServer', `must be an MCP server name or false, got ${JSON.stringify(qmsServer)}`, "e.g. qmsServer: 'qms'");
  const gitServer = options.gitServer ?? 'git';
  if (gitServer !== false && (typeof gitServer !== 'string' || !NAME.test(gitServer))) bad('gitServer', `must be an MCP server name or false, got ${JSON.stringify(gitServer)}`, "e.g. gitServer: 'git'");
  const listOption = options.claudeMcpList ?? 'when-changed';
  if (![true, false, 'always', 'when-changed'].includes(listOption)) bad('claudeMcpList', `must be 'when-changed', 'always' or false, got ${JSON.stringify(listOption)}`, "e.g. claudeMcpList: 'always'");
  const claudeMcpList = listOption === true ? 'always' : listOption;
  const limits = options.limits;
  if (limits !== undefined) {
    if (typeof limits !== 'object' || limits === null) bad('limits', 'must be an object', "e.g. limits: { cpus: 2, memory: '4g' }");
    // The container plugin's own validation (a cheap module), so both read the option the same way.
    resolveOptions({ limits });
  }

  const verifyIn = async (ctx: PluginContext | TaskContext): Promise<{ report: VerificationReport; markdown: string }> => {
    const [{ runVerification }, { containerFor, endpointsFor, sessionFor }] = await Promise.all([import('./run-verification.js'), import('./resolve-input.js')]);
    const [containerId, session, endpoints] = await Promise.all([
      containerFor(ctx, agent, containerTask),
      sessionFor(ctx, sessionTask),
      endpointsFor(ctx, mcpServers),
    ]);
    return runVerification({ root: ctx.root, project: ctx.config.name, agent, containerId, session, endpoints, qmsServer, gitServer, limits, claudeMcpList, env: ctx.env, log: ctx.log, signal: ctx.signal });
  };

  const task: TaskDef<VerifyResult> = {
    name: 'verify',
    description: `Verify the ${agent} container from inside (MCP, access table, QMS round trip, git, limits) and write the evidence`,
    dependsOn,
    async run(ctx) {
      const { report, markdown } = await verifyIn(ctx);
      return { result: 'pass', report: markdown, checks: report.checks.length };
    },
  };
  const command: PluginCommand = {
    description: 'Re-verify the running environment from inside the container; evidence goes into the current session folder',
    async run(ctx) {
      await verifyIn(ctx);
      return 0;
    },
  };
  return { name: 'verify', tasks: [task as TaskDef], commands: { verify: command } };
}

/**
 * `verify()`: the `verify` task (after the container, the session and the MCP servers) and the
 * `qms verify [agent...]` command. Proves from inside each agent's running container what
 * CR-046 verified by hand, and that the agent acts as itself, and writes one record per agent
 * into the session folder (`verification.{md,json}` for the roster's first agent,
 * `verification-<agent>.{md,json}` for the others).
 * Cheap factory: dockerode and the checks load only when it runs.
 */
import type { Plugin, PluginCommand, PluginContext, TaskContext, TaskDef } from '../../tasks/types.js';
import { ConfigError } from '../../tasks/errors.js';
import { anyValue, checkPluginOptions } from '../../tasks/config/plugin-options.js';
import { resolveOptions, type ContainerLimits } from '../container/options.js';

export type { VerificationReport, CheckRecord, CheckResult, CheckGroup } from './report.js';

export interface VerifyOptions {
  /** Removed: every agent of the run is verified (`qms up [agent...]`, `qms verify [agent...]`). */
  agent?: never;
  /** Task whose result is the container (`{ id, … }`). Default `container`. */
  containerTask?: string;
  /** Task whose result is the session (`{ id, dir }`). Default `session`. */
  sessionTask?: string;
  /** Tasks whose results are the MCP endpoints to check. Default `['mcp:qms', 'mcp:git']`. */
  mcpServers?: readonly string[];
  /** Dependencies of the task. Default: the container, session and MCP server tasks. */
  dependsOn?: readonly string[];
  /** MCP server (endpoint name) for the QMS checks; `false` to leave them out. Default `qms`. */
  qmsServer?: string | false;
  /**
   * A document of yours for a write round trip (checkout → edit → checkin, by the roster's first
   * agent): it leaves a CHECKOUT/CHECKIN in its audit trail and a changed draft. Without it no
   * controlled document is written on qms-cli; the built-in backend uses a scratch document.
   */
  qmsRoundTrip?: string;
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
  /** The first agent's evidence (Markdown). */
  report: string;
  checks: number;
  /** One entry per agent verified: its evidence files and number of checks. */
  agents: Array<{ agent: string; markdown: string; json: string; checks: number }>;
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
  if ('agent' in options) bad('agent', "is gone: every agent of the config's roster that a run starts is verified", "Remove it and list the agents once: defineConfig({ agents: ['claude', 'qa'], … }).");
  // Every key of VerifyOptions but the removed `agent` (the compiler keeps them in step); values are checked below.
  const known = { containerTask: anyValue(), sessionTask: anyValue(), mcpServers: anyValue(), dependsOn: anyValue(), qmsServer: anyValue(), qmsRoundTrip: anyValue(), gitServer: anyValue(), limits: anyValue(), claudeMcpList: anyValue() } satisfies Record<Exclude<keyof VerifyOptions, 'agent'>, unknown>;
  checkPluginOptions('verify', known, options);
  for (const key of ['containerTask', 'sessionTask'] as const) {
    const v = options[key];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0)) bad(key, `must be a task name, got ${JSON.stringify(v)}`, `Fix \`${key}\` in qms.config.ts.`);
  }
  const containerTask = options.containerTask ?? 'container';
  const sessionTask = options.sessionTask ?? 'session';
  const mcpServers = options.mcpServers === undefined ? ['mcp:qms', 'mcp:git'] : names(options.mcpServers, 'mcpServers');
  const dependsOn = options.dependsOn === undefined ? [containerTask, sessionTask, ...mcpServers] : names(options.dependsOn, 'dependsOn');
  const qmsServer = options.qmsServer ?? 'qms';
  const qmsRoundTrip = options.qmsRoundTrip;
  if (qmsRoundTrip !== undefined && (typeof qmsRoundTrip !== 'string' || !/^[A-Z][A-Z0-9]{1,9}(?:-[A-Z0-9]{1,10}){1,5}$/.test(qmsRoundTrip))) {
    bad('qmsRoundTrip', `must be a document id, got ${JSON.stringify(qmsRoundTrip)}`, "e.g. qmsRoundTrip: 'CR-099' (a document the agent may check out)");
  }
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

  const verifyIn = async (ctx: PluginContext | TaskContext, agent: string) => {
    const [{ runVerification }, { containerFor, endpointsFor, sessionFor }] = await Promise.all([import('./run-verification.js'), import('./resolve-input.js')]);
    const [container, session, endpoints] = await Promise.all([
      containerFor(ctx, agent, containerTask),
      sessionFor(ctx, sessionTask),
      endpointsFor(ctx, mcpServers, agent),
    ]);
    // One verification of the project at a time, also across runs (the API ensures agents
    // concurrently; `qms verify` may run beside it): see verifyAll on why they must not overlap.
    return ctx.state.withLock('verify', () => runVerification({ root: ctx.root, project: ctx.config.name, agent, roster: ctx.config.agents, containerId: container.id, freshContainer: container.fresh, session, endpoints, qmsServer, ...(qmsRoundTrip ? { qmsRoundTrip } : {}), gitServer, limits, claudeMcpList, env: ctx.env, log: ctx.log, signal: ctx.signal }), { timeoutMs: 10 * 60_000 });
  };

  /**
   * Every agent in turn, each writing its own evidence; a failure (or several) fails the whole,
   * after all ran. One at a time: each agent's QMS check proves the QMS tree unchanged around
   * its own scratch round trip, which another agent's running at once would disturb.
   */
  const verifyAll = async (ctx: PluginContext | TaskContext, agents: readonly string[]): Promise<VerifyResult> => {
    const settled: PromiseSettledResult<Awaited<ReturnType<typeof verifyIn>>>[] = [];
    for (const agent of agents) {
      if (ctx.signal.aborted) break;
      settled.push(await verifyIn(ctx, agent).then((value) => ({ status: 'fulfilled' as const, value }), (reason: unknown) => ({ status: 'rejected' as const, reason })));
    }
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as Error);
    if (failed.length === 1) throw failed[0];
    if (failed.length > 1) {
      const { QmsError } = await import('../../tasks/errors.js');
      throw new QmsError(failed.map((e) => e.message).join('; '), failed.map((e) => (e as { hint?: string }).hint).filter(Boolean).join(' '));
    }
    const done = settled.map((s, i) => ({ agent: agents[i]!, outcome: (s as PromiseFulfilledResult<Awaited<ReturnType<typeof verifyIn>>>).value }));
    return {
      result: 'pass',
      report: done[0]?.outcome.markdown ?? '',
      checks: done.reduce((n, d) => n + d.outcome.report.checks.length, 0),
      agents: done.map((d) => ({ agent: d.agent, markdown: d.outcome.markdown, json: d.outcome.json, checks: d.outcome.report.checks.length })),
    };
  };

  const task: TaskDef<VerifyResult> = {
    name: 'verify',
    description: 'Verify each agent\'s container from inside (MCP and identity, access table, QMS, git, limits) and write one record per agent',
    dependsOn,
    // verify never calls console: its lines go through ctx.log
    awaitedConsole: true,
    run: (ctx) => verifyAll(ctx, ctx.options.agents),
  };
  const command: PluginCommand = {
    description: 'Re-verify running agents from inside their containers (all that are up, or those named); evidence goes into the current session folder',
    usage: '[agents...]',
    async run(ctx, args) {
      const { rosterAgent } = await import('../container/roster.js');
      const { runningAgents } = await import('./resolve-input.js');
      const agents = args.length > 0 ? args.map((a) => rosterAgent(ctx, a)) : await runningAgents(ctx);
      await verifyAll(ctx, agents);
      return 0;
    },
  };
  return { name: 'verify', tasks: [task as TaskDef], commands: { verify: command } };
}

/**
 * Starts, reuses, inspects and stops one supervised server process — an MCP server, or another
 * long-lived service such as the project API (a ServiceKind says which) — the small state machine
 * starting → ready → stopping → stopped. The process is detached (it outlives `qms up`) and
 * recorded in `.qms/mcp/<name>.{pid,log,token}` and the state entry `mcp:<name>` (for an MCP
 * server; the kind names them); a record is trusted only when the pid still has the recorded
 * identity, and only then is it signalled.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { closeSync, openSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { relative } from 'node:path';
import { QmsError } from '../../tasks/errors.js';
import type { PluginContext, StateEntry, StatusRow, TaskContext } from '../../tasks/types.js';
import type { McpEndpoint } from './endpoint.js';
import { DEFAULT_AGENTS, logTail, readToken } from './files.js';
import { resolveLaunch, taskNameOf, type Launch, type McpServerOptions } from './launch.js';
import { findPortHolder, portInUseError } from './port-holder.js';
import { isSameProcess, readProcess, type ProcessIdentity, type ProcessInfo } from './process-identity.js';
import { ServerExited, waitReady } from './readiness.js';
import { MCP_KIND, type ServiceKind } from './service-kind.js';

/** `data` of the state entry `mcp:<name>` (kind `mcp-server`; another kind's own); never holds the token. */
export interface ServerRecord {
  name: string;
  /** The start task's name, so other processes map a task to its server (absent in older records). */
  taskName?: string;
  pid: number;
  port: number;
  hostUrl: string;
  containerUrl: string;
  command: string;
  args: string[];
  hosts: string[];
  startedAt: string;
  readyAt?: string;
  identity: ProcessIdentity;
  configHash: string;
  /** The agents it serves, each with its token file; the first is the default (absent in older records: `claude`). */
  agents?: string[];
}

const GRACE_MS = 5000;

async function removeTokenFiles(root: string, name: string, kind: ServiceKind): Promise<void> {
  for (const file of await kind.tokenFiles(root, name)) await rm(file, { force: true });
}

async function cleanFiles(ctx: PluginContext, name: string, kind: ServiceKind): Promise<void> {
  await rm(kind.pidFile(ctx.root, name), { force: true });
  await removeTokenFiles(ctx.root, name, kind);
  await ctx.state.remove(kind.stateId(name));
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // the whole group we started (detached = own process group)
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

async function waitGone(pid: number, identity: ProcessIdentity, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if ((await isSameProcess(pid, identity)) !== 'same') return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Stops a recorded server: SIGTERM to its process group, a grace period, SIGKILL; only when
 * the pid still has the recorded identity. Always cleans the pid/token files and the entry.
 */
async function stopRecorded(ctx: PluginContext, record: ServerRecord, kind: ServiceKind, graceMs = GRACE_MS): Promise<'stopped' | 'stale'> {
  const verdict = await isSameProcess(record.pid, record.identity);
  let outcome: 'stopped' | 'stale' = 'stale';
  if (verdict === 'same') {
    signalGroup(record.pid, 'SIGTERM');
    if (!(await waitGone(record.pid, record.identity, graceMs))) {
      ctx.log.warn(`${kind.noun} ${record.name} (pid ${record.pid}) did not stop within ${graceMs} ms; killing it`);
      signalGroup(record.pid, 'SIGKILL');
      await waitGone(record.pid, record.identity, 2000);
    }
    outcome = 'stopped';
  } else if (verdict === 'other') {
    const info = await readProcess(record.pid);
    ctx.log.warn(`pid ${record.pid} recorded for ${kind.noun} ${record.name} now belongs to another program (${info?.command ?? '?'}); not signalled, record cleaned`);
  }
  await cleanFiles(ctx, record.name, kind);
  return outcome;
}

/**
 * No record, yet our built-in server for this project may still run (its `.qms/` files were
 * moved or deleted): found by its command line, stopped like a recorded one.
 */
async function stopUnrecorded(ctx: PluginContext, name: string, kind: ServiceKind, graceMs = GRACE_MS): Promise<'stopped' | 'not-running'> {
  const { findUnrecordedServers } = await import('./unrecorded-servers.js');
  const found = await findUnrecordedServers(ctx.root, kind.builtinKind(name));
  for (const info of found) {
    ctx.log.warn(`${kind.noun} ${name} has no record (was .qms/ moved or deleted?); found pid ${info.pid} by its command line, stopping it`);
    signalGroup(info.pid, 'SIGTERM');
    if (!(await waitGone(info.pid, info, graceMs))) {
      signalGroup(info.pid, 'SIGKILL');
      await waitGone(info.pid, info, 2000);
    }
  }
  return found.length > 0 ? 'stopped' : 'not-running';
}

/** Stop the server `name` (the `mcp:<name>:stop` task and `qms down`); idempotent. */
export async function stopServer(ctx: PluginContext, name: string, options: { graceMs?: number; kind?: ServiceKind } = {}): Promise<'stopped' | 'stale' | 'not-running'> {
  const kind = options.kind ?? MCP_KIND;
  return ctx.state.withLock(kind.lockName(name), async () => {
    const entry = await ctx.state.get(kind.stateId(name));
    if (!entry) {
      await rm(kind.pidFile(ctx.root, name), { force: true });
      await removeTokenFiles(ctx.root, name, kind);
      return stopUnrecorded(ctx, name, kind, options.graceMs);
    }
    return stopRecorded(ctx, entry.data as unknown as ServerRecord, kind, options.graceMs);
  });
}

/** Fails with the port and, when it can be known, the process holding it. */
async function ensurePortFree(port: number, hosts: readonly string[]): Promise<void> {
  const holder = await findPortHolder(port);
  if (holder) throw portInUseError(port, holder);
  for (const host of hosts) {
    await new Promise<void>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') reject(portInUseError(port, undefined, host));
        else resolve(); // e.g. EADDRNOTAVAIL: the server itself will report it
      });
      probe.listen(port, host, () => probe.close(() => resolve()));
    });
  }
}

function endpointOf(record: ServerRecord, token: string): McpEndpoint {
  return { name: record.name, port: record.port, hostUrl: record.hostUrl, containerUrl: record.containerUrl, token };
}

/**
 * The live process a pid file names, if it runs exactly the command line this server would be
 * launched with (same program, project root and port): then it is ours. Anything else is not.
 */
async function orphanOf(pidText: string, launch: Launch): Promise<ProcessInfo | undefined> {
  const pid = Number(pidText.trim());
  const info = await readProcess(pid);
  if (!info || info.state === 'Z') return undefined;
  const expected = createHash('sha256').update(`${[launch.command, ...launch.args].join('\0')}\0`).digest('hex');
  return info.cmdlineHash === expected ? info : undefined;
}

/** What the state store records of a server process started from `launch`. */
function serverRecord(pid: number, identity: ServerRecord['identity'], options: McpServerOptions, launch: Launch): ServerRecord {
  return {
    name: options.name,
    taskName: taskNameOf(options),
    pid,
    port: options.port,
    hostUrl: launch.hostUrl,
    containerUrl: launch.containerUrl,
    command: launch.command,
    args: launch.args,
    hosts: launch.hosts,
    startedAt: new Date().toISOString(),
    identity,
    configHash: launch.configHash,
    agents: launch.agents,
  };
}

function orphanRecord(info: ProcessInfo, options: McpServerOptions, launch: Launch): ServerRecord {
  return serverRecord(info.pid, { startTime: info.startTime, cmdlineHash: info.cmdlineHash }, options, launch);
}

/** Reuse or clean what is recorded; returns the endpoint of a healthy server to reuse. */
async function checkExisting(ctx: TaskContext, options: McpServerOptions, launch: Launch, kind: ServiceKind): Promise<{ endpoint: McpEndpoint; pid: number } | undefined> {
  const { name } = options;
  const { configHash } = launch;
  const entry = await ctx.state.get(kind.stateId(name));
  if (!entry) {
    const stalePid = await readFile(kind.pidFile(ctx.root, name), 'utf8').catch(() => undefined);
    if (stalePid !== undefined) {
      const orphan = await orphanOf(stalePid, launch);
      if (orphan) {
        // Our own server whose record was lost (e.g. a corrupt state.json): it holds the port,
        // so restart it rather than fail on "port in use".
        ctx.log.warn(`${kind.noun} ${name} (pid ${orphan.pid}) is running without a state record (was .qms/state.json lost?); restarting it`);
        await stopRecorded(ctx, orphanRecord(orphan, options, launch), kind);
        return undefined;
      }
      ctx.log.warn(`stale pid file for ${kind.noun} ${name} (pid ${stalePid.trim()}) without a state record; removed it, nothing signalled`);
      await cleanFiles(ctx, name, kind);
    }
    return undefined;
  }
  const record = entry.data as unknown as ServerRecord;
  const verdict = await isSameProcess(record.pid, record.identity);
  if (verdict !== 'same') {
    if (verdict === 'gone') ctx.log.warn(`${kind.noun} ${name} recorded as pid ${record.pid} is no longer running; cleaned its stale record`);
    await stopRecorded(ctx, record, kind); // warns and never signals for another program's pid
    return undefined;
  }
  const tokenOf = (agent: string) => readToken(ctx.root, name, kind.tokenFile(ctx.root, name, launch.agents, agent));
  const agentTokens = await Promise.all(launch.agents.map(tokenOf));
  const token = agentTokens[0];
  if (ctx.options.force) ctx.log.info(`--force: restarting ${kind.noun} ${name} (pid ${record.pid})`);
  else if (record.configHash !== configHash) ctx.log.info(`${kind.noun} ${name} (pid ${record.pid}) runs with a different configuration; restarting it`);
  else if (!token || agentTokens.some((t) => !t)) ctx.log.warn(`${kind.noun} ${name} (pid ${record.pid}) is missing a token file; restarting it`);
  else {
    try {
      await (kind.answers ?? kind.probe)(record.hostUrl, token, 3000);
      ctx.addSecret(token);
      // The task name is no part of the launch (no restart for it), but others look servers up by it.
      if (record.taskName !== taskNameOf(options)) await ctx.state.put({ ...entry, data: { ...entry.data, taskName: taskNameOf(options) } });
      return { endpoint: endpointOf(record, token), pid: record.pid };
    } catch (err) {
      ctx.log.warn(`${kind.noun} ${name} (pid ${record.pid}) is running but does not answer ${kind.protocol} (${(err as Error).message}); restarting it`);
    }
  }
  await stopRecorded(ctx, record, kind);
  return undefined;
}

/**
 * The `mcp:<name>` task: reuse a healthy server (skipped) or start one and wait until it answers
 * MCP. Another kind of service passes its kind and its own launch (default: an MCP server's).
 */
export async function startServer(
  ctx: TaskContext,
  options: McpServerOptions,
  kind: ServiceKind = MCP_KIND,
  launch: Launch = resolveLaunch(ctx.root, options, ctx.config.agents),
): Promise<McpEndpoint> {
  const { name } = options;
  // One lock for check-and-start: two `qms up` at once cannot both start the same server.
  const outcome = await ctx.state.withLock(kind.lockName(name), async (): Promise<{ reused?: { endpoint: McpEndpoint; pid: number }; started?: McpEndpoint }> => {
    const existing = await checkExisting(ctx, options, launch, kind);
    if (existing) return { reused: existing };
    await ensurePortFree(options.port, launch.hosts);
    return { started: await spawnAndWait(ctx, options, launch, kind) };
  });
  if (outcome.reused) ctx.skip(`${kind.noun} ${name} already running (pid ${outcome.reused.pid})`, outcome.reused.endpoint);
  return outcome.started!;
}

async function spawnAndWait(ctx: TaskContext, options: McpServerOptions, launch: Launch, kind: ServiceKind): Promise<McpEndpoint> {
  const { name } = options;
  await mkdir(kind.dir(ctx.root), { recursive: true, mode: 0o700 });
  // One token per agent, each naming that agent (the server's identity for its sessions).
  await removeTokenFiles(ctx.root, name, kind);
  const byAgent: Record<string, string> = {};
  for (const agent of launch.agents) {
    const t = randomBytes(32).toString('hex');
    ctx.addSecret(t);
    const path = kind.tokenFile(ctx.root, name, launch.agents, agent);
    await writeFile(path, `${t}\n`, { mode: 0o600 });
    await chmod(path, 0o600);
    byAgent[agent] = t;
  }
  const token = byAgent[launch.agents[0]!]!;

  const log = kind.logFile(ctx.root, name);
  const logFd = openSync(log, 'a', 0o600);
  writeSync(logFd, `\n--- ${new Date().toISOString()} qms: starting ${name}: ${launch.command} ${launch.args.join(' ')}\n`);
  let exited: string | undefined;
  const child = spawn(launch.command, launch.args, {
    cwd: launch.cwd,
    env: { ...ctx.env, ...launch.env, ...kind.tokenEnv(byAgent, token) },
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  child.on('exit', (code, signal) => {
    exited = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } catch (err) {
    await cleanFiles(ctx, name, kind);
    const code = (err as NodeJS.ErrnoException).code;
    throw new QmsError(
      `cannot start ${kind.noun} ${name}: ${code === 'ENOENT' ? `command not found: ${launch.command}` : (err as Error).message}`,
      `Check the \`command\` of the ${name} MCP server in qms.config.ts (it must be an executable on PATH or an absolute path).`,
    );
  }
  child.unref();
  const pid = child.pid!;
  const info = await readProcess(pid);
  const record = serverRecord(pid, { startTime: info?.startTime ?? 'unknown' }, options, launch);
  const put = (r: ServerRecord) => {
    const entry: StateEntry = { id: kind.stateId(name), kind: kind.stateKind, plugin: kind.statePlugin(name), createdAt: r.startedAt, data: { ...r } };
    return ctx.state.put(entry);
  };
  await writeFile(kind.pidFile(ctx.root, name), `${pid}\n`, { mode: 0o600 });
  await put(record);
  ctx.onTeardown(`stop ${kind.noun} ${name}`, async () => {
    await stopServer(ctx, name, { kind });
  });

  try {
    const ready = await waitReady({ url: launch.hostUrl, token, timeoutMs: options.readyTimeoutMs ?? 15_000, exited: () => exited, signal: ctx.signal, probe: kind.probe, what: kind.protocol, hint: kind.readyHint });
    // Now the child has exec'd its program: its command line completes the identity.
    const after = await readProcess(pid);
    if (after) record.identity = { startTime: after.startTime, cmdlineHash: after.cmdlineHash };
    record.readyAt = new Date().toISOString();
    await put(record);
    ctx.log.info(`${kind.noun} ${name} ready (pid ${pid}) at ${launch.hostUrl}${ready.summary ? `; ${ready.summary}` : ''}`);
    return endpointOf(record, token);
  } catch (err) {
    if (!exited) await stopRecorded(ctx, record, kind, 2000);
    else await cleanFiles(ctx, name, kind);
    const tail = await logTail(log, 20);
    const where = relative(ctx.root, log);
    if (err instanceof ServerExited) {
      throw new QmsError(
        `${kind.noun} ${name} ${err.message} during start; last lines of ${where}:\n${tail}`,
        `Fix the problem shown above (command: ${launch.command} ${launch.args.join(' ')}), then run again.`,
      );
    }
    if (err instanceof QmsError) throw new QmsError(`${err.message}; last lines of ${where}:\n${tail}`, err.hint);
    throw err;
  }
}

/** Live check for `qms status`: identity, readiness, port, uptime; a stale record is cleaned. */
export async function inspectServer(ctx: PluginContext, name: string, plugin: string, kind: ServiceKind = MCP_KIND): Promise<StatusRow[]> {
  const entry = await ctx.state.get(kind.stateId(name));
  if (!entry) return [];
  const record = entry.data as unknown as ServerRecord;
  const base = { plugin, id: entry.id, kind: kind.stateKind };
  const verdict = await isSameProcess(record.pid, record.identity);
  if (verdict !== 'same') {
    await ctx.state.withLock(kind.lockName(name), async () => {
      // Read outside the lock: an `up` may have replaced the server since. Clean only the record
      // judged stale, never its successor's files and entry.
      const now = (await ctx.state.get(kind.stateId(name)))?.data as unknown as ServerRecord | undefined;
      if (now && now.pid === record.pid && now.startedAt === record.startedAt) await stopRecorded(ctx, now, kind);
    });
    return [{ ...base, state: 'stale', healthy: false, details: { pid: record.pid, port: record.port, reason: verdict === 'gone' ? 'process gone' : 'pid reused by another program' } }];
  }
  const agents = record.agents ?? DEFAULT_AGENTS; // older records: the default agent only
  const token = await readToken(ctx.root, name, kind.tokenFile(ctx.root, name, agents, agents[0]!));
  let ready = false;
  let found: Record<string, number | string> = {};
  let problem: string | null = null;
  if (token) {
    try {
      found = (await kind.probe(record.hostUrl, token, 3000)).details;
      ready = true;
    } catch (err) {
      problem = (err as Error).message;
    }
  } else problem = 'token file missing';
  const uptimeS = Math.round((Date.now() - Date.parse(record.startedAt)) / 1000);
  return [{
    ...base,
    state: ready ? 'running' : 'unresponsive',
    healthy: ready,
    details: { pid: record.pid, port: record.port, url: record.hostUrl, ...(record.containerUrl ? { containerUrl: record.containerUrl } : {}), uptimeS, ...found, ...(problem ? { problem } : {}) },
  }];
}

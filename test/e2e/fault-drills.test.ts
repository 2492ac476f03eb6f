/**
 * Fault drills for `qms up` on a temporary QMS repository (real binary, engine, Dockerfile):
 * an unreachable engine, a taken port, Ctrl-C mid-run (cold, and with servers already up), a
 * killed MCP server, stale pid records, a corrupt state file, two `up`s at once. The tests run
 * in order and share one environment, so the expensive `up` happens as few times as possible.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentContainers,
  cleanupRepo,
  currentVerification,
  ensureBuilt,
  isAlive,
  makeE2eRepo,
  projectContainers,
  projectNetworks,
  qms,
  readState,
  recordedPids,
  serverProcesses,
  transcript,
  type E2eRepo,
  type QmsRun,
} from './harness.js';

let repo: E2eRepo | undefined;
const r = (): E2eRepo => repo!;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ensureBuilt();
  repo = await makeE2eRepo(`e2e-drills-${process.pid}`);
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await cleanupRepo(repo);
}, 120_000);

function expectPassingReport(): void {
  const { report } = currentVerification(r());
  expect(report.result, JSON.stringify(report.checks.filter((c) => c.result !== 'pass'), null, 1)).toBe('pass');
}

async function up(env?: Record<string, string>): Promise<QmsRun> {
  const run = await qms(r(), ['up', '--no-attach', '--json'], { env });
  recordedPids(r());
  return run;
}

/** Nothing of this project runs: no container, no server process, no state entry. */
function expectNothingRunning(): void {
  expect(projectContainers(r())).toEqual([]);
  expect(projectNetworks(r())).toEqual([]);
  expect(serverProcesses(r())).toEqual([]);
  expect(readState(r()).entries).toEqual({});
}

/** One server process per port, one agent container, one egress proxy: what two `up`s must never double. */
function expectOneOfEach(): void {
  const ports = serverProcesses(r()).map((p) => p.port).sort();
  expect(ports).toEqual([r().qmsPort, r().gitPort].sort());
  expect(agentContainers(r())).toHaveLength(1);
  expect(projectContainers(r())).toHaveLength(2);
  expect(projectNetworks(r())).toHaveLength(2);
}

/**
 * `up --json`, interrupted with SIGINT as soon as the `container` task starts — or, with
 * `whenCreated`, once the engine lists the container that task created.
 */
async function upInterruptedAtContainer(whenCreated = false): Promise<{ run: QmsRun; pidsAtSignal: Record<string, number>; containersAtSignal: string[] }> {
  let pidsAtSignal: Record<string, number> = {};
  let containersAtSignal: string[] = [];
  let poll: NodeJS.Timeout | undefined;
  const interrupt = (child: ChildProcess) => {
    pidsAtSignal = recordedPids(r());
    child.kill('SIGINT');
  };
  const run = await qms(r(), ['up', '--no-attach', '--json'], {
    onEvent: (e, child) => {
      if (e.type !== 'task:start' || e.task !== 'container') return;
      if (!whenCreated) return interrupt(child);
      poll = setInterval(() => {
        containersAtSignal = projectContainers(r());
        if (containersAtSignal.length === 0 || child.exitCode !== null) return;
        clearInterval(poll);
        interrupt(child);
      }, 20);
    },
  });
  clearInterval(poll);
  return { run, pidsAtSignal, containersAtSignal };
}

describe('qms up fault drills', () => {
  it('engine unreachable: a clear error naming the engine and how to start one, exit 1, nothing left running', async () => {
    const run = await qms(r(), ['up', '--no-attach'], { env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });
    expect(run.code, transcript(run)).toBe(1);
    expect(run.stderr).toContain('/nonexistent.sock');
    expect(run.stderr).toMatch(/does not answer/);
    expect(run.stderr).toMatch(/hint: .*(docker:engine|systemctl start docker)/);
    expectNothingRunning();
  });

  it('MCP port held by another process: an error naming the port, exit 1, nothing half-started', async () => {
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(r().qmsPort, '127.0.0.1', resolve));
    try {
      const run = await qms(r(), ['up', '--no-attach']);
      expect(run.code, transcript(run)).toBe(1);
      expect(run.stderr).toContain(`port ${r().qmsPort}`);
      expect(run.stderr).toContain('hint:');
      expectNothingRunning();
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  }, 120_000);

  it('SIGINT while the container starts (cold): exit 130, the servers it started are stopped, no container is left', async () => {
    const { run, pidsAtSignal } = await upInterruptedAtContainer();
    expect(run.code, transcript(run)).toBe(130);
    expect(Object.keys(pidsAtSignal).sort()).toEqual(['git', 'qms']);
    for (const pid of Object.values(pidsAtSignal)) expect(isAlive(pid), `server pid ${pid}`).toBe(false);
    expect(run.events.at(-1)).toMatchObject({ type: 'run:end', interrupted: true });
    expectNothingRunning();
  }, 300_000);

  it('cold up after the drills above: exit 0, verified', async () => {
    const run = await up();
    expect(run.code, transcript(run)).toBe(0);
    expectPassingReport();
    expectOneOfEach();
  }, 600_000);

  it('an MCP server killed (SIGKILL) while up: the next up restarts it and verification passes', async () => {
    const before = recordedPids(r());
    process.kill(before.qms!, 'SIGKILL');
    const run = await up();
    expect(run.code, transcript(run)).toBe(0);
    const after = recordedPids(r());
    expect(after.qms).not.toBe(before.qms);
    expect(isAlive(after.qms!)).toBe(true);
    expect(after.git).toBe(before.git);
    expectPassingReport();
    expectOneOfEach();
  }, 300_000);

  it('SIGINT during a later up, once its container exists: what ran before stays running, the container this run created is removed', async () => {
    const before = recordedPids(r());
    const removed = await qms(r(), ['task', 'container:down']);
    expect(removed.code, transcript(removed)).toBe(0);
    expect(projectContainers(r())).toEqual([]);
    const { run, containersAtSignal } = await upInterruptedAtContainer(true);
    // The egress proxy and the agent's container start side by side: one or both exist by then.
    expect(containersAtSignal.length, 'the run had created its containers when interrupted').toBeGreaterThan(0);
    expect(run.code, transcript(run)).toBe(130);
    expect(projectContainers(r())).toEqual([]);
    expect(recordedPids(r())).toEqual(before);
    for (const pid of Object.values(before)) expect(isAlive(pid), `server pid ${pid}`).toBe(true);
    const status = JSON.parse((await qms(r(), ['status', '--json'])).stdout) as { rows: Array<{ kind: string; healthy: boolean }> };
    expect(status.rows.filter((row) => row.kind === 'mcp-server').map((row) => row.healthy)).toEqual([true, true]);
  }, 300_000);

  it('stale pid records (a live unrelated `sleep`): up works and the sleep is never signalled', async () => {
    const sleep = spawn('sleep', ['600'], { stdio: 'ignore' });
    children.push(sleep);
    const pid = sleep.pid!;
    const recorded = readState(r()).entries['mcp:qms']!;
    // qms: its state record and pid file now name the sleep; git: a pid file without a record.
    expect((await qms(r(), ['task', 'mcp:qms:stop', 'mcp:git:stop'])).code).toBe(0);
    const state = readState(r());
    state.entries['mcp:qms'] = { ...recorded, data: { ...recorded.data, pid } };
    writeFileSync(join(r().root, '.qms', 'state.json'), JSON.stringify(state, null, 2), { mode: 0o600 });
    writeFileSync(join(r().root, '.qms', 'mcp', 'qms.pid'), `${pid}\n`, { mode: 0o600 });
    writeFileSync(join(r().root, '.qms', 'mcp', 'git.pid'), `${pid}\n`, { mode: 0o600 });

    const run = await up();
    expect(run.code, transcript(run)).toBe(0);
    expect(isAlive(pid)).toBe(true);
    expect(sleep.exitCode).toBeNull();
    const pids = recordedPids(r());
    expect(Object.values(pids)).not.toContain(pid);
    expect(readFileSync(join(r().root, '.qms', 'mcp', 'qms.pid'), 'utf8').trim()).toBe(String(pids.qms));
    expectPassingReport();
    expectOneOfEach();
    sleep.kill('SIGKILL');
  }, 300_000);

  it('a corrupt .qms/state.json while everything runs: up recovers with a warning, exit 0', async () => {
    const before = recordedPids(r());
    writeFileSync(join(r().root, '.qms', 'state.json'), '{"version":1,"entries":{"mcp:q', { mode: 0o600 });
    const run = await up();
    expect(run.code, transcript(run)).toBe(0);
    expect(run.stdout + run.stderr).toMatch(/state\.json was unreadable/);
    expectPassingReport();
    expectOneOfEach();
    // The servers the lost state had recorded are not left running beside the new ones.
    const live = serverProcesses(r()).map((p) => p.pid);
    for (const pid of Object.values(before)) if (!live.includes(pid)) expect(isAlive(pid)).toBe(false);
  }, 300_000);

  it('two concurrent up (from a stopped environment): one waits for the other and reuses it all; one container, one server per port', async () => {
    expect((await qms(r(), ['down'])).code).toBe(0);
    const runs = await Promise.all([up(), up()]);
    for (const run of runs) expect(run.code, transcript(run)).toBe(0);
    // tasks/cli/run-lock.ts: the later run says it waits, then finds everything running.
    const waited = runs.filter((run) => run.stderr.includes('another qms run of this project is in progress; waiting'));
    expect(waited, runs.map(transcript).join('\n')).toHaveLength(1);
    const skipped = waited[0]!.events.filter((e) => e.type === 'task:skip').map((e) => e.task).sort();
    expect(skipped).toEqual(['build', 'container', 'mcp:git', 'mcp:qms']);
    expectOneOfEach();
    expect(Object.keys(recordedPids(r())).sort()).toEqual(['git', 'qms']);
    expectPassingReport();
  }, 600_000);
});

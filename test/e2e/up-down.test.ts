/**
 * `qms up` → verified from inside the container → `qms status` → a second `up` reuses it all →
 * attach through a pseudo-terminal → `qms down` (twice) → `down --volumes`: the real binary on
 * a temporary QMS repository, the real engine and the real Dockerfile.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qmsBin } from '../cli/built.js';
import {
  BASE_ENV,
  agentContainers,
  cleanupRepo,
  currentVerification,
  ensureBuilt,
  isAlive,
  makeE2eRepo,
  projectContainers,
  qms,
  readState,
  recordedPids,
  serverProcesses,
  transcript,
  volumeExists,
  type E2eRepo,
} from './harness.js';

let repo: E2eRepo | undefined;
const r = (): E2eRepo => repo!;

beforeAll(async () => {
  ensureBuilt();
  repo = await makeE2eRepo(`e2e-updown-${process.pid}`);
});
afterAll(() => cleanupRepo(repo), 120_000);

/** Every check passed, or was skipped with a stated reason. */
function expectVerified(): string {
  const { session, report } = currentVerification(r());
  expect(report.result, JSON.stringify(report.checks.filter((c) => c.result !== 'pass'), null, 1)).toBe('pass');
  for (const c of report.checks) {
    expect(['pass', 'skip'], `${c.id}: ${c.actual}`).toContain(c.result);
    if (c.result === 'skip') expect(c.actual, c.id).toMatch(/\w{3}/);
  }
  const ids = report.checks.map((c) => c.id);
  for (const id of ['mcp:qms', 'mcp:git', 'host-boundary:git', 'mcp:claude-mcp-list', 'qms-round-trip', 'git-clone:/projects', 'ro:/pipe-dream/', 'rw:/projects/', 'config:cap-drop']) {
    expect(ids).toContain(id);
    expect(report.checks.find((c) => c.id === id)!.result, id).toBe('pass');
  }
  expect(existsSync(join(r().root, '.claude', 'sessions', session, 'verification.md'))).toBe(true);
  return session;
}

function pty(command: string): { code: number; out: string } {
  try {
    const out = execFileSync('script', ['-qec', command, '/dev/null'], { cwd: r().root, env: { ...process.env, ...BASE_ENV }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, out };
  } catch (err) {
    const e = err as { status: number | null; stdout: string };
    return { code: e.status ?? -1, out: e.stdout };
  }
}

describe('qms up / status / down on a temporary QMS repository', () => {
  let pidsBefore: Record<string, number> = {};
  let firstSession = '';

  it('up --no-attach: exit 0 and a passing verification report in the new session folder', async () => {
    const run = await qms(r(), ['up', '--no-attach', '--json']);
    expect(run.code, transcript(run)).toBe(0);
    firstSession = expectVerified();
    const end = run.events.at(-1)!;
    expect(end).toMatchObject({ type: 'run:end', ok: true, interrupted: false });
    pidsBefore = recordedPids(r());
    expect(Object.keys(pidsBefore).sort()).toEqual(['git', 'qms']);
    expect(agentContainers(r())).toHaveLength(1);
  }, 600_000);

  it('status --json: the container runs and both servers are running and healthy', async () => {
    const run = await qms(r(), ['status', '--json']);
    expect(run.code, transcript(run)).toBe(0);
    const { rows, problems } = JSON.parse(run.stdout) as { rows: Array<{ id: string; kind: string; state: string; healthy: boolean; details: Record<string, unknown> }>; problems: string[] };
    expect(problems).toEqual([]);
    const servers = rows.filter((row) => row.kind === 'mcp-server');
    expect(servers.map((s) => [s.id, s.state, s.healthy]).sort()).toEqual([
      ['mcp:git', 'running', true],
      ['mcp:qms', 'running', true],
    ]);
    expect(servers.map((s) => s.details.port).sort()).toEqual([r().qmsPort, r().gitPort].sort());
    const containers = rows.filter((row) => row.kind === 'container');
    expect(containers).toHaveLength(1);
    expect(containers[0]).toMatchObject({ id: `qms-${r().name}-claude`, state: 'running' });
  });

  it('a second up reuses the image, both servers and the container, and only re-verifies', async () => {
    const run = await qms(r(), ['up', '--no-attach', '--json']);
    expect(run.code, transcript(run)).toBe(0);
    const skipped = run.events.filter((e) => e.type === 'task:skip').map((e) => e.task).sort();
    expect(skipped).toEqual(['build', 'container', 'mcp:git', 'mcp:qms']);
    expect(run.events.filter((e) => e.type === 'task:success').map((e) => e.task)).toContain('verify');
    expect(recordedPids(r())).toEqual(pidsBefore);
    const session = expectVerified();
    expect(session).not.toBe(firstSession);
    expect(agentContainers(r())).toHaveLength(1);
  }, 300_000);

  it('attach through a pseudo-terminal: the command sees a TTY and its exit code comes back', () => {
    const seen = pty(`node ${qmsBin} attach claude -- sh -c 'test -t 0 && test -t 1 && exit 7'`);
    expect(seen.code, seen.out).toBe(7);
    const tty = pty(`node ${qmsBin} attach claude -- tty`);
    expect(tty.code, tty.out).toBe(0);
    expect(tty.out).toMatch(/\/dev\/pts\/\d+/);
  }, 120_000);

  it('down: exit 0, no container, no server process, empty state; safe to run twice; the auth volume stays', async () => {
    expect(Object.values(pidsBefore).every(isAlive)).toBe(true);
    const down = await qms(r(), ['down']);
    expect(down.code, transcript(down)).toBe(0);
    expect(projectContainers(r())).toEqual([]);
    for (const pid of Object.values(pidsBefore)) expect(isAlive(pid), `server pid ${pid}`).toBe(false);
    expect(serverProcesses(r())).toEqual([]);
    expect(readState(r()).entries).toEqual({});
    expect(readdirSync(join(r().root, '.qms', 'mcp')).filter((f) => /\.(pid|token)$/.test(f))).toEqual([]);
    expect(volumeExists(r())).toBe(true);

    const again = await qms(r(), ['down']);
    expect(again.code, transcript(again)).toBe(0);
    expect(volumeExists(r())).toBe(true);
  }, 120_000);

  it('down --volumes removes the auth volume', async () => {
    const run = await qms(r(), ['down', '--volumes']);
    expect(run.code, transcript(run)).toBe(0);
    expect(volumeExists(r())).toBe(false);
    expect(projectContainers(r())).toEqual([]);
  }, 120_000);
});

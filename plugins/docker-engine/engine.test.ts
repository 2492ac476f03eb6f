/**
 * The engine plugin's consent rules and records, with no engine started: a socket nothing
 * listens on stands for "no engine", so nothing here touches the running engine. The real
 * `qms up` path (preflight before any task, exit 1, the hint) runs the built CLI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryState, Skipped, testContext } from '../../test/plugin-test-context.js';
import { ensureBuilt, qmsBin } from '../../test/cli/built.js';
import { ensureEngine } from './ensure-engine.js';
import { dockerEngine } from './index.js';
import { ENGINE_ENTRY } from './engine-record.js';
import { DEFAULT_SOCKET, engineStartability } from './start-engine.js';

const dir = mkdtempSync(join(tmpdir(), 'qms-engine-test-'));
const silent = join(dir, 'no-engine.sock');
const env = { DOCKER_HOST: `unix://${silent}` };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ensureEngine', () => {
  const canStart = engineStartability(env, silent).can;

  it('does nothing when the engine answers', async () => {
    const lines: string[] = [];
    expect(await ensureEngine({}, 'no', { info: (l) => lines.push(l) })).toBeUndefined();
    expect(lines).toEqual([]);
  });

  it('without consent (CI, no terminal) fails with the hint naming --start-engine, asking nothing', async () => {
    let asked = false;
    const err = await ensureEngine(env, 'no', { info: () => undefined, ask: async () => (asked = true), defaultSocket: silent }).catch((e: Error & { hint?: string }) => e);
    expect(err).toBeInstanceOf(Error);
    expect(asked).toBe(false);
    if (canStart) {
      expect((err as Error).message).toContain(`The Docker engine at unix://${silent} does not answer.`);
      expect((err as { hint?: string }).hint).toContain('npx qms up --start-engine');
      expect((err as { hint?: string }).hint).toContain('dockerd --iptables=false --ip-forward=false');
    } else {
      expect((err as Error).message).toContain("qms can't start one");
    }
  });

  it('on a terminal asks, naming what it would run; "no" starts nothing and says so', async () => {
    if (!canStart) return;
    const questions: string[] = [];
    const info: string[] = [];
    const err = await ensureEngine(env, 'ask', { info: (l) => info.push(l), ask: async (q) => (questions.push(q), false), defaultSocket: silent }).catch((e: Error) => e);
    expect(questions).toHaveLength(1);
    expect(questions[0]).toMatch(/^No Docker engine answers at unix:\/\/.*no-engine\.sock\. Start (sudo )?dockerd --iptables=false --ip-forward=false in the background \(log .+\)\?$/);
    expect((err as Error).message).toContain('not started: you said no');
    expect(info).toEqual([]);
  });

  it("an engine elsewhere (DOCKER_HOST) is never started: the reason and the fix", async () => {
    const err = await ensureEngine(env, 'yes', { info: () => undefined }).catch((e: Error & { hint?: string }) => e);
    expect((err as Error).message).toContain(`qms can't start one: DOCKER_HOST names unix://${silent}, not the local default socket.`);
    expect((err as { hint?: string }).hint).toContain('unset DOCKER_HOST');
  });
});

describe('engine records', () => {
  const plugin = dockerEngine();
  const task = (name: string) => plugin.tasks.find((t) => t.name === name)!;
  const record = (pid: number) => ({ id: ENGINE_ENTRY, kind: 'docker-engine', plugin: 'docker-engine', createdAt: '2026-01-02T03:04:05.000Z', data: { pid, log: '/var/log/qms-dockerd.log', command: 'dockerd', via: 'root' } });

  it('engine:down says it leaves a running engine qms started, with its pid and how to stop it', async () => {
    const state = memoryState();
    await state.put(record(process.pid));
    const ctx = testContext({ root: dir, state });
    await task('engine:down').run(ctx);
    expect(ctx.lines).toEqual([
      `info: leaves running: the Docker engine qms started 2026-01-02T03:04:05.000Z (dockerd pid ${process.pid}, log /var/log/qms-dockerd.log); other projects' containers may use it. Stop it with \`kill ${process.pid}\`.`,
    ]);
    expect(await state.get(ENGINE_ENTRY)).toBeDefined();
    const rows = await plugin.status!(ctx);
    expect(rows).toMatchObject([{ id: ENGINE_ENTRY, state: 'running', healthy: true, details: { pid: process.pid } }]);
  });

  it('a record whose dockerd is gone is removed; no record: nothing to say', async () => {
    const dead = spawnSync('true').pid!;
    const state = memoryState();
    await state.put(record(dead));
    const ctx = testContext({ root: dir, state });
    const skipped = await Promise.resolve(task('engine:down').run(ctx)).catch((e: unknown) => e);
    expect((skipped as Skipped).reason).toBe(`the Docker engine qms started (dockerd pid ${dead}) has stopped`);
    expect(await state.get(ENGINE_ENTRY)).toBeUndefined();
    const again = await Promise.resolve(task('engine:down').run(ctx)).catch((e: unknown) => e);
    expect((again as Skipped).reason).toBe('qms started no Docker engine here');
  });

  it('engine: skipped when the engine answers, naming the one qms started', async () => {
    const state = memoryState();
    await state.put(record(process.pid));
    const out = await Promise.resolve(task('engine').run(testContext({ root: dir, state }))).catch((e: unknown) => e);
    expect((out as Skipped).reason).toContain(`the Docker engine qms started answers (dockerd pid ${process.pid}`);
    expect((out as Skipped).result).toEqual({ startedPid: process.pid });
  });
});

/** A config whose `up` is the engine task, then one that marks the project (`ran`) if it ever runs. */
function writeEngineFirstConfig(root: string): void {
  writeFileSync(
    join(root, 'qms.config.ts'),
    `import { writeFileSync } from 'node:fs';
import { defineConfig, dockerEngine } from 'qms';
export default defineConfig({
  plugins: [dockerEngine()],
  tasks: [{ name: 'after', run: async (ctx) => writeFileSync(ctx.root + '/ran', '') }],
  chains: { up: ['engine', 'after'] },
});
`,
  );
}

describe('qms up without an engine, no terminal', () => {
  it('stops in the preflight, before any task starts: exit 1, the reason and the fix', async () => {
    ensureBuilt();
    const root = mkdtempSync(join(dir, 'project-'));
    writeEngineFirstConfig(root);
    // --start-engine is the consent, not a way around what can't be started (an engine elsewhere).
    for (const args of [['up', '--no-attach'], ['up', '--no-attach', '--start-engine']]) {
      const run = spawnSync(process.execPath, [qmsBin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, CI: '1', ...env } });
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toContain(`qms: The Docker engine at unix://${silent} does not answer, and qms can't start one`);
      expect(run.stderr).toContain('hint: ');
      expect(run.stdout).not.toContain('▶');
      expect(spawnSync('test', ['-e', join(root, 'ran')]).status).toBe(1);
    }
  });
});

describe('qms up without an engine, on a terminal', () => {
  // The default socket hidden in a private mount namespace (root and unshare needed): no engine
  // answers there, and the running one is never touched. Answering "n" must start nothing.
  const hidden = spawnSync('unshare', ['-m', 'sh', '-c', `mount --bind /dev/null ${DEFAULT_SOCKET} && test ! -S ${DEFAULT_SOCKET}`]).status === 0;

  it.skipIf(!hidden)('asks before starting dockerd, naming it; "n" starts nothing and no task runs', () => {
    ensureBuilt();
    const root = mkdtempSync(join(dir, 'tty-'));
    writeEngineFirstConfig(root);
    const before = readPid();
    const { CI: _ci, ...noCi } = process.env;
    const run = spawnSync('unshare', ['-m', 'sh', '-c', `mount --bind /dev/null ${DEFAULT_SOCKET} && exec script -qec "${process.execPath} ${qmsBin} up --no-attach" /dev/null`], {
      cwd: root,
      input: 'n\n',
      encoding: 'utf8',
      env: noCi,
      timeout: 60_000,
    });
    expect(run.status, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/No Docker engine answers at \/var\/run\/docker\.sock\. Start (sudo )?dockerd --iptables=false --ip-forward=false in the background \(log [^)]+\)\? \[y\/N\]/);
    expect(run.stdout).toContain('not started: you said no');
    expect(spawnSync('test', ['-e', join(root, 'ran')]).status).toBe(1);
    expect(readPid()).toBe(before);
  });
});

/** The running engine's pid file: unchanged means no dockerd was started. */
function readPid(): string {
  const r = spawnSync('cat', ['/var/run/docker.pid'], { encoding: 'utf8' });
  return r.stdout.trim();
}

describe('qms up --start-engine starts a real dockerd', () => {
  // In private mount and network namespaces with their own /run, /var/lib/docker and
  // /var/lib/containerd (tmpfs): a second engine that shares nothing with the running one, and
  // is stopped (by its pid file) when the namespace's script ends, whatever happened.
  const isolated =
    spawnSync('unshare', ['-m', '-n', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/lib/docker && test ! -e /run/docker.sock']).status === 0;

  it.skipIf(!isolated)('records it in .qms/state.json; qms down says it leaves it running; status shows it', () => {
    ensureBuilt();
    const root = mkdtempSync(join(dir, 'start-'));
    writeFileSync(
      join(root, 'qms.config.ts'),
      `import { defineConfig, dockerEngine } from 'qms';
export default defineConfig({ plugins: [dockerEngine()], chains: { up: ['engine'], down: ['engine:down'] } });
`,
    );
    const log = join(root, 'dockerd.log');
    const qms = `${process.execPath} ${qmsBin}`;
    const script = [
      'set -e',
      'mount -t tmpfs tmpfs /run',
      'mount -t tmpfs tmpfs /var/lib/docker',
      'mkdir -p /var/lib/containerd && mount -t tmpfs tmpfs /var/lib/containerd',
      'ip link set lo up',
      // The engine qms starts lives in these namespaces only: stop it however the script ends.
      'trap \'p=$(cat /run/docker.pid 2>/dev/null || true); [ -n "$p" ] && kill "$p"; for i in $(seq 1 80); do [ -n "$p" ] && kill -0 "$p" 2>/dev/null || break; sleep 0.25; done\' EXIT',
      `${qms} up --no-attach --start-engine < /dev/null; echo "== up $?"`,
      // node, not curl: CI machines need not have curl.
      `echo "== ping $(${process.execPath} -e "require('http').get({ socketPath: '/run/docker.sock', path: '/_ping' }, (r) => r.pipe(process.stdout))")"`,
      `${qms} status --json < /dev/null; echo "== status $?"`,
      `${qms} down < /dev/null; echo "== down $?"`,
      'echo "== pid $(cat /run/docker.pid)"',
    ].join('\n');
    const { CI: _ci, ...noCi } = process.env;
    const run = spawnSync('unshare', ['-m', '-n', '--propagation', 'private', 'sh', '-c', script], {
      cwd: root,
      encoding: 'utf8',
      env: { ...noCi, QMS_DOCKERD_LOG: log },
      timeout: 120_000,
    });
    const out = run.stdout + run.stderr;
    expect(run.status, out).toBe(0);
    expect(out).toContain('== up 0');
    expect(out).toMatch(/docker engine: none answers at \/var\/run\/docker\.sock; starting dockerd --iptables=false --ip-forward=false in the background \(log .*dockerd\.log\)/);
    expect(out).toContain('== ping OK');
    const pid = Number(/== pid (\d+)/.exec(out)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(out).toContain(`docker engine: dockerd (pid ${pid}) answers; it keeps running after qms exits`);
    const state = JSON.parse(readFileSync(join(root, '.qms', 'state.json'), 'utf8')) as { entries: Record<string, { data: { pid: number; log: string; command: string } }> };
    expect(state.entries['docker-engine']?.data).toMatchObject({ pid, log, command: expect.stringMatching(/dockerd --iptables=false --ip-forward=false$/) });
    expect(out).toMatch(new RegExp(`"id":"docker-engine".*"state":"running"`));
    expect(out).toContain(`leaves running: the Docker engine qms started`);
    expect(out).toContain(`(dockerd pid ${pid}, log ${log}); other projects' containers may use it. Stop it with \`kill ${pid}\`.`);
    expect(out).toContain('== down 0');
    // The namespace's engine is gone with it; the running one still answers.
    expect(spawnSync('kill', ['-0', String(pid)]).status).not.toBe(0);
  });
});


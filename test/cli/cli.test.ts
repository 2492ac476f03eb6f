/** Spawns the built `qms` binary against test/fixtures/cli: commands, output formats, exit codes, SIGINT. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, qmsBin, repoRoot } from './built.js';
import { qmsInPty } from './pty.js';
import { isAlive } from '../helpers/processes.js';
import { splitAgentArgs } from '../../plugins/container/index.js';
import { withDoubleDash } from '../../tasks/cli/operands.js';

const fixture = join(repoRoot, 'test', 'fixtures', 'cli');
const pluginCommands = join(repoRoot, 'test', 'cli', 'plugin-commands', 'qms.config.ts');
const TOKEN = 'cli-secret-token-value';
const tmp = mkdtempSync(join(tmpdir(), 'qms-cli-'));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function qms(args: string[], options: { cwd?: string; env?: Record<string, string>; onSpawn?: (pid: number) => void } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, CI: '1', QMS_CLI_TEST_TOKEN: TOKEN, ...options.env };
    const p = spawn(process.execPath, [qmsBin, ...args], { cwd: options.cwd ?? fixture, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    options.onSpawn?.(p.pid!);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(() => ensureBuilt(), 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('qms CLI', () => {
  it('--version and --help exit 0', async () => {
    const v = await qms(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe((JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version);
    const h = await qms(['task', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('--dry-run');
    expect(h.stdout).toContain('--keep-going');
  });

  it('list shows tasks with plugin, dependencies, description, and the chains', async () => {
    const r = await qms(['list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/greet\s+greeter\s+hello\s+greet after hello/);
    expect(r.stdout).toMatch(/broken\s+\(config\)\s+hello\s+always fails/);
    expect(r.stdout).toMatch(/CHAIN\s+RUNS/);
    expect(r.stdout).toMatch(/up\s+\{ greet, leak \}/);
    expect(r.stdout).not.toContain('→');
    const j = JSON.parse((await qms(['list', '--json'])).stdout) as { tasks: { name: string; plugin: string | null }[] };
    expect(j.tasks.map((t) => [t.name, t.plugin])).toEqual([['hello', 'greeter'], ['greet', 'greeter'], ['leak', null], ['chatty', null], ['broken', null], ['sleeper', null], ['stubborn', null]]);
  });

  it('a chain works wherever a task name does: task, graph, --dry-run', async () => {
    const r = await qms(['task', 'checks']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✔ hello');
    expect(r.stdout).toContain('✔ greet');
    expect((await qms(['graph', 'checks'])).stdout).toBe('graph LR\n  t0["hello"]\n  t1["greet"]\n  t0 --> t1\n');
    expect((await qms(['task', 'checks', '--dry-run'])).stdout).toMatch(/1\. hello .*\n\s+2\. greet/);
    const unknown = await qms(['task', 'chekcs']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown task or chain "chekcs" (did you mean "checks"?)');
  });

  it('list fits the terminal width (COLUMNS off a terminal, the pty\'s columns on one)', async () => {
    const narrow = await qms(['list'], { env: { COLUMNS: '60' } });
    expect(narrow.code).toBe(0);
    expect(Math.max(...narrow.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(60);
    expect(narrow.stdout).toContain('ignores its abort signal');
    const tty = await qmsInPty(['list'], { cwd: fixture, columns: 64 });
    expect(tty.code).toBe(0);
    expect(Math.max(...tty.text.split('\n').map((l) => l.length))).toBeLessThanOrEqual(64);
  });

  it('graph prints mermaid, dot and json', async () => {
    const m = await qms(['graph', 'greet']);
    expect(m.stdout).toBe('graph LR\n  t0["hello"]\n  t1["greet"]\n  t0 --> t1\n');
    expect((await qms(['graph', '--format', 'dot', 'greet'])).stdout).toContain('"hello" -> "greet";');
    const j = JSON.parse((await qms(['graph', '--format', 'json'])).stdout) as { edges: unknown[] };
    expect(j.edges).toContainEqual({ from: 'hello', to: 'sleeper' });
    expect((await qms(['graph', '--format', 'png'])).code).toBe(2);
  });

  it('--dry-run prints the plan in order and runs nothing', async () => {
    const r = await qms(['up', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1\. hello .*\n\s+2\. greet .*after: hello\n\s+3\. leak/);
    expect(r.stdout).not.toContain('hello from the greeter');
  });

  it('runs a chain with the line renderer, redacting secrets; exit 0', async () => {
    const r = await qms(['up']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('hello │ hello from the greeter');
    expect(r.stdout).toContain('greet │ hello said hi');
    expect(r.stdout).toContain('leak │ token is ***');
    expect(r.stdout).toContain('leak │ shell sees ***');
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it('--json streams NDJSON events', async () => {
    const r = await qms(['task', 'greet', '--json']);
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; task?: string });
    expect(events.map((e) => `${e.type}${e.task ? ` ${e.task}` : ''}`)).toEqual([
      'run:start',
      'task:start hello',
      'task:output hello',
      'task:success hello',
      'task:start greet',
      'task:output greet',
      'task:success greet',
      'run:end',
    ]);
  });

  it('a failing task exits 1 with its message and hint, redacted, no stack', async () => {
    const r = await qms(['task', 'broken']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✖ broken: cannot reach the registry with ***');
    expect(r.stderr).toContain('qms: broken: cannot reach the registry with ***\n  hint: check the network');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it('console.log / console.error in a task go through its logger, redacted, in every renderer', async () => {
    const lines = await qms(['task', 'chatty']);
    expect(lines.code).toBe(0);
    expect(lines.stdout).toContain('chatty │ console sees ***');
    expect(lines.stdout).toContain('chatty │ warning: console error line');
    const json = await qms(['task', 'chatty', '--json']);
    const events = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; line?: string; stream?: string });
    expect(events.filter((e) => e.type === 'task:output').map((e) => [e.stream, e.line])).toEqual([['info', 'console sees ***'], ['warn', 'console error line']]);
    // On a terminal a task's lines show while it runs (at most one frame per 50 ms: a task this
    // quick may never be drawn) and, with --output full, all of them after the run.
    const tty = await qmsInPty(['task', 'chatty', '--output', 'full'], { cwd: fixture, env: { QMS_CLI_TEST_TOKEN: TOKEN } });
    expect(tty.code).toBe(0);
    expect(tty.text).toContain('chatty │ console sees ***');
    expect(tty.text).toContain('chatty │ warning: console error line');
    for (const r of [lines.stdout + lines.stderr, json.stdout + json.stderr, tty.raw]) expect(r).not.toContain(TOKEN);
  });

  it('a failing ctx.$ command is named with its exit code, its stderr shown once, no stack', async () => {
    const r = await qms(['task', 'chatty'], { env: { QMS_CLI_TEST_FAIL: '1' } });
    expect(r.code).toBe(1);
    const all = r.stdout + r.stderr;
    expect(all.split('build step 42 broke').length - 1).toBe(1);
    expect(r.stderr).toContain("qms: chatty: `sh -c 'echo \"build step $((6 * 7)) broke\" >&2; exit 5'` exited with code 5\n");
    expect(all).not.toMatch(/\n\s+at |shell\.js|exit code:/);
  });

  it('usage and config errors exit 2', async () => {
    const unknown = await qms(['task', 'helo']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('qms: unknown task or chain "helo" (did you mean "hello"?)');
    expect((await qms(['frobnicate'])).code).toBe(2);
    const serve = await qms(['serve', 'frob-mcp']);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toContain('qms: unknown MCP server "frob-mcp"');
    expect((await qms(['task', 'hello', '--concurrency', 'zero'])).code).toBe(2);
    const plugin = await qms(['verify']);
    expect(plugin.code).toBe(2);
    expect(plugin.stderr).toContain('qms: unknown command "verify"');
    expect(plugin.stderr).toContain("hint: run `qms --help` for the commands; a plugin's commands are there once it is in the plugins of");

    const bad = await qms(['list', '--config', join(repoRoot, 'test/fixtures/bad-configs/cycle/qms.config.ts')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('qms: qms.config.ts: dependency cycle: a → b → c → a\n  hint: remove one of these dependencies\n');
    const hangs = await qms(['up', '--config', join(repoRoot, 'test/fixtures/bad-configs/never-settles/qms.config.mjs')], { env: { QMS_CONFIG_TIMEOUT_MS: '1500' } });
    expect(hangs.code).toBe(2);
    expect(hangs.stderr).toContain('qms: qms.config.mjs: did not finish loading within 1.5s');
    const none = await qms(['list'], { cwd: tmp });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`qms: no qms config in ${tmp}`);
  });

  it('a second SIGINT stops waiting for a task that ignores its abort (exit 130 at once)', async () => {
    const marker = join(tmp, 'marker-2');
    const pidFile = join(tmp, 'stubborn.pid');
    let qmsPid = 0;
    const done = qms(['task', 'stubborn'], { env: { QMS_CLI_TEST_MARKER: marker, QMS_CLI_TEST_PIDFILE: pidFile }, onSpawn: (pid) => (qmsPid = pid) });
    const deadline = Date.now() + 20_000;
    while (!existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    process.kill(qmsPid, 'SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    const secondAt = Date.now();
    process.kill(qmsPid, 'SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('Ctrl-C again to stop waiting');
    expect(r.stderr).toContain('stopping now');
    // It did not sit out the 10 s grace an aborted task otherwise gets.
    expect(Date.now() - secondAt).toBeLessThan(5_000);
  });

  it('SIGINT during a run: exit 130, teardowns ran, no child process left', async () => {
    const marker = join(tmp, 'marker');
    const pidFile = join(tmp, 'sleep.pid');
    let qmsPid = 0;
    const done = qms(['task', 'sleeper'], { env: { QMS_CLI_TEST_MARKER: marker, QMS_CLI_TEST_PIDFILE: pidFile }, onSpawn: (pid) => (qmsPid = pid) });
    const deadline = Date.now() + 20_000;
    const readPid = () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0);
    while (!readPid() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const sleepPid = readPid();
    expect(sleepPid).toBeGreaterThan(1);
    expect(isAlive(sleepPid)).toBe(true);
    process.kill(qmsPid, 'SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(readFileSync(marker, 'utf8')).toBe('torn down');
    expect(r.stdout).toContain('write marker');
    expect(r.stdout).toContain('✖ interrupted');
    await new Promise((res) => setTimeout(res, 100));
    expect(isAlive(sleepPid)).toBe(false);
  });

  it('plugin commands get the `--` commander drops, where the user typed it', async () => {
    const operands = async (...args: string[]) => {
      const r = await qms(['-c', pluginCommands, ...args]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      return JSON.parse(r.stdout) as string[];
    };
    const attach = await operands('attach', '--', 'sh', '-c', 'exit 4');
    expect(attach).toEqual(['--', 'sh', '-c', 'exit 4']);
    expect(splitAgentArgs(attach, 'claude', false)).toEqual({ agent: 'claude', cmd: ['sh', '-c', 'exit 4'] });
    const exec = await operands('exec', 'claude', '--', 'ls', '-la', '--', 'x');
    expect(exec).toEqual(['claude', '--', 'ls', '-la', '--', 'x']);
    expect(splitAgentArgs(exec, 'other', true)).toEqual({ agent: 'claude', cmd: ['ls', '-la', '--', 'x'] });
    expect(await operands('attach', 'claude')).toEqual(['claude']);
  });

  it('a third-party plugin\'s command works and shows in --help; --dry-run runs nothing', async () => {
    const help = await qms(['-c', pluginCommands, '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/stamp \[options\] <name>\s+write a greeting into the marker file \(greetings\s+plugin\)/);
    const sub = await qms(['-c', pluginCommands, 'stamp', '--help']);
    expect(sub.stdout).toContain('--loud');
    const marker = join(tmp, 'stamp-marker');
    const dry = await qms(['-c', pluginCommands, '--dry-run', 'stamp', 'ada', '--loud'], { env: { QMS_CLI_TEST_MARKER: marker } });
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    expect(dry.stdout).toBe('Dry run: nothing was run. Would run `qms stamp ada` with loud: write a greeting into the marker file (greetings plugin)\n');
    expect(existsSync(marker)).toBe(false);
    const real = await qms(['-c', pluginCommands, 'stamp', 'ada', '--loud'], { env: { QMS_CLI_TEST_MARKER: marker } });
    expect(real.code).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('HELLO ADA');
    expect((await qms(['-c', pluginCommands, 'stamp'])).code).toBe(2);
  });

  it('help works for every command, serve included', async () => {
    for (const args of [['serve', '--help'], ['up', '--help'], ['init', '--help'], ['list', '--help'], ['-c', pluginCommands, 'exec', '--help']]) {
      const r = await qms(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: qms /);
    }
  });

  it('withDoubleDash puts back the first `--` after the command only', () => {
    const argv = (...a: string[]) => ['node', 'qms', ...a];
    expect(withDoubleDash(['sh'], argv('attach', '--', 'sh'), 'attach')).toEqual(['--', 'sh']);
    expect(withDoubleDash(['a', 'sh', '--', 'x'], argv('--json', 'attach', 'a', '--', 'sh', '--', 'x'), 'attach')).toEqual(['a', '--', 'sh', '--', 'x']);
    expect(withDoubleDash([], argv('attach', '--'), 'attach')).toEqual(['--']);
    expect(withDoubleDash(['a'], argv('attach', 'a'), 'attach')).toEqual(['a']);
  });

  it('Ctrl-C during a plugin command exits 130 without a stack', async () => {
    const pidFile = join(tmp, 'plugin-command.pid');
    let qmsPid = 0;
    const done = qms(['-c', pluginCommands, 'attach', 'wait'], { env: { QMS_CLI_TEST_PIDFILE: pidFile }, onSpawn: (pid) => (qmsPid = pid) });
    const deadline = Date.now() + 20_000;
    while (!existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    process.kill(qmsPid, 'SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('qms: interrupted');
    expect(r.stderr).not.toContain('unexpected error');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

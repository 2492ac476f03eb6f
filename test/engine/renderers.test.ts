import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../tasks/env/redact.js';
import { rendererKind } from '../../tasks/render/choose-renderer.js';
import { createJsonRenderer } from '../../tasks/render/json-renderer.js';
import { createLineRenderer } from '../../tasks/render/line-renderer.js';
import { createListrRenderer } from '../../tasks/render/listr-renderer.js';
import type { Renderer, RunEvent } from '../../tasks/run/events.js';
import type { TaskDef } from '../../tasks/types.js';
import { configOf, run } from './harness.js';

function capture(tty = false): { stream: NodeJS.WriteStream; text(): string } {
  const s = new PassThrough();
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString()));
  Object.assign(s, { isTTY: tty, columns: 100, rows: 40 });
  return { stream: s as unknown as NodeJS.WriteStream, text: () => text };
}

const SECRET = 'ghp_0123456789abcdef';
const tasks: TaskDef[] = [
  { name: 'auth', run: (ctx) => ctx.log.info(`using token ${SECRET}`) },
  { name: 'session', dependsOn: ['auth'], run: (ctx) => ctx.skip(`found ${SECRET}`) },
  { name: 'container', dependsOn: ['session'], run: () => Promise.reject(new Error(`login failed for ${SECRET}`)) },
];
const secretRun = async (renderer: Renderer) => {
  const redactor = new Redactor();
  redactor.addFromEnv({ GH_TOKEN: SECRET });
  return run(tasks, ['container'], { renderer, redactor });
};

describe('line renderer', () => {
  it('prints one line per event', () => {
    const out = capture();
    const r = createLineRenderer(out.stream);
    const time = new Date(2026, 0, 1, 12, 0, 1).toISOString();
    const events: RunEvent[] = [
      { type: 'task:start', time, task: 'build', plugin: 'docker-image', attempt: 1, interactive: false },
      { type: 'task:output', time, task: 'build', stream: 'output', line: 'Step 1/9' },
      { type: 'task:success', time, task: 'build', durationMs: 1234 },
      { type: 'task:skip', time, task: 'session', durationMs: 1, reason: 'already initialised' },
      { type: 'task:fail', time, task: 'container', plugin: 'container', durationMs: 3, kind: 'failed', reason: 'port taken' },
      { type: 'teardown', time, task: 'mcp:qms', label: 'stop server', durationMs: 20, ok: true },
      { type: 'run:end', time, durationMs: 2000, ok: false, interrupted: false, notRun: ['verify'], counts: { succeeded: 1, skipped: 1, failed: 1 } },
    ];
    events.forEach((e) => r.event(e));
    expect(out.text().split('\n')).toEqual([
      '[12:00:01] ▶ build',
      '  build │ Step 1/9',
      '✔ build 1.2s',
      '↷ session (skipped: already initialised)',
      '✖ [container] container: port taken (3ms)',
      '↺ mcp:qms: stop server 20ms',
      '· not run: verify',
      '✖ failed in 2.0s (1 succeeded, 1 skipped, 1 failed)',
      '',
    ]);
  });

  it('never shows a secret', async () => {
    const out = capture();
    await secretRun(createLineRenderer(out.stream));
    expect(out.text()).toContain('auth │ using token ***');
    expect(out.text()).toContain('↷ session (skipped: found ***)');
    expect(out.text()).toContain('✖ container: login failed for ***');
    expect(out.text()).not.toContain(SECRET);
  });
});

describe('json renderer', () => {
  it('writes one redacted NDJSON event per line', async () => {
    const out = capture();
    await secretRun(createJsonRenderer(out.stream));
    expect(out.text()).not.toContain(SECRET);
    const events = out.text().trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
    expect(events.map((e) => e.type)).toEqual(['run:start', 'task:start', 'task:output', 'task:success', 'task:start', 'task:skip', 'task:start', 'task:fail', 'run:end']);
    expect(events.every((e) => typeof e.time === 'string')).toBe(true);
    expect(events.find((e) => e.type === 'task:fail')).toMatchObject({ task: 'container', kind: 'failed', reason: 'login failed for ***' });
  });
});

describe('listr2 renderer', () => {
  it('draws every task and its outcome, never a secret, and hands over to plain lines', async () => {
    const out = capture(true);
    const renderer = await createListrRenderer(configOf(tasks).tasks, out.stream, { forceTTY: true });
    await secretRun(renderer);
    await renderer.close();
    const text = out.text();
    expect(text).not.toContain(SECRET);
    expect(text).toContain('auth');
    expect(text).toContain('found ***');
    expect(text).toContain('login failed for ***');
    expect(text).toContain('✖ failed in');
  });
});

describe('renderer choice', () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  it('uses listr2 on a TTY, lines without one or in CI, NDJSON with --json', () => {
    expect(rendererKind({ stdout: tty, env: {} })).toBe('listr');
    expect(rendererKind({ stdout: tty, env: { CI: 'true' } })).toBe('lines');
    expect(rendererKind({ stdout: { isTTY: false } as NodeJS.WriteStream, env: {} })).toBe('lines');
    expect(rendererKind({ json: true, stdout: tty, env: {} })).toBe('json');
  });
});

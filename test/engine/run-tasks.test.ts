import { describe, expect, it } from 'vitest';
import { Redactor } from '../../tasks/env/redact.js';
import { Interrupted, TaskError } from '../../tasks/run/failure.js';
import { resolveConfig } from '../../tasks/config/resolve-config.js';
import type { TaskContext, TaskDef } from '../../tasks/types.js';
import { gate, run } from './harness.js';

const tick = () => new Promise((r) => setTimeout(r, 1));
/** Wait until the task's signal aborts (a well-behaved long task). */
const untilAborted = (ctx: TaskContext) => new Promise<never>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));

/** Tracks how many tasks run at once; tasks block until `release` (or a fallback). */
function meter() {
  let active = 0;
  let max = 0;
  let started = 0;
  const g = gate();
  return {
    get max() {
      return max;
    },
    task(name: string, dependsOn: string[] = [], waitFor = 0): TaskDef {
      return {
        name,
        dependsOn,
        async run() {
          active++;
          started++;
          max = Math.max(max, active);
          if (waitFor > 0 && started >= waitFor) g.open();
          // Independent tasks wait for each other: sequential scheduling would fall back after 500 ms and show max 1.
          if (waitFor > 0) await Promise.race([g.promise, new Promise((r) => setTimeout(r, 500))]);
          else await tick();
          active--;
        },
      };
    },
  };
}

describe('scheduling', () => {
  it('runs independent tasks at the same time and dependents only after their dependencies', async () => {
    const m = meter();
    const tasks = [m.task('a'), m.task('b', ['a'], 2), m.task('c', ['a'], 2), m.task('d', ['b', 'c'])];
    const { result, renderer } = await run(tasks, ['d']);
    expect(result.ok).toBe(true);
    expect(m.max).toBe(2);
    const seq = renderer.events.filter((e) => e.type === 'task:start' || e.type === 'task:success').map((e) => `${e.type === 'task:start' ? '+' : '-'}${'task' in e ? e.task : ''}`);
    expect(seq.indexOf('+b')).toBeGreaterThan(seq.indexOf('-a'));
    expect(seq.indexOf('+c')).toBeGreaterThan(seq.indexOf('-a'));
    expect(seq.indexOf('+d')).toBeGreaterThan(Math.max(seq.indexOf('-b'), seq.indexOf('-c')));
    expect(seq.indexOf('+c')).toBeLessThan(seq.indexOf('-b')); // overlap
  });

  it('never runs more than --concurrency tasks at once', async () => {
    const m = meter();
    const tasks = ['a', 'b', 'c', 'd', 'e'].map((n) => m.task(n));
    const { result } = await run(tasks, ['a', 'b', 'c', 'd', 'e'], { concurrency: 2 });
    expect(result.ok).toBe(true);
    expect(m.max).toBe(2);
  });

  it('runs a shared dependency once and hands its result to dependents', async () => {
    let runs = 0;
    const seen: unknown[] = [];
    const tasks: TaskDef[] = [
      { name: 'shared', run: async () => (++runs, { tag: 'img:1' }) },
      { name: 'left', dependsOn: ['shared'], run: (ctx) => void seen.push(ctx.result('shared')) },
      { name: 'right', dependsOn: ['shared'], run: (ctx) => void seen.push(ctx.result('shared')) },
      { name: 'top', dependsOn: ['left', 'right', 'shared'], run: () => 'done' },
    ];
    const { result } = await run(tasks, ['top', 'shared', 'left']);
    expect(runs).toBe(1);
    expect(seen).toEqual([{ tag: 'img:1' }, { tag: 'img:1' }]);
    expect(result.results.get('top')).toBe('done');
    expect(result.plan).toEqual(['shared', 'left', 'right', 'top']);
  });

  it('runs an interactive task alone, after the renderer handed over the terminal', async () => {
    const order: string[] = [];
    const tasks: TaskDef[] = [
      { name: 'prep', run: async () => void order.push('prep') },
      { name: 'attach', interactive: true, dependsOn: ['prep'], run: async () => void order.push('attach') },
      { name: 'slow', run: async () => (await new Promise((r) => setTimeout(r, 30)), void order.push('slow')) },
    ];
    const { result, renderer } = await run(tasks, ['attach', 'slow']);
    expect(result.ok).toBe(true);
    expect(order).toEqual(['prep', 'slow', 'attach']);
    expect(renderer.handOvers).toBe(1);
  });

  it('leaves out excluded tasks and what depends on them', async () => {
    const tasks: TaskDef[] = [
      { name: 'a', run() {} },
      { name: 'attach', interactive: true, dependsOn: ['a'], run() {} },
      { name: 'after', dependsOn: ['attach'], run() {} },
    ];
    const { result } = await run(tasks, ['after', 'a'], { exclude: (t) => t.interactive === true });
    expect(result.plan).toEqual(['a']);
  });
});

describe('failures', () => {
  it('fail-fast: aborts running tasks, starts nothing new', async () => {
    const started: string[] = [];
    const tasks: TaskDef[] = [
      { name: 'bad', run: async () => (await tick(), Promise.reject(new Error('exploded'))) },
      { name: 'long', run: (ctx) => (started.push('long'), untilAborted(ctx)) },
      { name: 'after-bad', dependsOn: ['bad'], run: () => void started.push('after-bad') },
      { name: 'queued', run: () => void started.push('queued') },
    ];
    const { result } = await run(tasks, ['bad', 'long', 'after-bad', 'queued'], { concurrency: 2 });
    expect(result.ok).toBe(false);
    expect(started).toEqual(['long']);
    expect(result.status.get('bad')).toBe('failed');
    expect(result.status.get('long')).toBe('aborted');
    expect(result.notRun.sort()).toEqual(['after-bad', 'queued']);
    expect(result.failures.find((f) => f.task === 'bad')?.reason).toBe('exploded');
  });

  it('keep-going: independent branches go on, dependents are blocked', async () => {
    const tasks: TaskDef[] = [
      { name: 'bad', run: () => Promise.reject(new Error('exploded')) },
      { name: 'mid', dependsOn: ['bad'], run() {} },
      { name: 'end', dependsOn: ['mid'], run() {} },
      { name: 'fine', run: async () => (await tick(), 'ok') },
    ];
    const { result, renderer } = await run(tasks, ['end', 'fine'], { keepGoing: true });
    expect(result.ok).toBe(false);
    expect(Object.fromEntries(result.status)).toEqual({ bad: 'failed', mid: 'blocked', end: 'blocked', fine: 'succeeded' });
    expect(renderer.of('task:fail').map((e) => [e.task, e.kind])).toEqual([['bad', 'failed'], ['mid', 'blocked'], ['end', 'blocked']]);
  });

  it('fails a task that outlives its timeout, even if it ignores its signal', async () => {
    const tasks: TaskDef[] = [{ name: 'stuck', timeout: 20, run: () => new Promise(() => {}) }];
    const { result } = await run(tasks, ['stuck']);
    expect(result.failures).toMatchObject([{ task: 'stuck', kind: 'timed-out', reason: 'timed out after 20 ms' }]);
  });

  it('retries a failing task, then reports the last failure', async () => {
    let attempts = 0;
    const flaky: TaskDef = { name: 'flaky', retries: 2, run: () => (++attempts < 3 ? Promise.reject(new Error(`attempt ${attempts}`)) : 'third time') };
    const { result, renderer } = await run([flaky], ['flaky']);
    expect(result.results.get('flaky')).toBe('third time');
    expect(renderer.of('task:retry').map((e) => [e.attempt, e.reason])).toEqual([[2, 'attempt 1'], [3, 'attempt 2']]);

    let tries = 0;
    const broken: TaskDef = { name: 'broken', retries: 1, run: () => Promise.reject(new Error(`no ${++tries}`)) };
    const second = await run([broken], ['broken']);
    expect(tries).toBe(2);
    expect(second.result.failures[0]?.reason).toBe('no 2');
  });

  it('names the plugin and task of a failure and keeps the hint of a known error', async () => {
    const config = resolveConfig(
      { plugins: [{ name: 'container', tasks: [{ name: 'container', run: () => Promise.reject(Object.assign(new Error('port taken'), { name: 'QmsError' })) }] }] },
      '/tmp/qms.config.ts',
    );
    const { result } = await run([], ['container'], { config });
    const f = result.failures[0]!;
    expect(new TaskError(f).message).toBe('[container] container: port taken');
  });
});

describe('skipping', () => {
  it('ctx.skip and upToDate end a task as skipped; dependents still run; --force ignores upToDate', async () => {
    const ran: string[] = [];
    const tasks: TaskDef[] = [
      { name: 'image', upToDate: () => 'image abc exists', run: () => void ran.push('image') },
      { name: 'session', dependsOn: ['image'], run: (ctx) => ctx.skip('already initialised', { id: 'S-1' }) },
      { name: 'use', dependsOn: ['session'], run: (ctx) => void ran.push(`use ${JSON.stringify(ctx.result('session'))}`) },
    ];
    const { result, renderer } = await run(tasks, ['use']);
    expect(ran).toEqual(['use {"id":"S-1"}']);
    expect(renderer.of('task:skip').map((e) => [e.task, e.reason])).toEqual([['image', 'image abc exists'], ['session', 'already initialised']]);
    expect(result.ok).toBe(true);

    ran.length = 0;
    await run(tasks, ['image'], { force: true });
    expect(ran).toEqual(['image']);
  });
});

describe('teardowns', () => {
  it('run in reverse order after a failure, every error reported', async () => {
    const order: string[] = [];
    const tasks: TaskDef[] = [
      { name: 'a', run: (ctx) => ctx.onTeardown('undo a', () => void order.push('a')) },
      { name: 'b', dependsOn: ['a'], run: (ctx) => (ctx.onTeardown('undo b1', () => void order.push('b1')), ctx.onTeardown('undo b2', () => Promise.reject(new Error('b2 broke')))) },
      { name: 'c', dependsOn: ['b'], run: (ctx) => (ctx.onTeardown('undo c', () => { order.push('c'); throw new Error('c broke'); }), Promise.reject(new Error('c failed'))) },
    ];
    const { result, renderer } = await run(tasks, ['c']);
    expect(order).toEqual(['c', 'b1', 'a']);
    expect(result.teardownErrors).toEqual(['teardown "undo c" of c failed: c broke', 'teardown "undo b2" of b failed: b2 broke']);
    expect(renderer.of('teardown').map((e) => [e.label, e.ok])).toEqual([['undo c', false], ['undo b2', false], ['undo b1', true], ['undo a', true]]);
  });

  it('after success only `always` teardowns run', async () => {
    const order: string[] = [];
    const tasks: TaskDef[] = [
      { name: 'a', run: (ctx) => (ctx.onTeardown('keep', () => void order.push('keep')), ctx.onTeardown('tmp', () => void order.push('tmp'), { always: true })) },
    ];
    const { result } = await run(tasks, ['a']);
    expect(result.ok).toBe(true);
    expect(order).toEqual(['tmp']);
  });

  it('an interruption aborts running tasks, runs teardowns and reports interrupted', async () => {
    const controller = new AbortController();
    const order: string[] = [];
    const tasks: TaskDef[] = [
      { name: 'server', run: (ctx) => ctx.onTeardown('stop server', () => void order.push('stop')) },
      {
        name: 'wait',
        dependsOn: ['server'],
        run: (ctx) => {
          setTimeout(() => controller.abort(new Interrupted('SIGINT')), 5);
          return untilAborted(ctx);
        },
      },
    ];
    const { result, renderer } = await run(tasks, ['wait'], { signal: controller.signal });
    expect(result.interrupted).toBe(true);
    expect(result.status.get('wait')).toBe('aborted');
    expect(order).toEqual(['stop']);
    expect(renderer.of('run:end')[0]).toMatchObject({ interrupted: true, ok: false });
  });
});

describe('aborting a task in the middle of creating something', () => {
  it('waits for it to settle, so a teardown it registers on the way out still runs', async () => {
    const controller = new AbortController();
    const order: string[] = [];
    const tasks: TaskDef[] = [
      {
        name: 'create',
        async run(ctx) {
          setTimeout(() => controller.abort(new Interrupted('SIGINT')), 5);
          // Like a container create call in flight: it ignores the signal and answers later.
          await new Promise((r) => setTimeout(r, 100));
          ctx.onTeardown('remove created', () => void order.push('removed'));
        },
      },
    ];
    const { result } = await run(tasks, ['create'], { signal: controller.signal });
    expect(result.interrupted).toBe(true);
    expect(order).toEqual(['removed']);
  });
});

describe('redaction and ctx.$', () => {
  it('redacts env secrets and run-time secrets in output, failures and skip reasons', async () => {
    const redactor = new Redactor();
    redactor.addFromEnv({ GH_TOKEN: 'ghp_supersecret' });
    const tasks: TaskDef[] = [
      {
        name: 'a',
        run: (ctx) => {
          ctx.addSecret('generated-bearer-123');
          ctx.log.info('token ghp_supersecret');
          ctx.log.output('part generated-bear');
          ctx.log.output('er-123 end\n');
        },
      },
      { name: 'b', dependsOn: ['a'], run: (ctx) => ctx.skip('have generated-bearer-123') },
      { name: 'c', dependsOn: ['b'], run: () => Promise.reject(new Error('auth failed with ghp_supersecret')) },
    ];
    const { result, renderer } = await run(tasks, ['c'], { redactor });
    const text = JSON.stringify(renderer.events);
    expect(text).not.toContain('ghp_supersecret');
    expect(text).not.toContain('generated-bearer-123');
    expect(renderer.of('task:output').map((e) => e.line)).toEqual(['token ***', 'part *** end']);
    expect(result.failures[0]?.reason).toBe('auth failed with ***');
  });

  it('ctx.$ runs in the root with the run env and pipes output into the task log', async () => {
    const tasks: TaskDef[] = [{ name: 'sh', run: async (ctx) => (await ctx.$`pwd; echo "v=$QMS_TEST_VALUE"; echo oops >&2`).stdout }];
    const { result, renderer } = await run(tasks, ['sh'], { shell: true, env: { QMS_TEST_VALUE: 'forty-two', PATH: process.env.PATH ?? '' } });
    expect(result.ok).toBe(true);
    const lines = renderer.of('task:output').map((e) => e.line);
    expect(lines).toContain('v=forty-two');
    expect(lines).toContain('oops');
    expect(String(result.results.get('sh')).split('\n')[0]).toMatch(/qms-engine-/);
  });
});

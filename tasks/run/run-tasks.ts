/**
 * The executor: a ready-queue scheduler over the task DAG. A task starts as soon as all its
 * dependencies succeeded or were skipped, up to `concurrency` at once; each task runs once.
 * Fail-fast (default): after a failure nothing new starts and running tasks are aborted
 * through the run's signal. `keepGoing`: independent branches go on, dependents of a failure
 * are reported as blocked. Interactive tasks run alone, after the renderer handed over the
 * terminal. Teardowns run at the end: all after a failure/interruption, `always` ones after
 * success.
 */
import type { Redactor } from '../env/redact.js';
import { closure, topologicalOrder, without } from '../graph/plan.js';
import type { Env, ResolvedConfig, ResolvedTask, RunOptions, StateStore, TaskContext } from '../types.js';
import type { EventSink, Renderer, RunEvent } from './events.js';
import { describeThrown, errorHint, errorMessage, Interrupted, SkipSignal, TaskTimeout, withoutOwnPrefix, type FailureKind, type TaskFailure } from './failure.js';
import { bindShell, loadZx, waitForChildren } from './shell.js';
import { createTaskLogger } from './task-logger.js';
import { captureConsole, withTaskConsole } from './task-console.js';
import { FileIndex } from './glob.js';
import { checkUpToDate, fingerprint, forgetRun, NO_RECORD, recordSuccess, type Fingerprint } from './up-to-date.js';
import { teardownErrorMessage, TeardownRegistry, type TeardownResult } from './teardown.js';

export interface RunTasksOptions {
  config: ResolvedConfig;
  targets: readonly string[];
  /** Leave these out, with everything depending on them (e.g. interactive tasks for `--no-attach`). */
  exclude?: (task: ResolvedTask) => boolean;
  env: Env;
  redactor: Redactor;
  state: StateStore;
  renderer: Renderer;
  run?: Partial<RunOptions>;
  /** Aborting it interrupts the run (the CLI wires SIGINT/SIGTERM to it). */
  signal?: AbortSignal;
  /** Load zx for `ctx.$` (default true); tests of pure scheduling can skip its load time. */
  shell?: boolean;
  /** Called once, after rendering stopped and before the first interactive task runs. */
  beforeInteractive?: () => void | Promise<void>;
}

export type TaskStatus = 'succeeded' | 'skipped' | FailureKind;

export interface RunResult {
  ok: boolean;
  interrupted: boolean;
  /** Task names of the plan in topological order. */
  plan: string[];
  status: Map<string, TaskStatus>;
  results: Map<string, unknown>;
  failures: TaskFailure[];
  teardowns: TeardownResult[];
  teardownErrors: string[];
  notRun: string[];
  durationMs: number;
}

const now = () => new Date().toISOString();

/** The plan of a run: the targets' closure minus exclusions, in topological order. */
export function planRun(config: ResolvedConfig, targets: readonly string[], exclude?: (t: ResolvedTask) => boolean): string[] {
  let names = closure(config.tasks, targets);
  if (exclude) names = without(config.tasks, names, (n) => exclude(config.tasks.get(n)!));
  return topologicalOrder(config.tasks, names, (n) => config.tasks.get(n)!.interactive === true);
}

export async function runTasks(o: RunTasksOptions): Promise<RunResult> {
  const started = performance.now();
  const { config, redactor } = o;
  const plan = planRun(config, o.targets, o.exclude);
  const run: RunOptions = {
    force: o.run?.force ?? false,
    dryRun: false,
    keepGoing: o.run?.keepGoing ?? false,
    concurrency: Math.max(1, o.run?.concurrency ?? config.concurrency),
    agents: o.run?.agents ?? config.agents,
    flags: o.run?.flags ?? {},
  };
  // Folders are listed when a task with sources needs them, and again after a task has run.
  let fileIndex: FileIndex | undefined;
  const files = () => (fileIndex ??= new FileIndex(config.root));
  const emit: EventSink = (e: RunEvent) => o.renderer.event(redactor.size > 0 ? redactor.redactDeep(e) : e);

  const runController = new AbortController();
  const onOuterAbort = () => runController.abort(o.signal?.reason ?? new Interrupted('SIGINT'));
  if (o.signal?.aborted) onOuterAbort();
  o.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const runSignal = runController.signal;

  const status = new Map<string, TaskStatus>();
  const results = new Map<string, unknown>();
  const failures: TaskFailure[] = [];
  const teardowns = new TeardownRegistry();
  const inPlan = new Set(plan);
  const remaining = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const name of plan) {
    const deps = [...new Set(config.tasks.get(name)!.dependsOn)].filter((d) => inPlan.has(d));
    remaining.set(name, deps.length);
    for (const d of deps) {
      let list = dependents.get(d);
      if (!list) dependents.set(d, (list = []));
      list.push(name);
    }
  }
  const ready: string[] = plan.filter((n) => remaining.get(n) === 0);
  let running = 0;
  let stopping = false;
  let handedOver = false;

  emit({ type: 'run:start', time: now(), tasks: plan });
  // Outside a task the patched console is the real one, so an early exit leaves no harm.
  const restoreConsole = captureConsole();

  const fail = (task: ResolvedTask, kind: FailureKind, raw: string, durationMs: number, cause?: unknown) => {
    const reason = withoutOwnPrefix(raw, task.plugin, task.name).trim() || `failed without a message (${describeThrown(cause)})`;
    const failure: TaskFailure = { task: task.name, plugin: task.plugin, kind, reason: redactor.redact(reason), hint: errorHint(cause), cause };
    failures.push(failure);
    status.set(task.name, kind);
    emit({ type: 'task:fail', time: now(), task: task.name, plugin: task.plugin ?? null, durationMs, kind, reason });
  };

  /** Mark everything downstream of a failure as blocked (keep-going mode). */
  const block = (name: string) => {
    for (const d of dependents.get(name) ?? []) {
      if (status.has(d)) continue;
      fail(config.tasks.get(d)!, 'blocked', `blocked: dependency "${name}" did not succeed`, 0);
      block(d);
    }
  };

  const contextFor = (task: ResolvedTask, signal: AbortSignal, log: ReturnType<typeof createTaskLogger>): TaskContext => {
    let $: TaskContext['$'] | undefined;
    return {
      name: task.name,
      root: config.root,
      config,
      env: o.env,
      log,
      signal,
      state: o.state,
      options: run,
      get $() {
        if (o.shell === false) throw new Error('ctx.$ is not available in this run (started with shell: false)');
        return ($ ??= bindShell(loadZx(), { cwd: config.root, env: o.env, signal, log }));
      },
      addSecret: (value) => redactor.add(value),
      result: <T>(name: string) => results.get(name) as T | undefined,
      onTeardown: (label, fn, opts) => teardowns.add({ task: task.name, label, fn, always: opts?.always === true }),
      skip: (reason: string, result?: unknown): never => {
        throw new SkipSignal(reason, result);
      },
    };
  };

  const execute = async (task: ResolvedTask): Promise<void> => {
    const start = performance.now();
    const elapsed = () => Math.round(performance.now() - start);
    const attempts = 1 + Math.max(0, task.retries ?? 0);
    const log = createTaskLogger(task.name, emit, redactor);
    let fingerprintOf: Fingerprint | undefined;
    emit({ type: 'task:start', time: now(), task: task.name, plugin: task.plugin ?? null, attempt: 1, interactive: task.interactive === true });
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const controller = new AbortController();
      const onRunAbort = () => controller.abort(runSignal.reason);
      if (runSignal.aborted) onRunAbort();
      runSignal.addEventListener('abort', onRunAbort, { once: true });
      const timer = task.timeout ? setTimeout(() => controller.abort(new TaskTimeout(task.timeout!)), task.timeout) : undefined;
      const ctx = contextFor(task, controller.signal, log);
      try {
        if (attempt === 1 && task.sources) {
          // Even with --force the fingerprint is taken, so the next run can skip.
          if (run.force) fingerprintOf = await abortable(() => fingerprint(config.root, files(), task), controller.signal);
          else {
            const verdict = await abortable(() => checkUpToDate(config.root, files(), task), controller.signal);
            if (verdict.upToDate) throw new SkipSignal(verdict.reason, undefined);
            fingerprintOf = verdict.fingerprint;
            if (verdict.why !== NO_RECORD) log.info(`not up to date: ${verdict.why}`);
          }
        }
        if (attempt === 1 && !run.force && task.upToDate) {
          const upToDate = await abortable(() => withTaskConsole(log, () => task.upToDate!(ctx), task.awaitedConsole), controller.signal);
          if (upToDate) throw new SkipSignal(upToDate, undefined);
        }
        const value = await abortable(() => withTaskConsole(log, () => task.run(ctx), task.awaitedConsole), controller.signal);
        if (fingerprintOf) await recordSuccess(config.root, task.name, fingerprintOf);
        // It may have written files a later task's sources name: list folders afresh.
        fileIndex = undefined;
        log.flush();
        results.set(task.name, value);
        status.set(task.name, 'succeeded');
        emit({ type: 'task:success', time: now(), task: task.name, durationMs: elapsed() });
        return;
      } catch (err) {
        log.flush();
        if (err instanceof SkipSignal) {
          if (err.result !== undefined) results.set(task.name, err.result);
          status.set(task.name, 'skipped');
          emit({ type: 'task:skip', time: now(), task: task.name, durationMs: elapsed(), reason: err.reason });
          return;
        }
        const reason = controller.signal.reason;
        const kind: FailureKind = runSignal.aborted ? 'aborted' : reason instanceof TaskTimeout ? 'timed-out' : 'failed';
        const message = kind === 'aborted' ? `aborted: ${errorMessage(runSignal.reason)}` : kind === 'timed-out' ? errorMessage(reason) : errorMessage(err);
        if (kind !== 'aborted' && attempt < attempts) {
          emit({ type: 'task:retry', time: now(), task: task.name, attempt: attempt + 1, reason: message });
          continue;
        }
        if (task.sources) await forgetRun(config.root, task.name);
        fail(task, kind, message, elapsed(), kind === 'failed' ? err : undefined);
        return;
      } finally {
        clearTimeout(timer);
        runSignal.removeEventListener('abort', onRunAbort);
      }
    }
  };

  await new Promise<void>((resolveAll) => {
    const finished = (name: string) => {
      running--;
      const s = status.get(name);
      if (s === 'succeeded' || s === 'skipped') {
        for (const d of dependents.get(name) ?? []) {
          const left = remaining.get(d)! - 1;
          remaining.set(d, left);
          if (left === 0 && !status.has(d)) ready.push(d);
        }
      } else if (run.keepGoing && !runSignal.aborted) {
        block(name);
      } else if (!stopping) {
        stopping = true;
        if (!runSignal.aborted) runController.abort(new Error(`${name} failed`));
      }
      pump();
    };
    const pump = () => {
      if (runSignal.aborted) stopping = true;
      while (!stopping && ready.length > 0 && running < run.concurrency) {
        // Interactive tasks need the terminal to themselves: only when nothing else runs or is ready.
        let i = ready.findIndex((n) => config.tasks.get(n)!.interactive !== true);
        if (i < 0) {
          if (running > 0) break;
          i = 0;
        }
        const name = ready.splice(i, 1)[0]!;
        const task = config.tasks.get(name)!;
        running++;
        const go = async () => {
          if (task.interactive && !handedOver) {
            handedOver = true;
            await o.renderer.handOver?.();
            await o.beforeInteractive?.();
          }
          await execute(task);
        };
        go().then(
          () => finished(name),
          (err: unknown) => {
            // execute() catches everything a task throws; this is an engine bug, still reported.
            fail(task, 'failed', errorMessage(err), 0, err);
            finished(name);
          },
        );
        if (task.interactive) break;
      }
      if (running === 0 && (stopping || ready.length === 0)) resolveAll();
    };
    runSignal.addEventListener('abort', () => (stopping = true), { once: true });
    pump();
  });
  o.signal?.removeEventListener('abort', onOuterAbort);
  // Aborted children were sent SIGTERM; let them exit so nothing outlives the run.
  if (runSignal.aborted) await waitForChildren(5_000);

  const interrupted = runSignal.aborted && runSignal.reason instanceof Interrupted;
  const ok = failures.length === 0 && !interrupted;
  const teardownResults = await teardowns.run(ok ? 'success' : 'failure', (r) =>
    emit({
      type: 'teardown',
      time: now(),
      task: r.task,
      label: r.label,
      durationMs: r.durationMs,
      ok: r.error === undefined,
      ...(r.error === undefined ? {} : { error: errorMessage(r.error) }),
    }),
  );
  const teardownErrors = teardownResults.filter((r) => r.error !== undefined).map((r) => redactor.redact(teardownErrorMessage(r)));
  const notRun = plan.filter((n) => !status.has(n));
  const count = (s: TaskStatus) => [...status.values()].filter((v) => v === s).length;
  const durationMs = Math.round(performance.now() - started);
  restoreConsole();
  emit({
    type: 'run:end',
    time: now(),
    durationMs,
    ok: ok && teardownErrors.length === 0,
    interrupted,
    notRun,
    counts: { succeeded: count('succeeded'), skipped: count('skipped'), failed: failures.length },
  });
  return { ok: ok && teardownErrors.length === 0, interrupted, plan, status, results, failures, teardowns: teardownResults, teardownErrors, notRun, durationMs };
}

/** How long an aborted task may take to wind down (and register its teardowns) before the run moves on. */
export const ABORT_GRACE_MS = 10_000;

/**
 * Run a plugin hook, but stop waiting when the signal aborts: a task that ignores its signal
 * must not hang the run. On a timeout it is given up at once; on a run abort (Ctrl-C, another
 * task failed) it gets a bounded grace period first, because a task in the middle of creating
 * something (a container) registers its teardown only once the engine answers, and teardowns
 * run after this returns.
 */
function abortable<T>(fn: () => Promise<T> | T, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    let p: Promise<T>;
    try {
      p = Promise.resolve(fn());
    } catch (err) {
      p = Promise.reject(err);
    }
    const onAbort = () => {
      if (signal.reason instanceof TaskTimeout) return reject(signal.reason);
      const giveUp = setTimeout(() => reject(signal.reason), ABORT_GRACE_MS);
      void p.finally(() => clearTimeout(giveUp)).catch(() => undefined);
    };
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

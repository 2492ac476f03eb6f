/**
 * The TTY renderer: listr2's default renderer, used only to draw. Each listr task simply
 * waits for the engine's events about its task (listr2's `concurrent` has no notion of
 * dependencies, so the engine schedules and listr2 renders). listr2 is loaded only here.
 * Interactive tasks are not drawn: `handOver` ends the listr run before one takes the
 * terminal; later events, teardowns and the summary are printed as plain lines. Drawing is
 * throttled and windowed (listr-window.ts) so that many tasks cost linear time.
 */
import type { ResolvedTask } from '../types.js';
import type { Renderer, RunEvent } from '../run/events.js';
import type { DefaultRenderer } from 'listr2';
import type { Board } from './listr-window.js';
import { formatDuration } from './format.js';
import { createLineRenderer } from './line-renderer.js';
import { formatOutputLine, OutputKeeper, type OutputMode } from './output-mode.js';

/** The part of listr2's task wrapper we drive. */
interface Wrapper {
  title: string | undefined;
  output: string | undefined;
  skip(message?: string): void;
}

interface Outcome {
  skip?: string;
  error?: string;
}

interface Slot {
  wrapper?: Wrapper;
  title: string;
  output?: string;
  /** Settles (never rejects) with the task's outcome; the listr task applies it. */
  done: Promise<Outcome>;
  end(outcome: Outcome): void;
  ended: boolean;
}

export async function createListrRenderer(
  tasks: ReadonlyMap<string, ResolvedTask>,
  out: NodeJS.WriteStream = process.stdout,
  options: { forceTTY?: boolean; output?: OutputMode } = {},
): Promise<Renderer> {
  const [listr2, { windowedRenderer }] = await Promise.all([import('listr2'), import('./listr-window.js')]);
  const { Listr, ListrLogger, ProcessOutput } = listr2;
  const lines = createLineRenderer(out);
  // listr2 shows a task's last line only: keep the whole output, printed after the run.
  const mode = options.output ?? 'failed';
  const kept = new OutputKeeper();
  const failed: string[] = [];
  let dumped = false;
  const dump = () => {
    if (dumped) return;
    dumped = true;
    const which = mode === 'full' ? kept.tasks() : mode === 'failed' ? failed : [];
    for (const task of which) {
      const { lines: taskLines, dropped } = kept.take(task);
      if (taskLines.length === 0) continue;
      out.write(`\n── output of ${task}${failed.includes(task) ? ' (failed)' : ''} ──\n`);
      if (dropped) out.write(`  ${task} │ … ${dropped} earlier lines not kept\n`);
      for (const l of taskLines) out.write(`${formatOutputLine(l)}\n`);
    }
  };
  const slots = new Map<string, Slot>();
  const deferred: RunEvent[] = [];
  let listrDone: Promise<unknown> | undefined;
  let active = false;

  // What the window shows when the tasks do not fit the terminal, kept up to date per event.
  const index = new Map<string, number>();
  const names: string[] = [];
  const running = new Set<number>();
  const failedAt: number[] = [];
  const counts = { done: 0, failed: 0, skipped: 0 };
  const board: Board = {
    running: () => running,
    failed: () => failedAt,
    lastOutput: (i) => slots.get(names[i] ?? '')?.output,
    counts: () => ({ ...counts, running: running.size, waiting: names.length - running.size - counts.done - counts.failed - counts.skipped }),
    rows: () => out.rows || 24,
  };
  const started = (name: string) => {
    const i = index.get(name);
    if (i !== undefined) running.add(i);
  };
  const ended = (name: string, how: keyof typeof counts) => {
    const i = index.get(name);
    if (i === undefined || slot(name).ended) return;
    running.delete(i);
    counts[how]++;
    if (how === 'failed') failedAt.push(i);
  };

  const slot = (name: string): Slot => {
    let s = slots.get(name);
    if (!s) {
      let settle!: (o: Outcome) => void;
      const created: Slot = {
        title: `${name} (waiting)`,
        ended: false,
        done: new Promise<Outcome>((r) => (settle = r)),
        end(o) {
          if (created.ended) return;
          created.ended = true;
          settle(o);
        },
      };
      slots.set(name, (s = created));
    }
    return s;
  };
  const setTitle = (name: string, title: string) => {
    const s = slot(name);
    s.title = title;
    if (s.wrapper) s.wrapper.title = title;
  };

  const endAll = (skip: string) => {
    for (const s of slots.values()) s.end({ skip });
  };
  const stop = async () => {
    if (!active) return;
    active = false;
    await listrDone?.catch(() => undefined);
    // The kept output goes before the deferred teardown lines and the run's summary.
    const end = deferred.splice(0);
    const summary = end.filter((e) => e.type === 'run:end');
    for (const e of end.filter((x) => x.type !== 'run:end')) lines.event(e);
    dump();
    for (const e of summary) lines.event(e);
  };

  return {
    event(e) {
      if (e.type === 'run:start') {
        const drawn = e.tasks.filter((n) => tasks.get(n)?.interactive !== true);
        for (const n of drawn) {
          slot(n);
          index.set(n, names.push(n) - 1);
        }
        const list = new Listr<unknown, typeof DefaultRenderer>(
          drawn.map((name) => ({
            title: slot(name).title,
            task: async (_ctx, wrapper) => {
              const s = slot(name);
              s.wrapper = wrapper;
              wrapper.title = s.title;
              if (s.output !== undefined) wrapper.output = s.output;
              const outcome = await s.done;
              if (outcome.skip !== undefined) wrapper.skip(`${name} (skipped: ${outcome.skip})`);
              if (outcome.error !== undefined) throw new Error(outcome.error);
            },
            rendererOptions: { outputBar: 3, persistentOutput: false },
          })),
          {
            concurrent: true,
            exitOnError: false,
            // Ctrl-C belongs to the engine (abort, teardowns, exit 130), not to listr2.
            registerSignalListeners: false,
            forceTTY: options.forceTTY,
            renderer: windowedRenderer(listr2, board),
            rendererOptions: { collapseErrors: false, collapseSubtasks: false, logger: new ListrLogger({ processOutput: new ProcessOutput(out, process.stderr) }) },
          },
        );
        active = true;
        listrDone = list.run();
        return;
      }
      if (!active) return lines.event(e);
      switch (e.type) {
        case 'task:start':
          started(e.task);
          return setTitle(e.task, `${e.task} (running)`);
        case 'task:retry':
          return setTitle(e.task, `${e.task} (retrying, attempt ${e.attempt}: ${e.reason})`);
        case 'task:output': {
          if (mode !== 'none') kept.add(e);
          const s = slot(e.task);
          s.output = e.line;
          if (s.wrapper) s.wrapper.output = e.line;
          return;
        }
        case 'task:success':
          ended(e.task, 'done');
          setTitle(e.task, `${e.task} ${formatDuration(e.durationMs)}`);
          return slot(e.task).end({});
        case 'task:skip':
          ended(e.task, 'skipped');
          return slot(e.task).end({ skip: e.reason });
        case 'task:fail':
          failed.push(e.task);
          ended(e.task, 'failed');
          setTitle(e.task, `${e.plugin ? `[${e.plugin}] ` : ''}${e.task}`);
          return slot(e.task).end({ error: e.reason });
        case 'run:end':
          endAll('not run');
          deferred.push(e);
          return;
        default:
          deferred.push(e);
      }
    },
    async handOver() {
      endAll('continues after the interactive task');
      await stop();
    },
    async close() {
      endAll('not run');
      await stop();
    },
  };
}

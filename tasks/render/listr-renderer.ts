/**
 * The TTY renderer: listr2's default renderer, used only to draw. Each listr task simply
 * waits for the engine's events about its task (listr2's `concurrent` has no notion of
 * dependencies, so the engine schedules and listr2 renders). listr2 is loaded only here.
 * Interactive tasks are not drawn: `handOver` ends the listr run before one takes the
 * terminal; later events, teardowns and the summary are printed as plain lines.
 */
import type { ResolvedTask } from '../types.js';
import type { Renderer, RunEvent } from '../run/events.js';
import { formatDuration } from './format.js';
import { createLineRenderer } from './line-renderer.js';

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
  options: { forceTTY?: boolean } = {},
): Promise<Renderer> {
  const { Listr, ListrLogger, ProcessOutput } = await import('listr2');
  const lines = createLineRenderer(out);
  const slots = new Map<string, Slot>();
  const deferred: RunEvent[] = [];
  let listrDone: Promise<unknown> | undefined;
  let active = false;

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
    for (const e of deferred.splice(0)) lines.event(e);
  };

  return {
    event(e) {
      if (e.type === 'run:start') {
        const drawn = e.tasks.filter((n) => tasks.get(n)?.interactive !== true);
        for (const n of drawn) slot(n);
        const list = new Listr<unknown>(
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
          return setTitle(e.task, `${e.task} (running)`);
        case 'task:retry':
          return setTitle(e.task, `${e.task} (retrying, attempt ${e.attempt}: ${e.reason})`);
        case 'task:output': {
          const s = slot(e.task);
          s.output = e.line;
          if (s.wrapper) s.wrapper.output = e.line;
          return;
        }
        case 'task:success':
          setTitle(e.task, `${e.task} ${formatDuration(e.durationMs)}`);
          return slot(e.task).end({});
        case 'task:skip':
          return slot(e.task).end({ skip: e.reason });
        case 'task:fail':
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

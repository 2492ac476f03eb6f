/**
 * What the executor reports while it runs, consumed by the renderers (listr2, lines, NDJSON).
 * Every string in an event has been redacted before it is emitted.
 */
import type { FailureKind } from './failure.js';

interface Base {
  /** ISO time the event happened. */
  time: string;
}

export type RunEvent =
  | (Base & { type: 'run:start'; tasks: string[] })
  | (Base & { type: 'task:start'; task: string; plugin: string | null; attempt: number; interactive: boolean })
  | (Base & { type: 'task:output'; task: string; stream: 'info' | 'warn' | 'output'; line: string })
  | (Base & { type: 'task:retry'; task: string; attempt: number; reason: string })
  | (Base & { type: 'task:skip'; task: string; durationMs: number; reason: string })
  | (Base & { type: 'task:success'; task: string; durationMs: number })
  | (Base & { type: 'task:fail'; task: string; plugin: string | null; durationMs: number; kind: FailureKind; reason: string })
  | (Base & { type: 'teardown'; task: string; label: string; durationMs: number; ok: boolean; error?: string })
  | (Base & {
      type: 'run:end';
      durationMs: number;
      ok: boolean;
      interrupted: boolean;
      /** Tasks of the plan that never started (fail-fast or interruption). */
      notRun: string[];
      counts: { succeeded: number; skipped: number; failed: number };
    });

export type RunEventType = RunEvent['type'];
export type EventSink = (event: RunEvent) => void;

/** Events a renderer consumes; `handOver` stops drawing before an interactive task takes the terminal. */
export interface Renderer {
  event: EventSink;
  handOver?(): Promise<void>;
  /** Flush and stop; called once after `run:end`. */
  close(): Promise<void>;
}

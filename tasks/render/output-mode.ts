/**
 * `--output full|failed|none`: which task output stays. On a terminal the listr renderer shows
 * only each task's last line while it runs; afterwards the whole output of failed tasks
 * (`failed`, the default there) or of every task (`full`) is printed, so a long build log is
 * never lost. Without a terminal lines stream as they come (`full`, the default there);
 * `failed` holds each task's lines back and prints them only if it fails; `none` drops them.
 */
import type { RunEvent } from '../run/events.js';

export type OutputMode = 'full' | 'failed' | 'none';
export const OUTPUT_MODES: readonly OutputMode[] = ['full', 'failed', 'none'];

/** Lines kept per task; a longer log keeps its end (where the error is) and says how much went. */
export const MAX_KEPT_LINES = 100_000;

type OutputEvent = Extract<RunEvent, { type: 'task:output' }>;

export class OutputKeeper {
  private readonly lines = new Map<string, OutputEvent[]>();
  private readonly dropped = new Map<string, number>();

  add(e: OutputEvent): void {
    let list = this.lines.get(e.task);
    if (!list) this.lines.set(e.task, (list = []));
    list.push(e);
    if (list.length > MAX_KEPT_LINES) {
      list.shift();
      this.dropped.set(e.task, (this.dropped.get(e.task) ?? 0) + 1);
    }
  }

  /** The task's kept lines (and how many earlier ones were dropped), forgotten once taken. */
  take(task: string): { lines: OutputEvent[]; dropped: number } {
    const out = { lines: this.lines.get(task) ?? [], dropped: this.dropped.get(task) ?? 0 };
    this.lines.delete(task);
    this.dropped.delete(task);
    return out;
  }

  tasks(): string[] {
    return [...this.lines.keys()];
  }
}

/** One output line as the line renderer prints it. */
export const formatOutputLine = (e: OutputEvent): string => `  ${e.task} │ ${e.stream === 'warn' ? 'warning: ' : ''}${e.line}`;

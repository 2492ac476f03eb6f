/**
 * listr2's default renderer, kept linear in the number of tasks. Left alone it redraws the
 * whole list on every title or state change (each frame formats and wraps every line), so a
 * run of n tasks costs O(n²) and, drawn from microtasks, keeps the event loop from reading a
 * Ctrl-C. This subclass draws at most one frame per FRAME_MS, and when the tasks do not fit
 * the terminal it draws a window instead of the list: the running tasks (with their last
 * output line), the latest failures that still fit, and one line counting the rest. The final
 * list after the run is listr2's own. A line that fits is not put through wrap-ansi (whose
 * width measure costs ~0.4 ms a line: most of the time a 400-task list took to print).
 */
import type { DefaultRenderer } from 'listr2';

/** The parts of listr2 the window uses, passed in by the caller that loaded it (listr2 is imported dynamically: qms's CommonJS build loads no ES module package statically). */
export type Listr2Parts = Pick<typeof import('listr2'), 'color' | 'DefaultRenderer' | 'figures' | 'indent'>;

/** At most one frame per this many ms (listr2's spinner turns every 100 ms). */
export const FRAME_MS = 50;

/** What the window needs to know about the engine's tasks (listr2 sees them all as started). */
export interface Board {
  /** Indexes (into the list given to listr2) of the tasks running now, oldest first. */
  running(): Iterable<number>;
  /** Indexes of the tasks that failed, in the order they failed. */
  failed(): readonly number[];
  /** The last output line of the task at this index, if any. */
  lastOutput(index: number): string | undefined;
  counts(): { done: number; failed: number; skipped: number; waiting: number; running: number };
  /** Terminal rows (the window is used when the list would not fit). */
  rows(): number;
}

// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;
/** One column wide as wrap-ansi counts: printable ASCII and Latin-1 (not the soft hyphen, nor © and ®, emoji to it), dashes to `…`, box drawing. */
const NARROW = /^[\x20-\x7e\u00a0-\u00a8\u00aa-\u00ac\u00af-\u00ff\u2010-\u2027\u2500-\u257f]*$/;

/** The width of `s` when each of its characters (colour codes aside) is one column wide, else undefined. */
export function narrowWidth(s: string): number | undefined {
  const plain = s.replace(SGR, '');
  return NARROW.test(plain) ? plain.length : undefined;
}

type Task = ConstructorParameters<typeof DefaultRenderer>[0][number];

/** A DefaultRenderer class drawing through `board` (listr2 takes the class as its `renderer`). */
export function windowedRenderer({ color, DefaultRenderer, figures, indent }: Listr2Parts, board: Board): typeof DefaultRenderer {
  return class WindowedRenderer extends DefaultRenderer {
    private readonly all: Task[];
    private timer: NodeJS.Timeout | undefined;
    private last = 0;

    constructor(...args: ConstructorParameters<typeof DefaultRenderer>) {
      super(...args);
      this.all = args[0];
    }

    // Never drawn in the caller's turn: a burst of changes (listr2 starting every task, the
    // engine finishing many) becomes one frame, and a Ctrl-C is read between frames.
    override update(): void {
      if (this.timer) return;
      this.timer = setTimeout(() => this.draw(), Math.max(0, this.last + FRAME_MS - Date.now()));
    }

    private draw(): void {
      this.timer = undefined;
      this.last = Date.now();
      super.update();
    }

    override end(): void {
      clearTimeout(this.timer);
      this.timer = undefined;
      super.end();
    }

    // As listr2's format() when the line fits: icon, space, message, indented by level.
    protected override format(message: string, icon: string, level: number): string[] {
      const indentation = (this as unknown as { options: { indentation: number } }).options.indentation;
      const columns = (process.stdout.columns ?? 80) - level * indentation - 2;
      const width = narrowWidth(message);
      // An icon outside the narrow set (a spinner frame, ✔) is counted as two columns a character.
      const iconWidth = narrowWidth(icon) ?? 2 * icon.replace(SGR, '').length;
      if (width === undefined || message.trim() === '' || (icon ? iconWidth + 1 : 0) + width > columns) return super.format(message, icon, level);
      return [indent((icon ? `${icon} ${message}` : message).trimEnd(), level * indentation)];
    }

    override create(options?: { tasks?: boolean; bottomBar?: boolean; prompt?: boolean }): string {
      // The final list (end() asks without the prompt) and a list that fits are listr2's own.
      const rows = board.rows();
      if (options?.prompt === false || this.all.length <= rows - 2) return super.create(options);
      return this.window(Math.max(2, rows - 2)).join('\n');
    }

    /** At most `height` lines: running tasks, then the latest failures, then one line counting everything. */
    private window(height: number): string[] {
      const lines: string[] = [];
      const c = board.counts();
      let shown = 0;
      for (const i of board.running()) {
        const task = this.all[i];
        if (!task) continue;
        const output = board.lastOutput(i);
        const need = output === undefined ? 1 : 2;
        if (lines.length + need > height - 1) break;
        lines.push(...this.format(task.title ?? '', this.style(task), 0).slice(0, 1));
        if (output !== undefined) lines.push(...this.format(output, figures.pointerSmall, 1).slice(0, 1));
        shown++;
      }
      const failures = board.failed();
      const room = Math.max(0, Math.min(failures.length, height - 1 - lines.length));
      for (const i of failures.slice(failures.length - room)) {
        const task = this.all[i];
        if (task) lines.push(...this.format(task.title ?? '', this.style(task), 0).slice(0, 1));
      }
      const parts = [
        shown < c.running ? `${c.running - shown} more running` : '',
        `${c.done} done`,
        c.failed ? color.red(`${c.failed} failed`) : '',
        c.skipped ? `${c.skipped} skipped` : '',
        `${c.waiting} waiting`,
      ].filter(Boolean);
      lines.push(...this.format(color.dim(parts.join(' · ')), color.dim(figures.squareSmallFilled), 0).slice(0, 1));
      return lines;
    }
  };
}

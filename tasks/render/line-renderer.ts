/**
 * The plain renderer for logs and CI (no TTY, or `CI` set): one line per event.
 *   [12:00:01] ▶ build
 *     build │ Step 1/9 …
 *   ✔ build 1.2s
 *   ↷ session (skipped: already initialised)
 *   ✖ container: port 8000 is taken (3ms)
 */
import type { Renderer, RunEvent } from '../run/events.js';
import { clock, formatDuration } from './format.js';
import { formatOutputLine, OutputKeeper, type OutputMode } from './output-mode.js';

/** `output`: `full` streams task output (default), `failed` prints a task's lines only if it fails, `none` drops them. */
export function createLineRenderer(out: NodeJS.WritableStream = process.stdout, options: { output?: OutputMode } = {}): Renderer {
  const write = (s: string) => out.write(`${s}\n`);
  const mode = options.output ?? 'full';
  const held = new OutputKeeper();
  return {
    event(e: RunEvent) {
      if (mode !== 'full') {
        if (e.type === 'task:output') return mode === 'failed' ? held.add(e) : undefined;
        if (e.type === 'task:success' || e.type === 'task:skip') held.take(e.task);
        if (e.type === 'task:fail') {
          const { lines, dropped } = held.take(e.task);
          if (dropped) write(`  ${e.task} │ … ${dropped} earlier lines not kept`);
          for (const l of lines) write(formatOutputLine(l));
        }
      }
      switch (e.type) {
        case 'run:start':
          return;
        case 'task:start':
          return write(`[${clock(e.time)}] ▶ ${e.task}${e.interactive ? ' (interactive)' : ''}`);
        case 'task:output':
          return write(formatOutputLine(e));
        case 'task:retry':
          return write(`[${clock(e.time)}] ↻ ${e.task} retrying (attempt ${e.attempt}): ${e.reason}`);
        case 'task:success':
          return write(`✔ ${e.task} ${formatDuration(e.durationMs)}`);
        case 'task:skip':
          return write(`↷ ${e.task} (skipped: ${e.reason})`);
        case 'task:fail':
          return write(`✖ ${e.plugin ? `[${e.plugin}] ` : ''}${e.task}: ${e.reason}${e.kind === 'blocked' ? '' : ` (${formatDuration(e.durationMs)})`}`);
        case 'teardown':
          return write(e.ok ? `↺ ${e.task}: ${e.label} ${formatDuration(e.durationMs)}` : `✖ ${e.task}: teardown "${e.label}" failed: ${e.error ?? 'unknown error'}`);
        case 'run:end': {
          if (e.notRun.length > 0) write(`· not run: ${e.notRun.join(', ')}`);
          const { succeeded, skipped, failed } = e.counts;
          const tally = `${succeeded} succeeded, ${skipped} skipped, ${failed} failed`;
          return write(e.interrupted ? `✖ interrupted after ${formatDuration(e.durationMs)} (${tally})` : `${e.ok ? '✔ done' : '✖ failed'} in ${formatDuration(e.durationMs)} (${tally})`);
        }
      }
    },
    async close() {},
  };
}

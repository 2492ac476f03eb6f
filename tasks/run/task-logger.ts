/**
 * The logger a task writes into: whole, redacted lines become `task:output` events. Raw
 * output is buffered until a newline so a secret split across chunks is still redacted.
 */
import type { Redactor } from '../env/redact.js';
import type { Logger } from '../types.js';
import type { EventSink } from './events.js';

export interface TaskLogger extends Logger {
  /** Emit what is left of a partial last line. */
  flush(): void;
}

export function createTaskLogger(task: string, emit: EventSink, redactor: Redactor): TaskLogger {
  let partial = '';
  const line = (stream: 'info' | 'warn' | 'output', text: string) =>
    emit({ type: 'task:output', time: new Date().toISOString(), task, stream, line: redactor.redact(text.replace(/\r$/, '')) });
  return {
    info: (m) => m.split('\n').forEach((l) => line('info', l)),
    warn: (m) => m.split('\n').forEach((l) => line('warn', l)),
    output(text) {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) line('output', l);
    },
    flush() {
      if (partial) line('output', partial);
      partial = '';
    },
  };
}

/** A logger for plugin commands and status hooks: straight to the terminal, redacted. */
export function createConsoleLogger(redactor: Redactor, out: NodeJS.WritableStream = process.stderr, product: NodeJS.WritableStream = process.stdout): Logger {
  return {
    info: (m) => out.write(`${redactor.redact(m)}\n`),
    warn: (m) => out.write(`warning: ${redactor.redact(m)}\n`),
    // A command's product (`qms logs`, `qms call`) goes to stdout, so it pipes; messages stay on stderr.
    output: (t) => product.write(redactor.redact(t)),
  };
}

/**
 * Runs the built `qms` under a real pseudo-terminal (util-linux `script`), so the TTY renderer
 * (listr2) is what draws, as on a user's terminal. The pty gets a fixed size: `script` starts
 * it at 0 columns when its own stdin is not a terminal.
 */
import { spawn } from 'node:child_process';
import { qmsBin } from './built.js';

export interface PtyResult {
  code: number | null;
  /** Everything the terminal received, escape sequences included. */
  raw: string;
  /** The same without ANSI escape sequences and carriage returns. */
  text: string;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export const stripAnsi = (s: string): string =>
  // eslint-disable-next-line no-control-regex
  s.replace(/\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g, '').replace(/\r/g, '');

interface PtyOptions {
  cwd: string;
  env?: Record<string, string>;
  columns?: number;
}

function spawnInPty(args: string[], options: PtyOptions, stdin: 'ignore' | 'pipe') {
  const command = `stty cols ${options.columns ?? 120} rows 40; exec ${[process.execPath, qmsBin, ...args].map(quote).join(' ')}`;
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', ...options.env };
  delete env.CI;
  const p = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: options.cwd, env, stdio: [stdin, 'pipe', 'pipe'] });
  // Decoded as a stream: a character split across two reads must not become two U+FFFD.
  p.stdout!.setEncoding('utf8');
  p.stderr!.setEncoding('utf8');
  return p;
}

export function qmsInPty(args: string[], options: PtyOptions): Promise<PtyResult> {
  return new Promise((resolve) => {
    const p = spawnInPty(args, options, 'ignore');
    let raw = '';
    p.stdout!.on('data', (d: string) => (raw += d));
    p.stderr!.on('data', (d: string) => (raw += d));
    p.on('close', (code) => resolve({ code, raw, text: stripAnsi(raw) }));
  });
}

/**
 * As qmsInPty, with the terminal's keyboard: `type('\x03')` is a Ctrl-C (the pty's line
 * discipline turns it into SIGINT for qms), `seen(text)` settles once the screen has shown it.
 */
export function qmsInPtyTyping(args: string[], options: PtyOptions): { type(keys: string): void; seen(text: string): Promise<void>; done: Promise<PtyResult> } {
  const p = spawnInPty(args, options, 'pipe');
  let raw = '';
  const waiting: Array<{ text: string; resolve(): void }> = [];
  const check = () => {
    const text = stripAnsi(raw);
    for (const w of waiting.splice(0)) (text.includes(w.text) ? w.resolve() : waiting.push(w));
  };
  p.stdout!.on('data', (d: string) => ((raw += d), check()));
  p.stderr!.on('data', (d: string) => ((raw += d), check()));
  const done = new Promise<PtyResult>((resolve) =>
    p.on('close', (code) => {
      p.stdin?.destroy();
      resolve({ code, raw, text: stripAnsi(raw) });
    }),
  );
  return {
    type: (keys) => void p.stdin?.write(keys),
    seen: (text) => new Promise<void>((resolve) => (waiting.push({ text, resolve }), check())),
    done,
  };
}

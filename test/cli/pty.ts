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

export function qmsInPty(args: string[], options: { cwd: string; env?: Record<string, string>; columns?: number }): Promise<PtyResult> {
  const command = `stty cols ${options.columns ?? 120} rows 40; exec ${[process.execPath, qmsBin, ...args].map(quote).join(' ')}`;
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', ...options.env };
    delete env.CI;
    const p = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let raw = '';
    p.stdout.on('data', (d: Buffer) => (raw += d.toString()));
    p.stderr.on('data', (d: Buffer) => (raw += d.toString()));
    p.on('close', (code) => resolve({ code, raw, text: stripAnsi(raw) }));
  });
}

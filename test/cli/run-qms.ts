/** Spawns the built `qms` binary (no terminal, `CI` set) and collects its output and exit code. */
import { spawn } from 'node:child_process';
import { qmsBin } from './built.js';

export interface QmsResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runQms(args: string[], options: { cwd: string; env?: Record<string, string | undefined> }): Promise<QmsResult> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, CI: '1', ...options.env };
    for (const [k, v] of Object.entries(options.env ?? {})) if (v === undefined) delete env[k];
    const p = spawn(process.execPath, [qmsBin, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

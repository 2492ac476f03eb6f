/**
 * Runs a verification probe script with the host's `sh` instead of in a container (the
 * ExecBatch's runner in unit tests): stdin given, stdout, stderr and exit code kept apart.
 */
import { spawn } from 'node:child_process';
import type { Captured } from '../../plugins/verify/capture-exec.js';

export function hostSh(path: string): (script: string, stdin: string) => Promise<Captured> {
  return (script, stdin) =>
    new Promise<Captured>((resolve, reject) => {
      const p = spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: path } });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      p.on('error', reject);
      p.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      p.stdin.end(stdin);
    });
}

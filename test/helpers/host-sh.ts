/**
 * Runs a verification probe script with the host's `sh` instead of in a container (the
 * ExecBatch's runner in unit tests): the script on `sh`'s stdin, as in the container; stdout,
 * stderr and exit code kept apart.
 */
import { spawn } from 'node:child_process';
import type { Captured } from '../../plugins/verify/capture-exec.js';

export function hostSh(path: string): (script: string) => Promise<Captured> {
  return (script) =>
    new Promise<Captured>((resolve, reject) => {
      const p = spawn('sh', [], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: path } });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      p.on('error', reject);
      p.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      p.stdin.end(script);
    });
}

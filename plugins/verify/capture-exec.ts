/**
 * Run a command in the container and collect its output, with a time limit. Secrets go in
 * `stdin` (or `env`, the exec's environment: not in argv, not in `docker inspect`), never in `cmd`.
 */
import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { execIn } from '../container/exec.js';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

export async function captureExec(
  docker: Docker,
  containerId: string,
  cmd: readonly string[],
  options: { user?: string; workingDir?: string; env?: string[]; stdin?: string | Promise<string>; timeoutMs: number; signal?: AbortSignal; onStarted?: () => void },
): Promise<Captured> {
  const out = new PassThrough();
  const err = new PassThrough();
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  out.on('data', (c: Buffer) => stdout.push(c));
  err.on('data', (c: Buffer) => stderr.push(c));
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  const code = await execIn(docker, containerId, cmd, {
    stdout: out,
    stderr: err,
    signal: AbortSignal.any(signals),
    ...(options.user ? { user: options.user } : {}),
    ...(options.workingDir ? { workingDir: options.workingDir } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
    ...(options.onStarted ? { onStarted: options.onStarted } : {}),
  });
  return { code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
}

/**
 * Run a command in a managed container without a TTY: stdout and stderr demultiplexed onto
 * separate streams as they arrive, the command's exit code returned (seed 004's exec). On abort
 * (Ctrl-C, a task's timeout) the command is hung up in the container before the call rejects.
 */
import type Docker from 'dockerode';
import type { Writable } from 'node:stream';
import { hangUp } from './hang-up.js';

export interface ExecOptions {
  stdout: Writable;
  stderr: Writable;
  user?: string;
  workingDir?: string;
  env?: string[];
  /**
   * Written to the command's stdin, which is then closed (else no stdin is attached). A promise
   * is written once it resolves (the command can start before its input is known); closed empty
   * if it rejects.
   */
  stdin?: string | Promise<string>;
  signal?: AbortSignal;
  /** Called once the engine has answered the start request (the command is starting). */
  onStarted?: () => void;
}

export async function execIn(docker: Docker, containerId: string, cmd: readonly string[], options: ExecOptions): Promise<number> {
  const exec = await docker.getContainer(containerId).exec({
    Cmd: [...cmd],
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: options.stdin !== undefined,
    Tty: false,
    ...(options.user ? { User: options.user } : {}),
    ...(options.workingDir ? { WorkingDir: options.workingDir } : {}),
    ...(options.env ? { Env: options.env } : {}),
  });
  const stream = await exec.start({ hijack: true, stdin: options.stdin !== undefined });
  options.onStarted?.();
  if (options.stdin !== undefined) void Promise.resolve(options.stdin).then((text) => stream.end(text), () => stream.end());
  const { signal } = options;
  let onAbort = (): void => undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      // Destroying the stream alone would leave the command running in the container.
      let aborted = false;
      onAbort = (): void => {
        aborted = true;
        stream.destroy();
        void hangUp(exec).finally(() => reject(signal?.reason ?? new Error('aborted')));
      };
      const ended = (): void => {
        if (!aborted) resolve(); // the destroyed stream's close: the abort settles it
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      docker.modem.demuxStream(stream, options.stdout, options.stderr);
      stream.on('end', ended);
      stream.on('close', ended);
      stream.on('error', (err) => (aborted ? undefined : reject(err)));
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  // The exit code is set once the stream has ended; a short wait covers the engine's lag.
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    await new Promise((r) => setTimeout(r, 20));
  }
  return (await exec.inspect()).ExitCode ?? 1;
}

/**
 * Collect a command's output. Not used by qms itself: part of the plugin's programmatic API
 * (`api.ts`) for scripts, tests and benches.
 */
export async function execCapture(docker: Docker, containerId: string, cmd: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { PassThrough } = await import('node:stream');
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: { stdout: Buffer[]; stderr: Buffer[] } = { stdout: [], stderr: [] };
  out.on('data', (c: Buffer) => chunks.stdout.push(c));
  err.on('data', (c: Buffer) => chunks.stderr.push(c));
  const code = await execIn(docker, containerId, cmd, { stdout: out, stderr: err });
  return { code, stdout: Buffer.concat(chunks.stdout).toString('utf8'), stderr: Buffer.concat(chunks.stderr).toString('utf8') };
}

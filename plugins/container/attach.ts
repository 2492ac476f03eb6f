/**
 * Interactive exec in a managed container with a real TTY: raw stdin, the terminal's size
 * passed through (and on every SIGWINCH), the command's exit code returned, and the terminal
 * put back the way it was even when something fails.
 */
import type Docker from 'dockerode';
import type { ReadStream } from 'node:tty';
import type { Readable, Writable } from 'node:stream';
import { hangUp } from './hang-up.js';

export interface AttachIo {
  stdin: Readable & Partial<Pick<ReadStream, 'isTTY' | 'setRawMode' | 'isRaw'>>;
  stdout: Writable & { columns?: number; rows?: number };
  env?: Readonly<Record<string, string | undefined>>;
  signal?: AbortSignal;
}

const CLAUDE_AUTH_ENV = ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN'] as const;

export async function attachExec(docker: Docker, containerId: string, cmd: readonly string[], io: AttachIo): Promise<number> {
  const term = io.env?.TERM || 'xterm-256color';
  const exec = await docker.getContainer(containerId).exec({
    Cmd: [...cmd],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
    // Claude's API credentials from the host's env/.env reach only this exec, never the
    // container's own config (which `docker inspect` shows).
    Env: [`TERM=${term}`, ...CLAUDE_AUTH_ENV.flatMap((k) => (io.env?.[k] ? [`${k}=${io.env[k]}`] : []))],
  });
  const stream = await exec.start({ hijack: true, stdin: true, Tty: true });
  const { stdin, stdout } = io;
  const wasRaw = stdin.isRaw ?? false;
  // The engine (API 1.41) takes no size at exec creation: the size follows right after start,
  // and the container's process gets SIGWINCH for it like for any later resize.
  const resize = (): void => {
    if (stdout.columns && stdout.rows) exec.resize({ h: stdout.rows, w: stdout.columns }).catch(() => undefined);
  };
  let leave = (): void => undefined;
  try {
    if (stdin.isTTY && stdin.setRawMode) stdin.setRawMode(true);
    process.on('SIGWINCH', resize);
    stdin.pipe(stream);
    stdin.resume();
    stream.pipe(stdout, { end: false });
    resize();
    await new Promise<void>((resolve, reject) => {
      // Docker keeps an exec's process running when its client goes away: a closed terminal
      // or an interrupted qms hangs it up, so no Claude session is left behind.
      let leaving: Promise<void> | undefined;
      leave = (): void => {
        leaving ??= hangUp(exec).finally(resolve);
        stream.destroy();
      };
      const ended = (): void => {
        if (!leaving) resolve();
      };
      io.signal?.addEventListener('abort', leave, { once: true });
      process.once('SIGHUP', leave);
      // A terminal that went away often shows up as EOF/EIO on stdin before any SIGHUP.
      if (stdin.isTTY) {
        stdin.once('end', leave);
        stdin.once('error', leave);
      }
      stream.on('end', ended);
      stream.on('close', ended);
      stream.on('error', reject);
    });
  } finally {
    process.off('SIGHUP', leave);
    stdin.off('end', leave);
    stdin.off('error', leave);
    io.signal?.removeEventListener('abort', leave);
    process.off('SIGWINCH', resize);
    stdin.unpipe(stream);
    stream.unpipe(stdout);
    if (stdin.isTTY && stdin.setRawMode) stdin.setRawMode(wasRaw);
    stdin.pause();
  }
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    await new Promise((r) => setTimeout(r, 20));
  }
  return (await exec.inspect()).ExitCode ?? 1;
}

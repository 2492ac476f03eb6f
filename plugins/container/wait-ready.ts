/**
 * Readiness probe for a freshly started container: the entrypoint touches a ready file once
 * its set-up (MCP registration, GitHub login) is done, then logs `qms-entrypoint: ready`. The
 * log line (followed from this start on) ends the wait as soon as it is written; the ready file,
 * probed by an exec every 100 ms, covers an image whose entrypoint does not log it. A container
 * that exits meanwhile fails at once with the last lines of its log.
 */
import type Docker from 'dockerode';
import { QmsError } from '../../tasks/errors.js';

export const READY_FILE = '/tmp/qms-entrypoint.ready';

async function probe(docker: Docker, id: string): Promise<number> {
  let exec: Docker.Exec;
  try {
    exec = await docker.getContainer(id).exec({ Cmd: ['test', '-e', READY_FILE], AttachStdout: false, AttachStderr: false });
    await exec.start({ Detach: true });
  } catch (err) {
    // Stopped since it was inspected: the next look reports it, with its log.
    if ((err as { statusCode?: number }).statusCode === 409) return 1;
    throw err;
  }
  for (let i = 0; i < 100; i++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    await new Promise((r) => setTimeout(r, 10));
  }
  return 1;
}

async function logTail(docker: Docker, id: string): Promise<string> {
  const buf = (await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: 20 })) as unknown as Buffer;
  // Non-TTY logs are multiplexed: strip the 8-byte frame headers.
  const lines: string[] = [];
  for (let i = 0; i + 8 <= buf.length; ) {
    const size = buf.readUInt32BE(i + 4);
    lines.push(buf.subarray(i + 8, i + 8 + size).toString('utf8'));
    i += 8 + size;
  }
  return lines.join('').trim();
}

/** The entrypoint's line once its set-up is done (docker/entrypoint.sh). */
const READY_LINE = /^qms-entrypoint: ready\b/;

/**
 * Follows the container's log from `startedAt` (lines stamped before it are an earlier run's)
 * and resolves `seen` at the ready line; `seen` never resolves when the log ends without it.
 */
function watchReadyLine(docker: Docker, id: string, startedAt: string): { seen: Promise<void>; stop(): void } {
  const started = Date.parse(startedAt);
  const since = Math.floor(started / 1000);
  let stream: NodeJS.ReadableStream & { destroy?: () => void } | undefined;
  let stopped = false;
  const seen = new Promise<void>((resolve) => {
    void docker
      .getContainer(id)
      .logs({ follow: true, stdout: true, stderr: true, timestamps: true, since })
      .then((s) => {
        stream = s as typeof stream;
        if (stopped) return stream?.destroy?.();
        let text = '';
        // Non-TTY logs are multiplexed: 8-byte frame headers, then `<RFC 3339 time> <line>`.
        let pending = Buffer.alloc(0);
        s.on('data', (chunk: Buffer) => {
          pending = Buffer.concat([pending, chunk]);
          while (pending.length >= 8 && pending.length >= 8 + pending.readUInt32BE(4)) {
            const size = pending.readUInt32BE(4);
            text += pending.subarray(8, 8 + size).toString('utf8');
            pending = pending.subarray(8 + size);
          }
          let nl: number;
          while ((nl = text.indexOf('\n')) >= 0) {
            const line = text.slice(0, nl);
            text = text.slice(nl + 1);
            const space = line.indexOf(' ');
            // Timestamps have up to 9 fraction digits, trailing zeros dropped: compared as times (ms).
            if (Date.parse(line.slice(0, space)) >= started && READY_LINE.test(line.slice(space + 1))) resolve();
          }
        });
        s.on('error', () => undefined);
      }, () => undefined);
  });
  return {
    seen,
    stop: () => {
      stopped = true;
      stream?.destroy?.();
    },
  };
}

export async function waitReady(docker: Docker, id: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let watch: ReturnType<typeof watchReadyLine> | undefined;
  let seen = false;
  try {
    for (;;) {
      signal?.throwIfAborted();
      const state = (await docker.getContainer(id).inspect()).State;
      if (!state.Running) {
        throw new QmsError(
          `The container stopped during set-up (exit code ${state.ExitCode}).\n${await logTail(docker, id)}`,
          'Check the image and its entrypoint (docker/entrypoint.sh); `docker logs` shows the same lines.',
        );
      }
      if (!watch) {
        watch = watchReadyLine(docker, id, state.StartedAt);
        void watch.seen.then(() => (seen = true));
      }
      if (seen || (await Promise.race([probe(docker, id), watch.seen.then(() => 0)])) === 0) return;
      if (Date.now() > deadline) {
        throw new QmsError(`The container did not finish its set-up within ${Math.round(timeoutMs / 1000)} s.\n${await logTail(docker, id)}`, 'Raise container({ readyTimeoutSec }) or check `docker logs`.');
      }
      await Promise.race([new Promise((r) => setTimeout(r, 100)), watch.seen]);
    }
  } finally {
    watch?.stop();
  }
}

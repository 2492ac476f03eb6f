/**
 * Readiness probe for a freshly started container: the entrypoint touches a ready file once
 * its set-up (MCP registration, GitHub login) is done. A container that exits meanwhile fails
 * at once with the last lines of its log.
 */
import type Docker from 'dockerode';
import { QmsError } from '../../tasks/errors.js';

export const READY_FILE = '/tmp/qms-entrypoint.ready';

async function probe(docker: Docker, id: string): Promise<number> {
  const exec = await docker.getContainer(id).exec({ Cmd: ['test', '-e', READY_FILE], AttachStdout: false, AttachStderr: false });
  await exec.start({ Detach: true });
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

export async function waitReady(docker: Docker, id: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const state = (await docker.getContainer(id).inspect()).State;
    if (!state.Running) {
      throw new QmsError(
        `The container stopped during set-up (exit code ${state.ExitCode}).\n${await logTail(docker, id)}`,
        'Check the image and its entrypoint (docker/entrypoint.sh); `docker logs` shows the same lines.',
      );
    }
    if ((await probe(docker, id)) === 0) return;
    if (Date.now() > deadline) {
      throw new QmsError(`The container did not finish its set-up within ${Math.round(timeoutMs / 1000)} s.\n${await logTail(docker, id)}`, 'Raise container({ readyTimeoutSec }) or check `docker logs`.');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

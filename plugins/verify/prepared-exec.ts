/**
 * An exec started before its input is known. A `docker exec` costs a round trip through the
 * engine and a process start in the container (70–150 ms on a busy machine), which can overlap
 * the host's own preparation of the checks. The command reads its input on stdin (`sh` reading
 * its script): `run` hands the input over, and the time limit counts from then; `close` ends an
 * exec that was never used (its `sh` reads an empty script and exits).
 */
import type Docker from 'dockerode';
import { captureExec, type Captured } from './capture-exec.js';

export interface PreparedExec {
  /** Hands `stdin` to the command (once) and resolves with what it printed. */
  run(stdin: string, timeoutMs: number): Promise<Captured>;
  /** Ends the command if `run` was never called. */
  close(): void;
}

export function prepareExec(docker: Docker, containerId: string, cmd: readonly string[], options: { user?: string; signal?: AbortSignal } = {}): PreparedExec {
  let hand: (input: string) => void = () => undefined;
  const input = new Promise<string>((resolve) => (hand = resolve));
  const timeout = new AbortController();
  const done = captureExec(docker, containerId, cmd, {
    ...(options.user ? { user: options.user } : {}),
    stdin: input,
    signal: options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal,
  });
  done.catch(() => undefined); // run() hands the failure on; an unused exec's is nobody's
  let used = false;
  return {
    run(stdin, timeoutMs) {
      if (used) return Promise.reject(new Error('a prepared exec runs once'));
      used = true;
      hand(stdin);
      const timer = setTimeout(() => timeout.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      return done.finally(() => clearTimeout(timer));
    },
    close() {
      if (used) return;
      used = true;
      hand('');
    },
  };
}

/** What the checks run against: one running container, reached through dockerode, as the agent. */
import type Docker from 'dockerode';
import { captureExec, type Captured } from './capture-exec.js';
import { BATCH_COMMAND, ExecBatch, type ProbeScript, type RunCombined } from './exec-batch.js';
import type { SharedMcpSession } from './mcp-session.js';

export interface VerifyTarget {
  docker: Docker;
  containerId: string;
  /** `uid:gid` (or name) the checks run as: the container's configured user. */
  user: string;
  agent: string;
  signal: AbortSignal;
  /** A per-run nonce in scratch names, so concurrent verifications never collide. */
  nonce: string;
  /** Runs an sh probe in the container as `user` (batched with the other checks' probes: exec-batch.ts); `waiters`: the checks it answers. */
  probe(p: ProbeScript, waiters?: number): Promise<Captured>;
  /** MCP sessions shared by the checks of this pass, by server name (mcp-session.ts). */
  sessions?: ReadonlyMap<string, SharedMcpSession>;
}

/** How a batch reaches the container: `sh -c` as `user`, its values and script on stdin. */
export const combinedRunner =
  (docker: Docker, containerId: string, user: string, signal: AbortSignal): RunCombined =>
  (script, stdin, timeoutMs) =>
    captureExec(docker, containerId, ['sh', '-c', script], { user, stdin, timeoutMs, signal });

export interface StartedRunner {
  run: RunCombined;
  /** Ends the exec started ahead when no batch came to use it (settles once it has ended). */
  close(): Promise<void>;
}

/**
 * A runner whose first exec (BATCH_COMMAND) is started ahead, once `after` settles, and waits
 * for its stdin: starting an exec costs ~75 ms, which then passes while the checks get their
 * scripts ready on the host instead of after. A later batch starts an exec of its own. The
 * first batch's time limit counts from when its script is handed over.
 */
export function startedRunner(docker: Docker, containerId: string, user: string, signal: AbortSignal, after: Promise<unknown>): StartedRunner {
  const fresh = combinedRunner(docker, containerId, user, signal);
  let give!: (stdin: string) => void;
  const stdin = new Promise<string>((resolve) => (give = resolve));
  const limit = new AbortController();
  // Its time limit is `limit`, set at the handover; captureExec's own only bounds a lost exec.
  let ahead: Promise<Captured> | undefined = after.then(() =>
    captureExec(docker, containerId, ['sh', '-c', BATCH_COMMAND], { user, stdin, timeoutMs: 24 * 3600_000, signal: AbortSignal.any([signal, limit.signal]) }),
  );
  ahead.catch(() => undefined); // awaited by the batch that takes it; an unused one only ends
  return {
    run(script, input, timeoutMs) {
      const exec = script === BATCH_COMMAND ? ahead : undefined;
      if (!exec) return fresh(script, input, timeoutMs);
      ahead = undefined;
      const timer = setTimeout(() => limit.abort(new Error(`the batched probes took longer than ${timeoutMs} ms`)), timeoutMs);
      give(input);
      return exec.finally(() => clearTimeout(timer));
    },
    async close() {
      const unused = ahead;
      ahead = undefined;
      if (!unused) return;
      give('0\n');
      await unused.catch(() => undefined);
    },
  };
}

/** A target for one check on its own (tests, scripts): each probe is an exec of its own. */
export function standaloneTarget(t: Omit<VerifyTarget, 'probe'>): VerifyTarget {
  const batch = new ExecBatch(combinedRunner(t.docker, t.containerId, t.user, t.signal));
  return { ...t, probe: (p, waiters) => batch.exec(p, waiters) };
}

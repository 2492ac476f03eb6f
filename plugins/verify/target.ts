/** What the checks run against: one running container, reached through dockerode, as the agent. */
import type Docker from 'dockerode';
import type { Captured } from './capture-exec.js';
import { ExecBatch, type ProbeScript, type RunCombined } from './exec-batch.js';
import { prepareExec, type PreparedExec } from './prepared-exec.js';
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

/**
 * How a batch reaches the container: `sh` as `user` (empty: the container's own user), the
 * script on its stdin. With `ahead`, the first exec starts now, before its script exists (its
 * start-up overlaps the checks' preparation on the host); `close()` ends it if no script came.
 */
export function combinedRunner(docker: Docker, containerId: string, user: string, signal: AbortSignal, ahead = false): RunCombined & { close(): void } {
  const open = (): PreparedExec => prepareExec(docker, containerId, ['sh'], { user, signal });
  let next = ahead ? open() : undefined;
  const run: RunCombined = (script, timeoutMs) => {
    const exec = next ?? open();
    next = undefined;
    return exec.run(script, timeoutMs);
  };
  return Object.assign(run, {
    close: () => {
      next?.close();
      next = undefined;
    },
  });
}

/** A target for one check on its own (tests, scripts): each probe is an exec of its own. */
export function standaloneTarget(t: Omit<VerifyTarget, 'probe'>): VerifyTarget {
  const batch = new ExecBatch(combinedRunner(t.docker, t.containerId, t.user, t.signal));
  return { ...t, probe: (p, waiters) => batch.exec(p, waiters) };
}

/** What the checks run against: one running container, reached through dockerode, as the agent. */
import type Docker from 'dockerode';
import { captureExec, type Captured } from './capture-exec.js';
import { ExecBatch, type ProbeScript, type RunCombined } from './exec-batch.js';
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

/** How a batch reaches the container: `sh -c` as `user`, its values on stdin. */
export const combinedRunner =
  (docker: Docker, containerId: string, user: string, signal: AbortSignal): RunCombined =>
  (script, stdin, timeoutMs) =>
    captureExec(docker, containerId, ['sh', '-c', script], { user, stdin, timeoutMs, signal });

/** A target for one check on its own (tests, scripts): each probe is an exec of its own. */
export function standaloneTarget(t: Omit<VerifyTarget, 'probe'>): VerifyTarget {
  const batch = new ExecBatch(combinedRunner(t.docker, t.containerId, t.user, t.signal));
  return { ...t, probe: (p, waiters) => batch.exec(p, waiters) };
}

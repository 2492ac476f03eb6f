/** What the checks run against: one running container, reached through dockerode, as the agent. */
import type Docker from 'dockerode';

export interface VerifyTarget {
  docker: Docker;
  containerId: string;
  /** `uid:gid` (or name) the checks run as: the container's configured user. */
  user: string;
  agent: string;
  signal: AbortSignal;
  /** A per-run nonce in scratch names, so concurrent verifications never collide. */
  nonce: string;
}

/**
 * Who must own the folders the agent writes to (its workspace, the sessions folder): the uid
 * the container's agent runs as by default — the host user's, 1000:1000 when that is root
 * (the container plugin's rule, reused so both agree). Run as a normal user, what we create
 * is already theirs (undefined: no chown). Run as root (sudo, CI), it goes to that uid.
 */
import { defaultAgentUser } from '../container/options.js';

export interface Owner {
  uid: number;
  gid: number;
}

export async function agentOwner(): Promise<Owner | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  return defaultAgentUser();
}

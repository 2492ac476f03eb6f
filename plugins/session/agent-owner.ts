/**
 * Who must own the folders the agent writes to (its workspace, the sessions folder). The agent
 * user in the container has the host user's uid/gid, and 1000:1000 when the host user is root
 * (see plugins/container). Run as a normal user, what we create is already theirs (undefined:
 * no chown). Run as root (sudo, CI), it goes to the project's owner, or 1000:1000 when root
 * owns the project too, so the container's agent can write there.
 */
import { stat } from 'node:fs/promises';

export interface Owner {
  uid: number;
  gid: number;
}

export async function agentOwner(root: string): Promise<Owner | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const s = await stat(root);
  return s.uid !== 0 ? { uid: s.uid, gid: s.gid } : { uid: 1000, gid: 1000 };
}

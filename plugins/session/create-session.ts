/**
 * The `session` task body: the agent's workspace and inbox exist, a new session folder is
 * claimed for today, and CURRENT_SESSION names it.
 */
import { dirname } from 'node:path';
import { agentPaths } from '../container/host-paths.js';
import { agentOwner } from './agent-owner.js';
import { allocateSessionDir } from './allocate-session-dir.js';
import { makeDirs } from './make-dirs.js';
import { writeCurrentSession } from './write-current-session.js';

export interface SessionResult {
  /** `Session-YYYY-MM-DD-NNN` */
  id: string;
  /** Absolute path of the session folder on the host. */
  dir: string;
  agent: string;
}

export async function createSession(root: string, agent: string, now: Date = new Date()): Promise<SessionResult> {
  const owner = await agentOwner();
  const paths = agentPaths(root, agent);
  // The parents (.claude, .claude/users) are created as the user running qms; only the
  // folders the agent writes to are handed to the agent's uid.
  await makeDirs(dirname(paths.workspace), undefined);
  await Promise.all([makeDirs(paths.sessions, owner), makeDirs(paths.workspace, owner), makeDirs(paths.inbox, undefined)]);
  const { id, dir } = await allocateSessionDir(paths.sessions, now, owner);
  await writeCurrentSession(paths.sessions, id, owner);
  return { id, dir, agent };
}

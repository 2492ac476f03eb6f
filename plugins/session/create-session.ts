/**
 * The `session` task body: the agent's workspace and inbox exist, a new session folder is
 * claimed for today, and CURRENT_SESSION names it.
 */
import { join } from 'node:path';
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

/** Host paths of the agent's folders under the project root. */
export function agentPaths(root: string, agent: string): { sessions: string; workspace: string; inbox: string } {
  return {
    sessions: join(root, '.claude', 'sessions'),
    workspace: join(root, '.claude', 'users', agent, 'workspace'),
    inbox: join(root, '.claude', 'users', agent, 'inbox'),
  };
}

export async function createSession(root: string, agent: string, now: Date = new Date()): Promise<SessionResult> {
  const owner = await agentOwner();
  const paths = agentPaths(root, agent);
  // The parents (.claude, .claude/users) are created as the user running qms; only the
  // folders the agent writes to are handed to the agent's uid.
  await makeDirs(join(root, '.claude', 'users', agent), undefined);
  await Promise.all([makeDirs(paths.sessions, owner), makeDirs(paths.workspace, owner), makeDirs(paths.inbox, undefined)]);
  const { id, dir } = await allocateSessionDir(paths.sessions, now, owner);
  await writeCurrentSession(paths.sessions, id, owner);
  return { id, dir, agent };
}

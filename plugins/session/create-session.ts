/**
 * The `session` task body: each agent's workspace and inbox exist, a new session folder is
 * claimed for today, and CURRENT_SESSION names it. The sessions folder is shared by the team.
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
  /** The agents whose folders were made sure of (the roster). */
  agents: string[];
}

/** `agents`: one agent or the roster; every one gets its workspace and inbox. */
export async function createSession(root: string, agents: string | readonly string[], now: Date = new Date()): Promise<SessionResult> {
  const list = typeof agents === 'string' ? [agents] : [...agents];
  const owner = await agentOwner();
  const all = list.map((agent) => agentPaths(root, agent));
  const sessions = all[0]?.sessions ?? agentPaths(root, 'claude').sessions;
  // The parents (.claude, .claude/users/<agent>) are created as the user running qms; only the
  // folders the agents write to are handed to the agent's uid.
  await makeDirs(sessions, owner);
  for (const paths of all) {
    await makeDirs(dirname(paths.workspace), undefined);
    await Promise.all([makeDirs(paths.workspace, owner), makeDirs(paths.inbox, undefined)]);
  }
  const { id, dir } = await allocateSessionDir(sessions, now, owner);
  await writeCurrentSession(sessions, id, owner);
  return { id, dir, agents: list };
}

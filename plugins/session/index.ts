/**
 * `session({ agent })`: the `session` task claims a new `.claude/sessions/Session-YYYY-MM-DD-NNN/`
 * for this `qms up`, points CURRENT_SESSION at it and makes sure the agent's workspace and
 * inbox exist. Later tasks read `ctx.result<SessionResult>('session')`.
 */
import type { Plugin, TaskDef } from '../../tasks/types.js';
import { ConfigError } from '../../tasks/errors.js';
import type { SessionResult } from './create-session.js';

export type { SessionResult } from './create-session.js';

export interface SessionOptions {
  /** The agent (user under `.claude/users/`) whose workspace and inbox must exist. Default `claude`. */
  agent?: string;
}

export function session(options: SessionOptions = {}): Plugin {
  if (typeof options !== 'object' || options === null) throw new ConfigError('session: options must be an object', 'e.g. session({ agent: "claude" })');
  const { agent = 'claude' } = options;
  if (typeof agent !== 'string' || !/^[a-z][a-z0-9_-]*$/i.test(agent)) {
    throw new ConfigError(
      `session: option "agent" must be a user name like "claude", got ${JSON.stringify(agent)}`,
      'Use letters, digits, "-" or "_" (it names .claude/users/<agent>/).',
      undefined,
      'agent',
    );
  }
  const task: TaskDef<SessionResult> = {
    name: 'session',
    description: `Start a new session folder for ${agent} and make sure its workspace and inbox exist`,
    async run(ctx) {
      const { createSession } = await import('./create-session.js');
      const result = await createSession(ctx.root, agent);
      ctx.log.info(`${result.id} (${result.dir})`);
      return result;
    },
  };
  return { name: 'session', tasks: [task as TaskDef] };
}

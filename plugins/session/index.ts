/**
 * `session()`: the `session` task claims a new `.claude/sessions/Session-YYYY-MM-DD-NNN/`
 * for this `qms up`, points CURRENT_SESSION at it and makes sure every roster agent's
 * workspace and inbox exist (`ctx.config.agents`). Later tasks read `ctx.result<SessionResult>('session')`.
 */
import type { Plugin, TaskDef } from '../../tasks/types.js';
import { ConfigError } from '../../tasks/errors.js';
import { checkPluginOptions } from '../../tasks/config/plugin-options.js';
import type { SessionResult } from './create-session.js';

export type { SessionResult } from './create-session.js';

export interface SessionOptions {
  /** Removed: the agents come from the config's roster, `defineConfig({ agents })`. */
  agent?: never;
}

export function session(options: SessionOptions = {}): Plugin {
  if (typeof options !== 'object' || options === null) throw new ConfigError('session: options must be an object', 'e.g. session()');
  if ('agent' in options) {
    throw new ConfigError(
      'session: option "agent" is gone: the agents come from the config\'s roster',
      "Remove it and list the agents once: defineConfig({ agents: ['claude', 'qa'], … }).",
      undefined,
      'agent',
    );
  }
  checkPluginOptions('session', {}, options);
  const task: TaskDef<SessionResult> = {
    name: 'session',
    description: "Start a new session folder and make sure each agent's workspace and inbox exist",
    awaitedConsole: true,
    async run(ctx) {
      const { createSession } = await import('./create-session.js');
      // The whole roster: an agent's container proves the others' workspaces read-only, so they exist.
      const result = await createSession(ctx.root, ctx.config.agents);
      ctx.log.info(`${result.id} (${result.dir})`);
      return result;
    },
  };
  return { name: 'session', tasks: [task as TaskDef] };
}

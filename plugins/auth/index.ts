/**
 * `auth()`: the `auth` task — is everything `qms up` needs to log in and stay private in place?
 * Docker engine, Claude credentials, GH_TOKEN shape, `.env` files untracked and private.
 * Cheap factory: the checks are loaded only when the task runs.
 */
import type { Plugin, TaskDef } from '../../tasks/types.js';
import { ConfigError } from '../../tasks/errors.js';
import { anyValue, checkPluginOptions } from '../../tasks/config/plugin-options.js';
import type { AuthResult } from './run-checks.js';

export type { AuthResult } from './run-checks.js';
export type { AuthCheck, CheckLevel } from './check.js';

export interface AuthOptions {
  /** Agent whose auth volume (`qms-<project>-<agent>-claude-config`) may already hold a login. Default `claude`. */
  agent?: string;
  /** More dotenv files to check (relative to the root), besides `.env`, `docker/.env` and the config's `envFiles`. */
  envFiles?: readonly string[];
}

export function auth(options: AuthOptions = {}): Plugin {
  if (typeof options !== 'object' || options === null) throw new ConfigError('auth: options must be an object', 'e.g. auth({ agent: "claude" })');
  checkPluginOptions('auth', { agent: anyValue(), envFiles: anyValue() } satisfies Record<keyof Required<AuthOptions>, unknown>, options);
  const { agent = 'claude', envFiles = [] } = options;
  if (typeof agent !== 'string' || !/^[a-z][a-z0-9_-]*$/i.test(agent)) {
    throw new ConfigError(`auth: option "agent" must be a name like "claude", got ${JSON.stringify(agent)}`, 'Use letters, digits, "-" or "_".', undefined, 'agent');
  }
  if (!Array.isArray(envFiles) || envFiles.some((f) => typeof f !== 'string')) {
    throw new ConfigError('auth: option "envFiles" must be an array of file paths', 'e.g. auth({ envFiles: ["secrets.env"] })', undefined, 'envFiles');
  }
  const task: TaskDef<AuthResult> = {
    name: 'auth',
    description: 'Check the Docker engine, Claude and GitHub credentials, and that .env files are private',
    awaitedConsole: true,
    async run(ctx) {
      const { runAuthChecks } = await import('./run-checks.js');
      return runAuthChecks(ctx, { agent, envFiles });
    },
  };
  return { name: 'auth', tasks: [task as TaskDef] };
}

/**
 * The `auth` task body: every check at once, each finding logged (warnings as warnings),
 * and one error listing every failed check with its fix. Nothing here prints a secret.
 */
import type { TaskContext } from '../../tasks/types.js';
import { QmsError } from '../../tasks/errors.js';
import type { AuthCheck } from './check.js';
import { checkDocker } from './check-docker.js';
import { checkClaudeCredentials, type ClaudeCredentialSource } from './check-claude-credentials.js';
import { checkGhToken } from './check-gh-token.js';
import { checkEnvFiles } from './check-env-files.js';
import { claudeConfigVolume } from './claude-config-volume.js';

export interface AuthResult {
  checks: AuthCheck[];
  /** Docker API version the engine speaks, when it answered. */
  dockerApiVersion?: string;
  claudeCredentials: ClaudeCredentialSource[];
  ghToken: 'ok' | 'warn';
}

export async function runAuthChecks(
  ctx: Pick<TaskContext, 'root' | 'env' | 'log' | 'config' | 'addSecret'>,
  options: { agent: string; envFiles: readonly string[] },
): Promise<AuthResult> {
  for (const key of ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_OAUTH_TOKEN', 'GH_TOKEN'] as const) {
    const value = ctx.env[key];
    if (value) ctx.addSecret(value);
  }
  const volume = claudeConfigVolume(ctx.config.name, options.agent);
  const [docker, claude, gh, envFiles] = await Promise.all([
    checkDocker(ctx.env),
    checkClaudeCredentials(ctx.env, volume),
    checkGhToken(ctx.root, ctx.env, ctx.config.envFiles, (v) => ctx.addSecret(v)),
    checkEnvFiles(ctx.root, [...ctx.config.envFiles, ...options.envFiles]),
  ]);
  const checks: AuthCheck[] = [docker, claude, gh, ...envFiles].map(({ id, level, message, hint }) =>
    hint === undefined ? { id, level, message } : { id, level, message, hint },
  );
  for (const check of checks) {
    if (check.level === 'ok') ctx.log.info(`✔ ${check.message}`);
    else if (check.level === 'warn') ctx.log.warn(`${check.message} Fix: ${check.hint ?? ''}`);
  }
  const errors = checks.filter((c) => c.level === 'error');
  if (errors.length > 0) {
    throw new QmsError(
      `auth: ${errors.length} check${errors.length > 1 ? 's' : ''} failed: ` + errors.map((e) => `[${e.id}] ${e.message}`).join(' '),
      errors.map((e) => `[${e.id}] ${e.hint ?? ''}`).join('\n'),
    );
  }
  const result: AuthResult = { checks, claudeCredentials: claude.sources, ghToken: gh.level === 'ok' ? 'ok' : 'warn' };
  if (docker.apiVersion) result.dockerApiVersion = docker.apiVersion;
  return result;
}

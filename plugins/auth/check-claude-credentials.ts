/**
 * Can Claude Code log in? Any one of: an API key (or OAuth token) in the environment, the
 * host's credentials file, or the container's auth volume from an earlier login. None is a
 * warning, not an error: the first `qms attach` can log in inside the container.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../../tasks/types.js';
import { connectDocker } from '../docker-engine/client.js';
import { ok, warn, type AuthCheck } from './check.js';

export type ClaudeCredentialSource = 'ANTHROPIC_API_KEY' | 'CLAUDE_CODE_OAUTH_TOKEN' | 'host-credentials-file' | 'auth-volume';

export interface ClaudeCredentialsCheck extends AuthCheck {
  sources: ClaudeCredentialSource[];
}

/**
 * Where the host keeps Claude Code's login: `$CLAUDE_CONFIG_DIR/.credentials.json` or
 * `~/.claude/.credentials.json`. Also what the container plugin seeds the auth volume from, so
 * the check and the seeding look at the same file.
 */
export function hostCredentialsFile(env: Env): string {
  const dir = env.CLAUDE_CONFIG_DIR || join(env.HOME || homedir(), '.claude');
  return join(dir, '.credentials.json');
}

async function hostFileUsable(file: string): Promise<boolean> {
  try {
    const text = await readFile(file, 'utf8');
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && Object.keys(parsed).length > 0;
  } catch {
    return false;
  }
}

async function volumeExists(env: Env, volume: string): Promise<boolean> {
  try {
    const docker = await connectDocker(env);
    await docker.getVolume(volume).inspect();
    return true;
  } catch {
    // No engine (reported by the docker check) or no volume yet: either way, no login there.
    return false;
  }
}

export async function checkClaudeCredentials(env: Env, volume: string): Promise<ClaudeCredentialsCheck> {
  const file = hostCredentialsFile(env);
  const [fileOk, volumeOk] = await Promise.all([hostFileUsable(file), volumeExists(env, volume)]);
  const sources: ClaudeCredentialSource[] = [];
  if (env.ANTHROPIC_API_KEY) sources.push('ANTHROPIC_API_KEY');
  if (env.CLAUDE_CODE_OAUTH_TOKEN) sources.push('CLAUDE_CODE_OAUTH_TOKEN');
  if (fileOk) sources.push('host-credentials-file');
  if (volumeOk) sources.push('auth-volume');
  if (sources.length === 0) {
    return {
      ...warn(
        'claude-credentials',
        'No Claude credentials found (no ANTHROPIC_API_KEY, no ' + file + ', no volume ' + volume + ').',
        'Claude Code will ask you to log in on the first `qms attach`; the login is kept in volume ' + volume +
          '. Or put ANTHROPIC_API_KEY=… in .env (keep it out of git, chmod 600).',
      ),
      sources,
    };
  }
  const described = sources.map((s) =>
    s === 'host-credentials-file' ? file : s === 'auth-volume' ? `volume ${volume} (kept from an earlier run; holds the login made there, if any)` : `${s} is set`,
  );
  return { ...ok('claude-credentials', `Claude credentials: ${described.join(', ')}`), sources };
}

/**
 * The Git MCP server's policy: which subcommands may run, which paths are protected, which
 * transports git may use, and which rules are switched off. Defaults follow the seeds' intent
 * (ordinary work passes; the protected submodules and destructive operations do not) with the
 * ways around a regex blocklist closed. Light module: safe to import from a plugin factory.
 */
import { QmsError } from '../../tasks/errors.js';
import type { RuleId } from './refusal.js';

export interface GitPolicy {
  /** Subcommands that may run at all (anything else is refused by `subcommand-allowlist`). */
  allowedSubcommands: readonly string[];
  /** Paths relative to the project root that no argument may name, glob, or cover. */
  protectedPaths: readonly string[];
  /** Transports git may use (`GIT_ALLOW_PROTOCOL`); `ext` and `fd` are never allowed. */
  allowedProtocols: readonly string[];
  /** Repository URLs that may be named on the command line besides the configured remote names. */
  allowedUrls: readonly string[];
  /** Rules switched off (e.g. `['push-force']`); `syntax` cannot be switched off. */
  disabledRules: readonly RuleId[];
  /** Read the invoking user's global git config (`~/.gitconfig`): needed for credential helpers; off by default. */
  trustGlobalConfig: boolean;
  /** Copy `user.name`/`user.email` from the global config into the commit identity even when it is not trusted. */
  inheritIdentity: boolean;
}

export const DEFAULT_ALLOWED_SUBCOMMANDS: readonly string[] = [
  'status', 'log', 'diff', 'show', 'add', 'commit', 'branch', 'switch', 'checkout', 'restore',
  'fetch', 'pull', 'push', 'merge', 'rebase', 'stash', 'tag', 'reset', 'rm', 'mv', 'cherry-pick',
  'revert', 'rev-parse', 'ls-files', 'ls-tree', 'blame', 'remote', 'grep', 'describe', 'shortlog',
  'show-ref', 'merge-base', 'reflog', 'ls-remote', 'cat-file', 'for-each-ref',
];

export const DEFAULT_GIT_POLICY: GitPolicy = {
  allowedSubcommands: DEFAULT_ALLOWED_SUBCOMMANDS,
  protectedPaths: ['flow-state', 'qms-cli'],
  allowedProtocols: ['file', 'https', 'ssh'],
  allowedUrls: [],
  disabledRules: [],
  trustGlobalConfig: false,
  inheritIdentity: true,
};

const FORBIDDEN_PROTOCOLS = new Set(['ext', 'fd']);

function stringList(value: unknown, key: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) {
    throw new QmsError(`git-mcp policy: "${key}" must be a list of non-empty strings`, `Fix "${key}" in the git-mcp policy, e.g. ${JSON.stringify(DEFAULT_GIT_POLICY[key as keyof GitPolicy])}.`);
  }
  return value as string[];
}

function bool(value: unknown, key: string): boolean {
  if (typeof value !== 'boolean') throw new QmsError(`git-mcp policy: "${key}" must be true or false`, `Set "${key}" to true or false in the git-mcp policy.`);
  return value;
}

/** Defaults overlaid by a partial policy, validated; throws QmsError naming the key and the fix. */
export function resolvePolicy(partial: Partial<GitPolicy> | undefined): GitPolicy {
  const p = { ...DEFAULT_GIT_POLICY, ...(partial ?? {}) };
  const known = new Set(Object.keys(DEFAULT_GIT_POLICY));
  for (const key of Object.keys(partial ?? {})) {
    if (!known.has(key)) throw new QmsError(`git-mcp policy: unknown key "${key}"`, `Known keys: ${[...known].join(', ')}.`);
  }
  const protocols = stringList(p.allowedProtocols, 'allowedProtocols');
  const bad = protocols.find((x) => FORBIDDEN_PROTOCOLS.has(x) || !/^[a-z][a-z0-9+.-]*$/.test(x));
  if (bad) throw new QmsError(`git-mcp policy: protocol "${bad}" cannot be allowed`, '`ext` and `fd` run programs or use file descriptors; allow only transports such as file, https, ssh.');
  const protectedPaths = stringList(p.protectedPaths, 'protectedPaths').map((x) => x.replace(/^\.\/+/, '').replace(/\/+$/, ''));
  const badPath = protectedPaths.find((x) => x === '' || x === '.' || x.startsWith('/') || x.split('/').includes('..'));
  if (badPath !== undefined) throw new QmsError(`git-mcp policy: protected path "${badPath}" must be relative to the project root and inside it`, 'Use paths such as "flow-state" or "vendor/lib".');
  const disabled = stringList(p.disabledRules, 'disabledRules') as RuleId[];
  if (disabled.includes('syntax')) throw new QmsError('git-mcp policy: the "syntax" rule cannot be disabled', 'The server never runs a shell; remove "syntax" from disabledRules.');
  return {
    allowedSubcommands: stringList(p.allowedSubcommands, 'allowedSubcommands'),
    protectedPaths,
    allowedProtocols: protocols,
    allowedUrls: stringList(p.allowedUrls, 'allowedUrls'),
    disabledRules: disabled,
    trustGlobalConfig: bool(p.trustGlobalConfig, 'trustGlobalConfig'),
    inheritIdentity: bool(p.inheritIdentity, 'inheritIdentity'),
  };
}

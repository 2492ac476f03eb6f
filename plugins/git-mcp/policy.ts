/**
 * The Git MCP server's policy: a named preset (what the agent's role needs) plus overrides —
 * which subcommands may run, which paths the agent's commits may change, which paths are
 * protected, which transports git may use, and which rules are switched off. The default
 * preset `agent` allows inspection, committing the agent's own folders and pushing the current
 * branch, nothing that rewrites the host's working tree; `maintainer` is the wider set a human
 * maintainer may choose. Light module: safe to import from a plugin factory.
 */
import { QmsError } from '../../tasks/errors.js';
import { IN_PROJECT } from '../container/container-paths.js';
import { ALWAYS_ON, type RuleId } from './refusal.js';

/**
 * `agent`: least privilege for the initiating agent (the default). `reviewer`: inspection and
 * fetch only (what every other agent of a team gets unless configured). `maintainer`: branch,
 * checkout, reset, stash… too.
 */
export type GitPreset = 'agent' | 'reviewer' | 'maintainer';
export const GIT_PRESETS: readonly GitPreset[] = ['agent', 'reviewer', 'maintainer'];

export interface GitPolicy {
  preset: GitPreset;
  /** Subcommands that may run at all (anything else is refused by `subcommand-allowlist`). */
  allowedSubcommands: readonly string[];
  /** Paths relative to the project root that no argument may name, glob, or cover. */
  protectedPaths: readonly string[];
  /**
   * Paths (relative to the root, `.` for all) whose changes `add` may stage and `commit` may
   * record: every path git resolves a pathspec to is judged against this list.
   */
  writablePaths: readonly string[];
  /** Transports git may use (`GIT_ALLOW_PROTOCOL`); `ext` and `fd` are never allowed. */
  allowedProtocols: readonly string[];
  /** Repository URLs that may be named on the command line besides the configured remote names. */
  allowedUrls: readonly string[];
  /** Rules switched off (e.g. `['push-force']`); the host's own guards (`ALWAYS_ON`) cannot be. */
  disabledRules: readonly RuleId[];
  /** Read the invoking user's global git config (`~/.gitconfig`): needed for credential helpers; off by default. */
  trustGlobalConfig: boolean;
  /** Copy `user.name`/`user.email` from the global config into the commit identity even when it is not trusted. */
  inheritIdentity: boolean;
}

/** Subcommands that only read the repository (their effect is output). */
export const READ_ONLY_SUBCOMMANDS: readonly string[] = [
  'status', 'log', 'diff', 'show', 'branch', 'tag', 'ls-files', 'ls-tree', 'rev-parse', 'blame', 'grep',
  'describe', 'shortlog', 'show-ref', 'merge-base', 'cat-file', 'for-each-ref', 'remote', 'reflog', 'ls-remote',
];

const PRESET_SUBCOMMANDS: Record<GitPreset, readonly string[]> = {
  // branch, tag, remote and reflog are limited to their listing forms in this preset (agent-forms.ts).
  agent: [...READ_ONLY_SUBCOMMANDS, 'add', 'commit', 'push', 'fetch', 'pull'],
  reviewer: [...READ_ONLY_SUBCOMMANDS, 'fetch'],
  maintainer: [
    ...READ_ONLY_SUBCOMMANDS, 'add', 'commit', 'push', 'fetch', 'pull', 'switch', 'checkout', 'restore',
    'merge', 'rebase', 'stash', 'reset', 'rm', 'mv', 'cherry-pick', 'revert',
  ],
};

/**
 * The folders the agent can write (its own workspace, with `{agent}` replaced by the name the
 * credential gives, and the sessions) and `QMS/`, where qms-cli writes for it.
 */
export const AGENT_WRITABLE_PATHS: readonly string[] = [IN_PROJECT.sessions, IN_PROJECT.workspace('{agent}'), IN_PROJECT.qmsDocs];
const PRESET_WRITABLE: Record<GitPreset, readonly string[]> = { agent: AGENT_WRITABLE_PATHS, reviewer: [], maintainer: ['.'] };

/** The policy of a preset before overrides. */
export function presetPolicy(preset: GitPreset): GitPolicy {
  return {
    preset,
    allowedSubcommands: PRESET_SUBCOMMANDS[preset],
    protectedPaths: ['flow-state', 'qms-cli'],
    writablePaths: PRESET_WRITABLE[preset],
    allowedProtocols: ['file', 'https', 'ssh'],
    allowedUrls: [],
    disabledRules: [],
    trustGlobalConfig: false,
    inheritIdentity: true,
  };
}

export const DEFAULT_GIT_POLICY: GitPolicy = presetPolicy('agent');

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

/** `gitMcp({ policy })`: the initiator's policy, and per-agent overrides under `agents`. */
export interface GitPolicyConfig extends Partial<GitPolicy> {
  /** Per agent (QMS user) policy; an agent not listed gets the `reviewer` preset unless it is the initiator. */
  agents?: Readonly<Record<string, Partial<GitPolicy>>>;
}

/**
 * The policy for the agent a credential names: its own entry under `agents` (over the shared
 * keys), else the shared policy for the initiator and the `reviewer` preset for everyone else.
 * `{agent}` in writablePaths becomes the agent's name.
 */
export function policyForAgent(config: GitPolicyConfig | undefined, agent: string, initiator: string): GitPolicy {
  const { agents, ...shared } = config ?? {};
  if (agents !== undefined && (typeof agents !== 'object' || agents === null || Array.isArray(agents))) {
    throw new QmsError('git-mcp policy: "agents" must map agent names to policies', 'e.g. { "agents": { "qa": { "preset": "reviewer" } } }');
  }
  const own = agents?.[agent];
  const policy = resolvePolicy(own !== undefined ? { ...shared, ...own } : agent === initiator ? shared : { ...shared, preset: 'reviewer', writablePaths: [] });
  return { ...policy, writablePaths: policy.writablePaths.map((p) => p.split('{agent}').join(agent)) };
}

/** Checks a whole policy config now (the shared part and every agent's), so a typo fails at start. */
export function validatePolicyConfig(config: GitPolicyConfig | undefined, initiator: string): void {
  policyForAgent(config, initiator, initiator);
  for (const agent of Object.keys(config?.agents ?? {})) policyForAgent(config, agent, initiator);
}

/** A list of project-relative paths, normalised (`./x/` → `x`; the root is `.`). */
function relativePaths(value: unknown, key: string): string[] {
  const paths = stringList(value, key).map((x) => x.replace(/^(\.\/+)+/, '').replace(/\/+$/, '') || '.');
  const bad = paths.find((x) => x.startsWith('/') || x.split('/').includes('..'));
  if (bad !== undefined) throw new QmsError(`git-mcp policy: "${key}" entry "${bad}" must be relative to the project root and inside it`, 'Use paths such as "flow-state" or ".claude/sessions".');
  return paths;
}

/** Defaults overlaid by a partial policy, validated; throws QmsError naming the key and the fix. */
export function resolvePolicy(partial: Partial<GitPolicy> | undefined): GitPolicy {
  const preset = partial?.preset ?? 'agent';
  if (!GIT_PRESETS.includes(preset)) throw new QmsError(`git-mcp policy: unknown preset ${JSON.stringify(preset)}`, `Use one of: ${GIT_PRESETS.join(', ')} (default agent).`);
  const p = { ...presetPolicy(preset), ...(partial ?? {}) };
  const known = new Set(Object.keys(DEFAULT_GIT_POLICY));
  for (const key of Object.keys(partial ?? {})) {
    if (!known.has(key)) throw new QmsError(`git-mcp policy: unknown key "${key}"`, `Known keys: ${[...known].join(', ')}.`);
  }
  const protocols = stringList(p.allowedProtocols, 'allowedProtocols');
  const bad = protocols.find((x) => FORBIDDEN_PROTOCOLS.has(x) || !/^[a-z][a-z0-9+.-]*$/.test(x));
  if (bad) throw new QmsError(`git-mcp policy: protocol "${bad}" cannot be allowed`, '`ext` and `fd` run programs or use file descriptors; allow only transports such as file, https, ssh.');
  const protectedPaths = relativePaths(p.protectedPaths, 'protectedPaths');
  if (protectedPaths.includes('.')) throw new QmsError('git-mcp policy: "." cannot be a protected path', 'Name folders such as "flow-state" or "vendor/lib".');
  const writablePaths = relativePaths(p.writablePaths, 'writablePaths');
  const disabled = stringList(p.disabledRules, 'disabledRules') as RuleId[];
  const locked = disabled.find((r) => ALWAYS_ON.includes(r));
  if (locked !== undefined) throw new QmsError(`git-mcp policy: the "${locked}" rule cannot be disabled`, `It keeps the host safe (no shell, no secrets, nothing the agent planted runs); remove "${locked}" from disabledRules.`);
  return {
    preset,
    allowedSubcommands: stringList(p.allowedSubcommands, 'allowedSubcommands'),
    protectedPaths,
    writablePaths,
    allowedProtocols: protocols,
    allowedUrls: stringList(p.allowedUrls, 'allowedUrls'),
    disabledRules: disabled,
    trustGlobalConfig: bool(p.trustGlobalConfig, 'trustGlobalConfig'),
    inheritIdentity: bool(p.inheritIdentity, 'inheritIdentity'),
  };
}

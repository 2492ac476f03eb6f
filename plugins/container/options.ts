/**
 * Options of the container plugin: their types, defaults and eager validation (a wrong type
 * is a ConfigError naming the option), so a typo fails when the config loads.
 */
import { ConfigError } from '../../tasks/errors.js';
import { resolveNetworkPolicy, type NetworkOption, type NetworkPolicy } from './egress/network-policy.js';

export interface ContainerLimits {
  /** CPUs (fractional allowed). Default 4 (clamped to the engine's CPU count). */
  cpus?: number;
  /** Memory as bytes or `512m`, `8g`… Default `8g`. */
  memory?: number | string;
  /** Max processes. Default 1000. */
  pids?: number;
  /** Open files. Default soft 1024, hard 2048. */
  nofile?: { soft: number; hard: number };
}

export interface ContainerOptions {
  /** Image tag used when the image task returns nothing. Default `qms-agent:latest`. */
  image?: string;
  /** Task that builds the image (its result `{ tag, id }` wins over `image`). Default `build`. */
  imageTask?: string;
  /** Tasks whose results are McpEndpoints, wired into the container. Default `['mcp:qms', 'mcp:git']`. */
  mcpServers?: readonly string[];
  /** Extra dependencies, e.g. `['session', 'auth']`. */
  after?: readonly string[];
  /** Extra dependencies of the `attach` task, e.g. `['verify']` so Claude Code only starts in a verified container. Default none. */
  attachAfter?: readonly string[];
  limits?: ContainerLimits;
  /** Capabilities added back after dropping all. Default none. */
  capAdd?: readonly string[];
  /** Host SSH folder mounted read-only at `/.ssh`; `false` for none. Default `~/.ssh` (if it exists). */
  sshDir?: string | false;
  /** `MCP_TIMEOUT` for Claude Code inside, in ms. Default 30000. */
  mcpTimeoutMs?: number;
  /** Extra environment variables (not secrets: they are visible in `docker inspect`). */
  env?: Readonly<Record<string, string>>;
  /** uid:gid the agent runs as. Default: the host user's, 1000:1000 when that is root. */
  user?: { uid: number; gid: number };
  /** Seconds to wait for the entrypoint's set-up after a start. Default 120. */
  readyTimeoutSec?: number;
  /**
   * The agents' egress: default-deny through the project's egress proxy, which allows what Claude
   * Code needs plus `allow` (`['github.com', '*.npmjs.org', 'example.com:8443']`); `'open'` turns
   * the policy off (and the evidence says so).
   */
  network?: NetworkOption;
}

export interface ResolvedContainerOptions {
  /** The agent (`qms-<project>-<agent>`, `.claude/users/<agent>/workspace`). */
  agent: string;
  image: string;
  imageTask: string;
  mcpServers: readonly string[];
  after: readonly string[];
  attachAfter: readonly string[];
  limits: { cpus: number; memory: number; pids: number; nofile: { soft: number; hard: number } };
  capAdd: readonly string[];
  /** `undefined` = default `~/.ssh` mounted only if it exists. */
  sshDir: string | false | undefined;
  mcpTimeoutMs: number;
  env: Readonly<Record<string, string>>;
  user: { uid: number; gid: number };
  readyTimeoutSec: number;
  network: NetworkPolicy;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function fail(key: string, message: string, hint: string): never {
  throw new ConfigError(`container(): option \`${key}\` ${message}`, hint, undefined, key);
}

/** `8g` → bytes. */
export function parseMemory(value: number | string, key = 'limits.memory'): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.floor(value);
  const m = typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*([kmgt]?)b?$/i.exec(value.trim()) : null;
  if (!m) fail(key, `must be bytes or a size like '512m' or '8g', got ${JSON.stringify(value)}`, "Write e.g. limits: { memory: '8g' }.");
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.floor(Number(m[1]) * unit);
}

function positive(value: unknown, key: string, integer: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    fail(key, `must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(value)}`, `Fix \`${key}\` in qms.config.ts.`);
  }
  return value;
}

function names(value: unknown, key: string): readonly string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) {
    fail(key, `must be an array of non-empty strings, got ${JSON.stringify(value)}`, `Fix \`${key}\` in qms.config.ts.`);
  }
  return value as string[];
}

/**
 * The host user's uid/gid, or 1000:1000 when running as root (the agent never runs as root).
 * The docker-image plugin builds the image's agent user with the same ids.
 */
export function defaultAgentUser(): { uid: number; gid: number } {
  const uid = process.getuid?.() ?? 1000;
  const gid = process.getgid?.() ?? 1000;
  return uid === 0 ? { uid: 1000, gid: 1000 } : { uid, gid: gid === 0 ? 1000 : gid };
}

/**
 * `agent`: which agent these options are for (default `claude`); the plugin resolves once and
 * sets it per agent of the roster. Not a `container()` option (the roster names the agents).
 */
export function resolveOptions(options: ContainerOptions & { agent?: string } = {}): ResolvedContainerOptions {
  if (typeof options !== 'object' || options === null) fail('(options)', 'must be an object', 'Call container({ … }) or container().');
  const agent = options.agent ?? 'claude';
  if (typeof agent !== 'string' || !NAME.test(agent)) {
    fail('agent', `must be a name of letters, digits, '.', '_' or '-', got ${JSON.stringify(agent)}`, "E.g. defineConfig({ agents: ['claude'] }).");
  }
  for (const key of ['image', 'imageTask'] as const) {
    const v = options[key];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0)) fail(key, `must be a non-empty string, got ${JSON.stringify(v)}`, `Fix \`${key}\` in qms.config.ts.`);
  }
  const limits = options.limits ?? {};
  if (typeof limits !== 'object' || limits === null) fail('limits', 'must be an object', 'E.g. limits: { cpus: 2 }.');
  const nofile = limits.nofile ?? { soft: 1024, hard: 2048 };
  const soft = positive(nofile.soft, 'limits.nofile.soft', true);
  const hard = positive(nofile.hard, 'limits.nofile.hard', true);
  if (soft > hard) fail('limits.nofile', `soft (${soft}) must not exceed hard (${hard})`, 'Raise hard or lower soft.');
  const sshDir = options.sshDir;
  if (sshDir !== undefined && sshDir !== false && (typeof sshDir !== 'string' || sshDir.length === 0)) {
    fail('sshDir', `must be a path or false, got ${JSON.stringify(sshDir)}`, "E.g. sshDir: '~/.ssh' or sshDir: false.");
  }
  const env = options.env ?? {};
  if (typeof env !== 'object' || env === null || !Object.values(env).every((v) => typeof v === 'string')) {
    fail('env', 'must be an object of string values', "E.g. env: { FOO: 'bar' }.");
  }
  for (const k of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) fail('env', `has an invalid variable name ${JSON.stringify(k)}`, 'Use letters, digits and _.');
  }
  const user = options.user ?? defaultAgentUser();
  positive(user.uid, 'user.uid', true);
  positive(user.gid, 'user.gid', true);
  return {
    agent,
    image: options.image ?? 'qms-agent:latest',
    imageTask: options.imageTask ?? 'build',
    mcpServers: options.mcpServers === undefined ? ['mcp:qms', 'mcp:git'] : names(options.mcpServers, 'mcpServers'),
    after: options.after === undefined ? [] : names(options.after, 'after'),
    attachAfter: options.attachAfter === undefined ? [] : names(options.attachAfter, 'attachAfter'),
    limits: {
      cpus: positive(limits.cpus ?? 4, 'limits.cpus', false),
      memory: parseMemory(limits.memory ?? '8g'),
      pids: positive(limits.pids ?? 1000, 'limits.pids', true),
      nofile: { soft, hard },
    },
    capAdd: options.capAdd === undefined ? [] : names(options.capAdd, 'capAdd').map((c) => c.toUpperCase().replace(/^CAP_/, '')),
    sshDir,
    mcpTimeoutMs: positive(options.mcpTimeoutMs ?? 30_000, 'mcpTimeoutMs', true),
    env,
    user,
    readyTimeoutSec: positive(options.readyTimeoutSec ?? 120, 'readyTimeoutSec', false),
    network: resolveNetworkPolicy(options.network),
  };
}

/**
 * The container's definition as dockerode create options, and its config hash: everything
 * that defines the container (image id, mounts — the access table's, masked secret files
 * included — env, limits, security, the overlays' content hash) hashed into the
 * `qms.config-hash` label, so a change means recreate (a new `.env*` file too). Secrets are
 * only ever in the overlay files; the label holds a hash.
 */
import { createHash } from 'node:crypto';
import type { ContainerCreateOptions, MountSettings } from 'dockerode';
import { accessTable, mountsOf } from './access-table.js';
import { CONTAINER_ROOT, IN_CONTAINER, IN_PROJECT, inContainer } from './container-paths.js';
import type { ResolvedContainerOptions } from './options.js';
import type { Overlays } from './overlays.js';
import { LABEL, configVolumeName, containerName } from './names.js';
import { EGRESS, proxyUrl } from './egress/egress-files.js';

/**
 * With default-deny egress no outside name resolves in the agent's container (the engine's DNS
 * does not answer them on an internal network), and glibc's default 5 s × 2 tries × A and AAAA
 * made a tool that ignores HTTPS_PROXY hang ~20 s before failing; this makes it ~1–2 s. The
 * container's own names (the proxy, host.docker.internal) answer at once as before.
 */
const DENY_DNS_OPTIONS = ['timeout:1', 'attempts:1'] as const;
/** Environment passed through from the host (.env) when set: identity, not secrets. */
const PASS_THROUGH = ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL'];

export interface SpecInput {
  project: string;
  root: string;
  opts: ResolvedContainerOptions;
  image: string;
  imageId: string;
  overlays: Overlays;
  /** Which host files exist, so their overlays can be mounted over them. */
  shadow: { mcpJson: boolean; settingsLocal: boolean };
  sshDir: string | undefined;
  /** Project-relative host secret files (`.env*`) masked in the container. */
  secretFiles: readonly string[];
  /** The agent's definition mounted over `CLAUDE.md` (agentRoleFile), if any. */
  roleFile?: string | undefined;
  hostEnv: Readonly<Record<string, string>>;
  /** Default-deny egress: the agents' network (the egress proxy's); absent for `network: 'open'`. */
  egress?: { network: string } | undefined;
}

export interface ContainerSpec {
  name: string;
  volume: string;
  hash: string;
  create: ContainerCreateOptions;
}

export function containerMounts(input: SpecInput): MountSettings[] {
  return mountsOf(accessTable({ root: input.root, project: input.project, agent: input.opts.agent, shadow: input.shadow, sshDir: input.sshDir, secretFiles: input.secretFiles, roleFile: input.roleFile }));
}

export function containerEnv(input: SpecInput): string[] {
  const { opts } = input;
  const env: Record<string, string> = {
    HOME: '/',
    CLAUDE_CONFIG_DIR: IN_CONTAINER.claudeConfig,
    MCP_TIMEOUT: String(opts.mcpTimeoutMs),
    QMS_AGENT: opts.agent,
    QMS_WORKSPACE: inContainer(IN_PROJECT.workspace(opts.agent)),
  };
  for (const key of PASS_THROUGH) {
    const v = input.hostEnv[key];
    if (v) env[key] = v;
  }
  if (input.egress) {
    // Every tool that honours the proxy variables goes through the egress proxy; the MCP servers are reached directly.
    const noProxy = [EGRESS.hostAlias, 'localhost', '127.0.0.1'].join(',');
    Object.assign(env, { HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl, https_proxy: proxyUrl, http_proxy: proxyUrl, NO_PROXY: noProxy, no_proxy: noProxy });
  }
  Object.assign(env, opts.env);
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

/** `cpus` is the effective CPU count (the option clamped to what the engine has). */
export function containerSpec(input: SpecInput, cpus: number): ContainerSpec {
  const { opts } = input;
  const name = containerName(input.project, opts.agent);
  const mounts = containerMounts(input);
  const env = containerEnv(input);
  const healthcheck = {
    Test: ['CMD', '/usr/local/bin/qms-healthcheck'],
    Interval: 60e9,
    Timeout: 10e9,
    Retries: 3,
    StartPeriod: 10e9,
  };
  const definition = {
    image: input.image,
    imageId: input.imageId,
    mounts,
    env,
    limits: opts.limits,
    capAdd: opts.capAdd,
    user: opts.user,
    overlays: input.overlays.hash,
    healthcheck,
    network: input.egress?.network ?? 'open',
    dns: input.egress ? DENY_DNS_OPTIONS : [],
    version: 2,
  };
  const hash = createHash('sha256').update(JSON.stringify(definition)).digest('hex').slice(0, 32);
  const create: ContainerCreateOptions = {
    name,
    Image: input.imageId,
    Cmd: ['qms-idle'],
    User: `${opts.user.uid}:${opts.user.gid}`,
    WorkingDir: CONTAINER_ROOT,
    Env: env,
    Labels: {
      [LABEL.project]: input.project,
      [LABEL.root]: input.root,
      [LABEL.agent]: opts.agent,
      [LABEL.hash]: hash,
      'qms.image': input.image,
      [LABEL.network]: input.egress ? 'deny' : 'open',
    },
    Healthcheck: healthcheck,
    HostConfig: {
      Mounts: mounts,
      // Default-deny: only the agents' network, where host.docker.internal is the egress proxy.
      ...(input.egress ? { NetworkMode: input.egress.network, DnsOptions: [...DENY_DNS_OPTIONS] } : { ExtraHosts: [`${EGRESS.hostAlias}:host-gateway`] }),
      Init: true,
      Privileged: false,
      SecurityOpt: ['no-new-privileges'],
      CapDrop: ['ALL'],
      CapAdd: [...opts.capAdd],
      NanoCpus: Math.round(cpus * 1e9),
      Memory: opts.limits.memory,
      PidsLimit: opts.limits.pids,
      Ulimits: [{ Name: 'nofile', Soft: opts.limits.nofile.soft, Hard: opts.limits.nofile.hard }],
      RestartPolicy: { Name: 'no' },
    },
  };
  return { name, volume: configVolumeName(input.project, opts.agent), hash, create };
}

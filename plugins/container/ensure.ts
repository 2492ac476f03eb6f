/**
 * Ensure one container per agent for the project (seed 004's ensure_container, made
 * idempotent by the config-hash label): reuse it when it runs with the same hash, start it
 * when stopped, recreate it when the hash differs (or on force). A container created by this
 * call is removed again if starting it fails, and the caller can register it for teardown.
 */
import type Docker from 'dockerode';
import { readFile } from 'node:fs/promises';
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { connectDocker } from '../docker-engine/client.js';
import type { PluginContext } from '../../tasks/types.js';
import { ConfigError, QmsError } from '../../tasks/errors.js';
import { hostCredentialsFile } from '../auth/check-claude-credentials.js';
import { ensureQmsDir } from '../../tasks/state/qms-dir.js';
import { effectiveCpus } from './engine-cpus.js';
import { agentPaths, agentRoleFile, checkAgentCanEnter, ensureAgentDir, exists, resolveSshDir } from './host-paths.js';
import { IN_PROJECT } from './container-paths.js';
import { CONTAINER_STATE_KIND, containerName, egressNames, LABEL, stateId } from './names.js';
import type { ResolvedContainerOptions } from './options.js';
import { writeOverlays } from './overlays.js';
import { findSecretFiles } from './secret-files.js';
import { containerSpec, type ContainerSpec } from './spec.js';
import { waitReady } from './wait-ready.js';
import { ensureEgress, type EgressResult } from './egress/egress-container.js';

export interface ContainerResult {
  id: string;
  name: string;
  agent: string;
  image: string;
  imageId: string;
  /** True when this call created the container. */
  created: boolean;
}

export type EnsureAction = 'reused' | 'started' | 'created' | 'recreated';

export interface EnsureOutcome {
  result: ContainerResult;
  action: EnsureAction;
}

export interface EnsureInput {
  opts: ResolvedContainerOptions;
  endpoints: readonly McpEndpoint[];
  /** Image tag (the image task's result, else the option). */
  image: string;
  force: boolean;
  /** Called right after this call created a container (register its teardown). */
  onCreated?: (docker: Docker, id: string, name: string) => void;
  /** Called when this call created the agent's auth volume (nothing can be in it yet). */
  onVolumeCreated?: (name: string, remove: () => Promise<void>) => void;
  /** Called for each part of the egress proxy (network, container) this call created. */
  onEgressCreated?: (what: string, remove: () => Promise<void>) => void;
}

async function inspectImage(docker: Docker, image: string): Promise<string> {
  try {
    return (await docker.getImage(image).inspect()).Id;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) {
      throw new QmsError(`The agent image ${image} does not exist.`, 'Build it with `qms task build` (or `qms up`), or set container({ image }).');
    }
    throw err;
  }
}

async function inspectContainer(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await docker.getContainer(name).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

/** The host's Claude Code login, if any, to seed the auth volume. */
async function hostClaudeCredentials(env: PluginContext['env']): Promise<string | undefined> {
  const text = await readFile(hostCredentialsFile(env), 'utf8').catch(() => undefined);
  return text?.trim() ? text : undefined;
}

/** Default-deny egress: the project's egress proxy and the agents' network (shared by all agents); the proxy may still be starting. */
async function ensureEgressFor(ctx: PluginContext, docker: Docker, input: EnsureInput, imageId: string): Promise<EgressResult | undefined> {
  const policy = input.opts.network;
  if (policy.mode === 'open') return undefined;
  const egress = await ensureEgress(ctx, docker, { agent: input.opts.agent, rules: policy.allow, imageId, image: input.image, endpoints: input.endpoints, user: input.opts.user, ...(input.onEgressCreated ? { onCreated: input.onEgressCreated } : {}) });
  if (egress.action !== 'reused') void egress.ready.then(() => ctx.log.info(`egress proxy ${egress.proxy} ${egress.action} (${policy.allow.length} allowed hosts)`), () => undefined);
  return egress;
}

/** Host folders, overlays, the egress proxy (default-deny, maybe still starting) and the spec; the agent's container is not touched. */
async function prepareSpec(ctx: PluginContext, docker: Docker, input: EnsureInput): Promise<{ spec: ContainerSpec; egress: EgressResult | undefined }> {
  const { opts } = input;
  const paths = agentPaths(ctx.root, opts.agent);
  await checkAgentCanEnter(ctx.root, opts.user);
  const [imageId, sshDir, secretFiles, role] = await Promise.all([inspectImage(docker, input.image), resolveSshDir(opts.sshDir), findSecretFiles(ctx.root), agentRoleFile(ctx.root, opts.agent)]);
  if (role.missing) ctx.log.warn(`${opts.agent}'s role (${IN_PROJECT.agentDefinition(opts.agent)}) is not mounted: the project has no ${role.missing} to mount it over; create one (it may be empty) and run \`qms up ${opts.agent}\``);
  await ensureQmsDir(ctx.root);
  await ensureAgentDir(paths.workspace, opts.user);
  await ensureAgentDir(paths.sessions, opts.user);
  const egress = await ensureEgressFor(ctx, docker, input, imageId);
  const ghToken = ctx.env.GH_TOKEN || undefined;
  if (ghToken) ctx.addSecret(ghToken);
  for (const ep of input.endpoints) ctx.addSecret(ep.token);
  const [overlays, mcpJson, settingsLocal] = await Promise.all([
    hostClaudeCredentials(ctx.env).then((credentials) => writeOverlays(paths.overlayDir, input.endpoints, ghToken, opts.user, credentials)),
    exists(paths.hostMcpJson),
    exists(paths.hostSettingsLocal),
  ]).catch(async (err: unknown) => {
    await settleEgress(egress);
    throw err;
  });
  const spec = containerSpec(
    { project: ctx.config.name, root: ctx.root, opts, image: input.image, imageId, overlays, shadow: { mcpJson, settingsLocal }, sshDir, secretFiles, roleFile: role.file, hostEnv: ctx.env, egress: egress && { network: egress.network } },
    opts.limits.cpus,
  );
  return { spec, egress };
}

/** Creates and starts the agent's container; `discard` removes it again, with its config volume when this call made that. */
async function createAndStart(ctx: PluginContext, docker: Docker, spec: ContainerSpec, input: EnsureInput): Promise<{ id: string; discard: () => Promise<void> }> {
  const { opts } = input;
  const volume = docker.getVolume(spec.volume);
  const hasVolume = await volume.inspect().then(
    () => true,
    () => false,
  );
  const removeVolume = (): Promise<void> =>
    volume.remove().catch((err: unknown) => {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    });
  if (!hasVolume) {
    await docker.createVolume({ Name: spec.volume, Labels: { [LABEL.project]: ctx.config.name, [LABEL.root]: ctx.root, [LABEL.agent]: opts.agent } });
    input.onVolumeCreated?.(spec.volume, removeVolume);
  }
  const cpus = await effectiveCpus(docker, ctx.env, opts.limits.cpus);
  if (cpus < opts.limits.cpus) ctx.log.info(`limits.cpus ${opts.limits.cpus} is more than the engine's ${cpus} CPUs: using ${cpus}`);
  const create = { ...spec.create, HostConfig: { ...spec.create.HostConfig, NanoCpus: Math.round(cpus * 1e9) } };
  const container = await docker.createContainer(create);
  input.onCreated?.(docker, container.id, spec.name);
  const discard = async (): Promise<void> => {
    await container.remove({ force: true }).catch(() => undefined);
    if (!hasVolume) await removeVolume().catch(() => undefined);
  };
  try {
    await container.start();
    await waitReady(docker, container.id, opts.readyTimeoutSec * 1000, ctx.signal);
  } catch (err) {
    // Nothing half-started: the container this call created goes again.
    await container.remove({ force: true }).catch(() => undefined);
    throw err;
  }
  return { id: container.id, discard };
}

/**
 * Waits for the egress proxy this call may be starting; when it failed (and is gone), the
 * networks this call created go too. `rethrow`: its failure is this call's.
 */
async function settleEgress(egress: EgressResult | undefined, { rethrow = false } = {}): Promise<void> {
  if (!egress) return;
  try {
    await egress.ready;
  } catch (err) {
    await egress.undo();
    if (rethrow) throw err;
  }
}

export async function ensureContainer(ctx: PluginContext, input: EnsureInput): Promise<EnsureOutcome> {
  const { opts } = input;
  const proxy = egressNames(ctx.config.name).proxy;
  if (containerName(ctx.config.name, opts.agent) === proxy) {
    throw new ConfigError(`The agent name "${opts.agent}" is taken: ${proxy} is the project's egress proxy.`, 'Give the agent another name in defineConfig({ agents: [...] }).');
  }
  const docker = await connectDocker(ctx.env);
  return ctx.state.withLock(stateId(opts.agent), async () => {
    // Looked at while the spec is made (the lock keeps other runs off it); nothing is touched before the spec is there.
    const current = inspectContainer(docker, containerName(ctx.config.name, opts.agent));
    current.catch(() => undefined); // awaited below, unless the spec fails first
    const { spec, egress } = await prepareSpec(ctx, docker, input);
    const existing = await current.catch(async (err: unknown) => {
      await settleEgress(egress);
      throw err;
    });
    if (existing && existing.Config.Labels?.[LABEL.root] !== ctx.root) {
      await settleEgress(egress);
      throw new QmsError(
        `A container named ${spec.name} exists but does not belong to this project (${existing.Config.Labels?.[LABEL.root] ?? 'not managed by qms'}).`,
        `Remove it (\`docker rm -f ${spec.name}\`) or give this project another name in qms.config.ts.`,
      );
    }
    // A new agent container starts while a new egress proxy does (the two starts overlap); an
    // existing one is touched only once the proxy answers, as before.
    if (existing) await settleEgress(egress, { rethrow: true });
    let action: EnsureAction;
    let id: string;
    if (existing && !input.force && existing.Config.Labels?.[LABEL.hash] === spec.hash) {
      id = existing.Id;
      if (existing.State.Running) {
        action = 'reused';
      } else {
        await docker.getContainer(id).start();
        await waitReady(docker, id, opts.readyTimeoutSec * 1000, ctx.signal);
        action = 'started';
      }
    } else {
      if (existing) {
        ctx.log.info(`recreating ${spec.name} (${input.force ? 'forced' : 'configuration changed'})`);
        await docker.getContainer(existing.Id).remove({ force: true });
      }
      if (existing) {
        ({ id } = await createAndStart(ctx, docker, spec, input));
      } else {
        const made = await createAndStart(ctx, docker, spec, input).catch(async (err: unknown) => {
          await settleEgress(egress);
          throw err;
        });
        await egress?.ready.catch(async (err: unknown) => {
          // Nothing half-started: the proxy is gone; so go the agent's container, its volume and the networks.
          await made.discard();
          await egress.undo();
          throw err;
        });
        id = made.id;
      }
      action = existing ? 'recreated' : 'created';
    }
    const imageId = String(spec.create.Image);
    await ctx.state.put({
      id: stateId(opts.agent),
      kind: CONTAINER_STATE_KIND,
      plugin: 'container',
      createdAt: existing && action !== 'recreated' ? existing.Created : new Date().toISOString(),
      data: { containerId: id, name: spec.name, agent: opts.agent, image: input.image, imageId, configHash: spec.hash },
    });
    return { action, result: { id, name: spec.name, agent: opts.agent, image: input.image, imageId, created: action === 'created' || action === 'recreated' } };
  });
}

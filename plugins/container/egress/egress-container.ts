/**
 * The project's egress proxy, brought up before an agent when the policy is default-deny: the
 * agent's own network (internal, and the host has no address on it: no route out, not even to
 * the host or another agent), a network of the proxy's own with a way out, and the proxy
 * container on all of them, reachable from each agent as `qms-egress` (the proxy) and
 * `host.docker.internal` (the MCP servers' ports only). Idempotent by a config-hash label, like
 * the agents' containers; what this call created is removed again when the proxy does not come
 * up, so nothing is left half-started.
 */
import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { chown, mkdir, readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { dockerBridgeAddress } from '../../mcp-server/bridge-address.js';
import { QmsError } from '../../../tasks/errors.js';
import type { PluginContext } from '../../../tasks/types.js';
import { ensureQmsDir } from '../../../tasks/state/qms-dir.js';
import type { McpEndpoint } from '../../mcp-server/endpoint.js';
import { EGRESS_ROLE, LABEL, containerName, egressNames } from '../names.js';
import { EGRESS, egressLogDir, hostAddressesFile, proxyScript } from './egress-files.js';
import { atomicWrite } from '../../../tasks/state/atomic-write.js';
import type { AllowRule } from './network-policy.js';

export const ROLE_LABEL = 'qms.role';

export interface EgressInput {
  /** The agent about to start: its network is made (and joined by the proxy) if missing. */
  agent: string;
  rules: readonly AllowRule[];
  /** The agent image (it has Node): the proxy runs the same image, with its own entrypoint. */
  imageId: string;
  /** Its name, for messages. */
  image: string;
  endpoints: readonly McpEndpoint[];
  user: { uid: number; gid: number };
  /** Called for each network or container this call created (register its teardown). */
  onCreated?: (what: string, remove: () => Promise<void>) => void;
}

export interface EgressResult {
  proxy: string;
  /** The network the agent joins (and only it). */
  network: string;
  action: 'reused' | 'created' | 'recreated';
  /**
   * Settles when the proxy answers: at once when reused; a new proxy starts while the caller
   * starts its agent (the two starts overlap). On a rejection the proxy is gone already; `undo`
   * then removes the networks this call created, once the caller's container is off them.
   */
  ready: Promise<void>;
  undo(): Promise<void>;
}

const notFound = (err: unknown): boolean => (err as { statusCode?: number }).statusCode === 404;
const gone = (err: unknown): boolean => [304, 404, 409].includes((err as { statusCode?: number }).statusCode ?? 0);

/** The MCP servers' ports the agents reach at `host.docker.internal` (other endpoints go through the proxy's allowlist). */
export function forwardedPorts(endpoints: readonly McpEndpoint[]): number[] {
  const ports = new Set<number>();
  for (const ep of endpoints) {
    const url = new URL(ep.containerUrl);
    if (url.hostname === EGRESS.hostAlias) ports.add(Number(url.port || 80));
  }
  if (ports.has(EGRESS.port)) throw new QmsError(`An MCP server listens on port ${EGRESS.port}, the egress proxy's port.`, 'Give the MCP server another port (qmsMcp({ port }) / gitMcp({ port })).');
  return [...ports].sort((a, b) => a - b);
}

function labels(ctx: PluginContext): Record<string, string> {
  return { [LABEL.project]: ctx.config.name, [LABEL.root]: ctx.root, [ROLE_LABEL]: EGRESS_ROLE };
}

/** Label filter of the project's egress networks and proxy (an agent's network also carries `qms.agent`). */
const egressFilter = (root: string, agent?: string): { label: string[] } => ({ label: [`${LABEL.root}=${root}`, `${ROLE_LABEL}=${EGRESS_ROLE}`, ...(agent ? [`${LABEL.agent}=${agent}`] : [])] });

/** Joins the proxy to an agent's network under its two aliases, unless it is there already. */
async function joinNetwork(docker: Docker, proxyId: string, joined: readonly string[], network: string): Promise<void> {
  if (joined.includes(network)) return;
  await docker.getNetwork(network).connect({ Container: proxyId, EndpointConfig: { Aliases: [EGRESS.alias, EGRESS.hostAlias] } });
}

/** What the engine says of a network (the parts read here). */
interface NetworkInfo {
  Internal?: boolean;
  Labels?: Record<string, string>;
  IPAM?: { Config?: Array<{ Gateway?: string; Subnet?: string }> };
}

const inspectNetwork = async (docker: Docker, name: string): Promise<NetworkInfo> => (await docker.getNetwork(name).inspect()) as NetworkInfo;

/**
 * Creates the network unless this project's exists; `created` when this call made it, and
 * what the engine says of it (inspected once: its gateways and subnets are read from it too).
 * `agent`: an agent's (internal) network.
 */
async function ensureNetwork(ctx: PluginContext, docker: Docker, name: string, agent: string | undefined, input: EgressInput): Promise<{ created: boolean; info: NetworkInfo }> {
  const internal = agent !== undefined;
  const existing = await inspectNetwork(docker, name).catch((err: unknown) => {
    if (notFound(err)) return undefined;
    throw err;
  });
  if (existing) {
    if (existing.Labels?.[LABEL.root] !== ctx.root || Boolean(existing.Internal) !== internal) {
      throw new QmsError(`A Docker network named ${name} exists but is not this project's ${internal ? 'internal agents\'' : 'egress'} network.`, `Remove it (\`docker network rm ${name}\`) or give this project another name in qms.config.ts.`);
    }
    return { created: false, info: existing };
  }
  await docker.createNetwork({
    Name: name,
    Driver: 'bridge',
    Internal: internal,
    CheckDuplicate: true,
    Labels: { ...labels(ctx), ...(agent ? { [LABEL.agent]: agent } : {}) },
    // An agent's network: the host takes no address on it, so an agent has nothing of the host to talk to.
    Options: internal ? { 'com.docker.network.bridge.inhibit_ipv4': 'true' } : {},
  });
  input.onCreated?.(`network ${name}`, () => removeNetwork(docker, name));
  return { created: true, info: await inspectNetwork(docker, name) };
}

async function removeNetwork(docker: Docker, name: string): Promise<void> {
  await docker.getNetwork(name).remove().catch((err: unknown) => {
    if (!gone(err)) throw err;
  });
}

/** Every IPv4 address of this host (each interface, docker0 without carrier too) and the gateways of `networks`. */
function hostAddresses(networks: readonly NetworkInfo[]): string[] {
  const own = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address));
  const bridge = dockerBridgeAddress();
  const gateways = networks.flatMap((info) => (info.IPAM?.Config ?? []).map((c) => c.Gateway).filter((g): g is string => typeof g === 'string' && g !== ''));
  return [...new Set([...own, ...(bridge ? [bridge] : []), ...gateways])].sort();
}

const subnets = (info: NetworkInfo): string[] => (info.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => typeof s === 'string' && s !== '');

async function logTail(docker: Docker, id: string): Promise<string> {
  const buf = (await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: 20 }).catch(() => Buffer.from(''))) as Buffer;
  // Docker's multiplexed frames: 8-byte headers before each chunk.
  const out: string[] = [];
  for (let i = 0; i + 8 <= buf.length; ) {
    const size = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + size).toString('utf8'));
    i += 8 + size;
  }
  return out.join('').trim();
}

async function waitReady(docker: Docker, id: string, image: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !signal.aborted) {
    const [info, log] = await Promise.all([docker.getContainer(id).inspect(), logTail(docker, id)]);
    if (log.includes('"event":"ready"')) return;
    // 127: the container's init found no `node` to run.
    if (!info.State.Running && info.State.ExitCode === 127) {
      throw new QmsError(`The egress proxy cannot start: it runs on the agent image's Node.js, and ${image} has no \`node\`.`, "Use an agent image with Node.js (qms's docker/Dockerfile has it), or turn the egress policy off with container({ network: 'open' }).");
    }
    if (!info.State.Running) throw new QmsError(`The egress proxy exited (${info.State.ExitCode}) before it was ready:\n${log || '(no output)'}`, 'Fix what it says; `network: \'open\'` in container() turns the egress policy off.');
    await new Promise((r) => setTimeout(r, 100));
  }
  if (signal.aborted) throw signal.reason;
  throw new QmsError(`The egress proxy did not become ready within ${Math.round(timeoutMs / 1000)} s:\n${await logTail(docker, id)}`, 'See `docker logs` of the egress container; `network: \'open\'` turns the policy off.');
}

export async function ensureEgress(ctx: PluginContext, docker: Docker, input: EgressInput): Promise<EgressResult> {
  const names = egressNames(ctx.config.name);
  const script = await readFile(proxyScript()).catch(() => {
    throw new QmsError(`The egress proxy's code is missing (${proxyScript()}).`, 'Build qms: `npm run build`.');
  });
  const ports = forwardedPorts(input.endpoints);
  const agents = Object.fromEntries(ctx.config.agents.map((a) => [containerName(ctx.config.name, a), a]));
  const agentNetwork = names.agentNetwork(input.agent);
  const env: Record<string, string> = {
    QMS_EGRESS_RULES: JSON.stringify(input.rules),
    QMS_EGRESS_FORWARD: JSON.stringify(ports),
    QMS_EGRESS_AGENTS: JSON.stringify(agents),
    QMS_EGRESS_UPSTREAM: EGRESS.upstream,
    QMS_EGRESS_PORT: String(EGRESS.port),
    QMS_EGRESS_LOG: EGRESS.logFile,
    QMS_EGRESS_BLOCKED_FILE: EGRESS.blockedFile,
    QMS_EGRESS_PROBE_FILE: EGRESS.probeFile,
    QMS_EGRESS_PROBE_CONTROL_FILE: EGRESS.probeControlFile,
  };
  const logDir = egressLogDir(ctx.root);

  // The lock is held until the proxy answers (or is gone), so a concurrent call never reuses a
  // proxy still starting; the caller gets the network as soon as it exists.
  let started!: (r: EgressResult) => void;
  const early = new Promise<EgressResult>((resolve) => (started = resolve));
  const locked = ctx.state.withLock('egress', async (): Promise<void> => {
    const createdNetworks: string[] = [];
    // Nothing half-started: what this call created goes again when the proxy does not come up.
    const undo = async (): Promise<void> => {
      for (const n of createdNetworks) await removeNetwork(docker, n).catch(() => undefined);
    };
    // The proxy is looked at while the networks are (the lock keeps other runs off it).
    const proxyNow = docker.getContainer(names.proxy).inspect().catch((err: unknown) => {
      if (notFound(err)) return undefined;
      throw err;
    });
    proxyNow.catch(() => undefined); // awaited below, unless a network fails first
    // Both at once; what either created goes again when the other fails.
    const networks = await Promise.allSettled(([[agentNetwork, input.agent], [names.outsideNetwork, undefined]] as const).map(async ([name, agent]) => {
      const made = await ensureNetwork(ctx, docker, name, agent, input);
      if (made.created) createdNetworks.push(name);
      return made.info;
    }));
    const failed = networks.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await undo();
      throw failed.reason;
    }
    const outside = (networks[1] as PromiseFulfilledResult<NetworkInfo>).value;
    // A name in the allowlist must never lead to the host: none of its addresses, nor a gateway of
    // ours. They change with the engine's networks, so they are a file the proxy reads again, not its config.
    await ensureQmsDir(ctx.root);
    await mkdir(logDir, { recursive: true, mode: 0o700 });
    if (process.getuid?.() === 0) await chown(logDir, input.user.uid, input.user.gid);
    await atomicWrite(hostAddressesFile(ctx.root), JSON.stringify(hostAddresses([outside])), 0o644);
    // Its way out is no way in: clients from the outside network are refused.
    env.QMS_EGRESS_OUTSIDE = subnets(outside).join(',');
    const hash = createHash('sha256').update(JSON.stringify({ image: input.imageId, env, user: input.user, script: createHash('sha256').update(script).digest('hex'), logDir, version: 2 })).digest('hex').slice(0, 32);
    const existing = await proxyNow.catch(async (err: unknown) => {
      await undo();
      throw err;
    });
    if (existing && existing.Config.Labels?.[LABEL.root] !== ctx.root) {
      await undo();
      throw new QmsError(`A container named ${names.proxy} exists but does not belong to this project.`, `Remove it (\`docker rm -f ${names.proxy}\`) or give this project another name in qms.config.ts.`);
    }
    if (existing && existing.Config.Labels?.[LABEL.hash] === hash && existing.State.Running) {
      try {
        await joinNetwork(docker, existing.Id, Object.keys(existing.NetworkSettings.Networks ?? {}), agentNetwork);
      } catch (err) {
        await undo();
        throw err;
      }
      started({ proxy: names.proxy, network: agentNetwork, action: 'reused', ready: Promise.resolve(), undo });
      return;
    }
    if (existing) await docker.getContainer(existing.Id).remove({ force: true });
    const start = async (): Promise<void> => {
      let container: Docker.Container | undefined;
      try {
        container = await docker.createContainer({
          name: names.proxy,
          Image: input.imageId,
          Entrypoint: ['node'],
          Cmd: ['--input-type=module', '-e', `import(${JSON.stringify(EGRESS.script)}).then((m) => m.main()).catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); })`],
          User: `${input.user.uid}:${input.user.gid}`,
          Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
          Labels: { ...labels(ctx), [LABEL.hash]: hash },
          HostConfig: {
            NetworkMode: names.outsideNetwork,
            ExtraHosts: [`${EGRESS.upstream}:host-gateway`],
            Mounts: [
              { Type: 'bind', Source: proxyScript(), Target: EGRESS.script, ReadOnly: true },
              { Type: 'bind', Source: logDir, Target: EGRESS.logDir, ReadOnly: false },
            ],
            ReadonlyRootfs: true,
            Init: true,
            Privileged: false,
            SecurityOpt: ['no-new-privileges'],
            CapDrop: ['ALL'],
            Memory: 256 * 1024 * 1024,
            PidsLimit: 64,
            // Back after a crash; its health is its readiness line, not the agent image's check.
            RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 5 },
          },
          Healthcheck: { Test: ['NONE'] },
        });
        const created = container;
        input.onCreated?.(`container ${names.proxy}`, () => created.remove({ force: true }).catch((err: unknown) => {
          if (!gone(err)) throw err;
        }));
        // Every agent network of the project (a recreated proxy serves the agents already up), this agent's too.
        const agentNetworks = (await docker.listNetworks({ filters: egressFilter(ctx.root) })).filter((n) => n.Labels?.[LABEL.agent]).map((n) => n.Name);
        for (const n of new Set([...agentNetworks, agentNetwork])) await joinNetwork(docker, container.id, [], n);
        await container.start();
        await waitReady(docker, container.id, input.image, 20_000, ctx.signal);
      } catch (err) {
        await container?.remove({ force: true }).catch(() => undefined);
        throw err;
      }
    };
    // The networks are there: the caller may start its agent while the proxy starts.
    const ready = start();
    ready.catch(() => undefined); // the caller's to handle; never an unhandled rejection
    started({ proxy: names.proxy, network: agentNetwork, action: existing ? 'recreated' : 'created', ready, undo });
    await ready.catch(() => undefined);
  });
  return Promise.race([early, locked.then(() => early)]);
}

/** An agent's network, once its container is gone: the proxy leaves it, then it goes. */
export async function removeAgentNetwork(ctx: PluginContext, docker: Docker, agent: string): Promise<string[]> {
  const names = egressNames(ctx.config.name);
  const network = names.agentNetwork(agent);
  const listed = await docker.listNetworks({ filters: egressFilter(ctx.root, agent) });
  if (listed.length === 0) return [];
  await docker.getNetwork(network).disconnect({ Container: names.proxy, Force: true }).catch((err: unknown) => {
    if (![403, 404, 409, 500].includes((err as { statusCode?: number }).statusCode ?? 0)) throw err; // not connected, or gone
  });
  await removeNetwork(docker, network);
  return [network];
}

/** Remove the proxy and its networks (an agent still on its network keeps that one: 409). */
export async function removeEgress(ctx: PluginContext, docker: Docker): Promise<string[]> {
  const removed: string[] = [];
  const listed = await docker.listContainers({ all: true, filters: egressFilter(ctx.root) });
  for (const c of listed) {
    await docker.getContainer(c.Id).remove({ force: true }).catch((err: unknown) => {
      if (!gone(err)) throw err;
    });
    removed.push((c.Names[0] ?? c.Id).replace(/^\//, ''));
  }
  const networks = await docker.listNetworks({ filters: egressFilter(ctx.root) });
  for (const n of networks) {
    // 404: gone meanwhile; 403/409: an agent still uses it (`qms down qa` while claude runs).
    const ok = await docker.getNetwork(n.Id).remove().then(() => true, (err: unknown) => {
      if ([403, 404, 409].includes((err as { statusCode?: number }).statusCode ?? 0)) return false;
      throw err;
    });
    if (ok) removed.push(n.Name);
  }
  return removed;
}

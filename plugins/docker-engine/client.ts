/**
 * One way to reach the Docker engine for every plugin: dockerode (loaded lazily, so
 * `qms list` never pays for it; the build's code-cached copy when it fits, tasks/cjs.ts),
 * pinged once, with one clear error when nothing answers.
 */
import type Docker from 'dockerode';
import { Agent } from 'node:http';
import type { Env } from '../../tasks/types.js';
import { QmsError } from '../../tasks/errors.js';
import { deferDockerodeExtras } from './dockerode-extras.js';
import { loadVendored } from '../../tasks/cjs.js';

const clients = new Map<string, Promise<Docker>>();

const DEFAULT_SOCKET = '/var/run/docker.sock';

/** The engine address in effect: `DOCKER_HOST` or the default socket. */
export function dockerAddress(env: Env): string {
  return env.DOCKER_HOST || DEFAULT_SOCKET;
}

/**
 * The engine's unix socket path (a local engine: its processes are this host's, its socket can
 * be spoken to directly), or undefined when `DOCKER_HOST` names a remote (tcp/ssh) engine. The
 * one reading of `DOCKER_HOST` for every plugin.
 */
export function engineSocket(env: Env): string | undefined {
  const address = dockerAddress(env);
  if (address.startsWith('unix://')) return address.slice('unix://'.length);
  return address.startsWith('/') ? address : undefined;
}

/**
 * The HTTP agent for the engine's unix socket: Node's default one (keep-alive), but naming no
 * TLS server. Without a servername Node works one out from the Host header of every request
 * (net.isIP: its first call compiles a large regular expression, ~5-7 ms of a busy start-up),
 * though a unix socket carries no TLS.
 */
let socketAgent: Agent | undefined;
export const engineSocketAgent = (): Agent => (socketAgent ??= new Agent({ keepAlive: true, servername: '' } as ConstructorParameters<typeof Agent>[0]));

/** dockerode options for `DOCKER_HOST` taken from the run's env (which includes `.env`), not process.env. */
function connectionOptions(address: string): Docker.DockerOptions {
  const socketPath = engineSocket({ DOCKER_HOST: address });
  // docker-modem takes an agent (its typings do not say so).
  if (socketPath) return { socketPath, agent: engineSocketAgent() } as Docker.DockerOptions;
  const url = new URL(address.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375), protocol: url.protocol === 'https:' ? 'https' : 'http' };
}

/** A connected, pinged dockerode client (cached per address). */
export function connectDocker(env: Env): Promise<Docker> {
  const address = dockerAddress(env);
  let client = clients.get(address);
  if (!client) {
    client = open(address);
    clients.set(address, client);
    client.catch(() => clients.delete(address));
  }
  return client;
}

async function open(address: string): Promise<Docker> {
  deferDockerodeExtras();
  const DockerCtor = loadVendored<typeof Docker>('dockerode');
  const docker = new DockerCtor(connectionOptions(address));
  try {
    await docker.ping();
  } catch (err) {
    throw new QmsError(
      `The Docker engine at ${address} does not answer (${(err as Error).message}).`,
      'Start one: `npx qms up` offers to on a terminal (`npx qms up --start-engine` elsewhere; `npm run docker:engine` ' +
        'alone), or `sudo systemctl start docker`; set DOCKER_HOST if it listens elsewhere.',
    );
  }
  return docker;
}

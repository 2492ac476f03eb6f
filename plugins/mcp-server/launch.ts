/**
 * What a supervised server is started with, resolved for one project: placeholders in args
 * and env (`{port}`, `{host}`, `{hosts}`, `{projectRoot}`, `{tokenFile}`, `{agent}` = the
 * default agent), where it listens,
 * the URLs the host and containers use, and a hash of it all so a changed config restarts it.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { defaultListenHosts } from './bridge-address.js';
import { DEFAULT_AGENTS, tokenFile } from './files.js';
import type { McpServerOptions } from './server-options.js';

export type { McpServerOptions } from './server-options.js';
export { taskNameOf } from './server-options.js';

/** The agents a server serves: its `agents` option, else the roster with `defaultAgent` first. */
export function servedAgents(o: Pick<McpServerOptions, 'agents' | 'defaultAgent'>, roster: readonly string[]): string[] {
  if (o.agents) return [...o.agents];
  const all = roster.length > 0 ? roster : DEFAULT_AGENTS;
  return o.defaultAgent ? [o.defaultAgent, ...all.filter((a) => a !== o.defaultAgent)] : [...all];
}


export interface Launch {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  hosts: string[];
  hostUrl: string;
  containerUrl: string;
  configHash: string;
  /** The agents served, the default one first. */
  agents: string[];
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '0.0.0.0', '::', '::1']);

/** `roster`: the config's agents, served when `o.agents` is not given. */
export function resolveLaunch(root: string, o: McpServerOptions, roster: readonly string[] = DEFAULT_AGENTS): Launch {
  const agents = servedAgents(o, roster);
  const hosts = o.hosts ? [...o.hosts] : defaultListenHosts();
  // `{host}`: the one address both the host and containers reach (the bridge when there is one).
  const single = hosts.find((h) => !LOOPBACK.has(h)) ?? hosts[0] ?? '127.0.0.1';
  const values: Record<string, string> = {
    port: String(o.port),
    host: single,
    hosts: hosts.join(','),
    projectRoot: root,
    tokenFile: tokenFile(root, o.name),
    agent: agents[0]!,
  };
  const fill = (s: string): string => s.replace(/\{(port|host|hosts|projectRoot|tokenFile|agent)\}/g, (_, k: string) => values[k] ?? '');
  const args = (o.args ?? []).map(fill);
  const env = Object.fromEntries(Object.entries(o.env ?? {}).map(([k, v]) => [k, fill(v)]));
  const cwd = resolve(root, o.cwd ?? '.');
  const local = hosts.some((h) => LOOPBACK.has(h)) ? '127.0.0.1' : single;
  const hostUrl = `http://${local.includes(':') ? `[${local}]` : local}:${o.port}/mcp`;
  const containerUrl = `http://host.docker.internal:${o.port}/mcp`;
  // The default agent list hashes as before, so servers started by an older qms are reused.
  const hashed = agents.join() === DEFAULT_AGENTS.join() ? {} : { agents };
  const configHash = createHash('sha256').update(JSON.stringify({ command: o.command, args, env, cwd, hosts, port: o.port, ...hashed })).digest('hex').slice(0, 16);
  return { command: o.command, args, env, cwd, hosts, hostUrl, containerUrl, configHash, agents };
}

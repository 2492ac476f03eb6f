/**
 * A canary service on the host for the egress checks: an HTTP listener on the addresses the MCP
 * servers use (loopback and the Docker bridge gateway) on a port no MCP server has, counting every
 * connection. A container that reaches it reached a host port it must not; a positive control
 * (a container that is meant to reach the host) proves the canary is live.
 */
import { createServer, type Server } from 'node:http';
import { defaultListenHosts } from '../mcp-server/bridge-address.js';

export interface HostCanary {
  port: number;
  /** Connections since the last `reset()`. */
  connections(): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startHostCanary(): Promise<HostCanary> {
  let count = 0;
  const servers: Server[] = [];
  let port = 0;
  for (const host of defaultListenHosts()) {
    const server = createServer((_req, res) => res.writeHead(204).end());
    server.on('connection', () => count++);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    port = (server.address() as { port: number }).port;
    servers.push(server);
  }
  return {
    port,
    connections: () => count,
    reset: () => void (count = 0),
    close: () => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined),
  };
}

/**
 * A canary service on the host for the egress checks: an HTTP listener on every address of the
 * host (0.0.0.0), on a port no MCP server has, counting every connection. A container that
 * reaches it reached a host port it must not; a positive control (a container that is meant to
 * reach the host) proves the canary is live.
 */
import { createServer, type Server } from 'node:http';

export interface HostCanary {
  port: number;
  /** Connections so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startHostCanary(): Promise<HostCanary> {
  let count = 0;
  const server: Server = createServer((_req, res) => res.writeHead(204).end());
  server.on('connection', () => count++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    connections: () => count,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * A tiny real MCP server for tests: the SDK's McpServer over streamable HTTP on 127.0.0.1,
 * requiring `Authorization: Bearer <token>` (the token can be changed while it runs).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestMcpServer {
  port: number;
  url: string;
  token: string;
  close(): Promise<void>;
}

export async function startTestMcpServer(name: string, token: string, host = '127.0.0.1'): Promise<TestMcpServer> {
  const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
  const { StreamableHTTPServerTransport } = await import('@modelcontextprotocol/sdk/server/streamableHttp.js');
  const state = { token };
  const http: Server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${state.token}`) {
      res.writeHead(401).end();
      return;
    }
    const server = new McpServer({ name, version: '1.0.0' });
    server.tool('ping', 'Answers pong', async () => ({ content: [{ type: 'text' as const, text: 'pong' }] }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    server
      .connect(transport)
      .then(() => transport.handleRequest(req, res))
      .catch(() => res.headersSent || res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => http.listen(0, host, resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    port,
    url: `http://${host}:${port}/mcp`,
    get token() {
      return state.token;
    },
    set token(t: string) {
      state.token = t;
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

/**
 * What an MCP server task returns (and records), so the container and verify plugins can
 * wire the server into the container without knowing how it was started.
 */
export interface McpEndpoint {
  /** Server name as registered with Claude Code, e.g. `qms`, `git`. */
  name: string;
  port: number;
  /** URL the host reaches it on, e.g. `http://127.0.0.1:8000/mcp`. */
  hostUrl: string;
  /** URL a container reaches it on, e.g. `http://host.docker.internal:8000/mcp`. */
  containerUrl: string;
  /** Bearer token every request must carry (a secret: never logged, labelled or put in an image). */
  token: string;
}

/**
 * Where the mcp-server plugin keeps an endpoint between processes: state entry `mcp:<name>`
 * (kind `mcp-server`, data: name, taskName, port, hostUrl, containerUrl, pid, …) plus a 0600
 * token file `.qms/mcp/<name>.token`. `loadEndpoint` / `loadEndpointForTask` (implemented in
 * ./load-endpoint.ts) return it for a running server, so commands like `qms refresh` can
 * rebuild a container's MCP config.
 */
export const endpointStateId = (name: string): string => `mcp:${name}`;
/** `kind` of those state entries. */
export const ENDPOINT_STATE_KIND = 'mcp-server';
export const endpointTokenFile = (root: string, name: string): string => `${root}/.qms/mcp/${name}.token`;

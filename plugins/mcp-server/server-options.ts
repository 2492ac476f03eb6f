/**
 * The options of one supervised MCP server (`mcpServer(options)`) and the name of its start
 * task: what the factory needs when the config is evaluated. Imports nothing, so a config's
 * `import … from 'qms'` does not load what resolves or starts a server (launch.ts, supervisor.ts).
 */
export interface McpServerOptions {
  /** Server name, e.g. `qms`: task `mcp:<name>`, files `.qms/mcp/<name>.*`, name in Claude Code. */
  name: string;
  port: number;
  command: string;
  args?: readonly string[];
  env?: Readonly<Record<string, string>>;
  /** Working directory, relative to the project root; default the root. */
  cwd?: string;
  /** Addresses the server listens on; default 127.0.0.1 plus the Docker bridge gateway. */
  hosts?: readonly string[];
  readyTimeoutMs?: number;
  /** Default `mcp:<name>`; the stop task is `<taskName>:stop`. */
  taskName?: string;
  /**
   * The agents (QMS users) this server serves, each with a token of its own naming it; the first
   * is the default agent (token file `<name>.token`). Default: the config's whole roster
   * (`defineConfig({ agents })`), not only the agents a run starts, so `qms up qa` later reuses
   * the server (and the tokens in claude's container stay valid).
   */
  agents?: readonly string[];
  /** With `agents` left to the roster: the agent to serve first (the default agent); default the roster's first. */
  defaultAgent?: string;
}

/** The start task's name (`taskName`, default `mcp:<name>`). */
export const taskNameOf = (o: Pick<McpServerOptions, 'name' | 'taskName'>): string => o.taskName ?? `mcp:${o.name}`;

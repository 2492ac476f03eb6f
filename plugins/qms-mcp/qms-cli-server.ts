/**
 * The qms-cli backend of our QMS MCP server: qms-cli's tool set, each call run by qms-cli
 * itself (`qms.py --user <identity> …`), so qms-cli stays the only writer of `QMS/`. This
 * server adds what qms-cli's own lacks: the identity comes from the connection's token (a
 * `user` argument naming anyone else is refused), the agent's folders are checked for planted
 * non-regular files first, calls are serialised, and (run as root) what qms-cli writes into the
 * agent's workspace is handed to the workspace's owner. A non-zero exit is a tool error carrying
 * the CLI's text; a command the installed qms-cli lacks answers with its own usage error.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { QmsError } from '../../tasks/errors.js';
import { sharedJsonSchemaValidator } from '../mcp-server/json-schema-validator.js';
import { runQmsCli, type QmsCli } from './qms-cli-run.js';
import { qmsCliTools } from './qms-cli-tools.js';
import { refuseNonRegularUserFiles } from './user-folders-guard.js';
import { giveWorkspaceToOwner } from './workspace-owner.js';

const textResult = (text: string, isError = false): CallToolResult => ({ content: [{ type: 'text', text }], ...(isError ? { isError: true } : {}) });

/** The refusal for a `user` argument that is not the connection's identity. */
export function identityRefusal(identity: string, claimed: string): string {
  return `refused: this connection acts as ${identity}; it cannot act as ${JSON.stringify(claimed.slice(0, 64))}. Leave user out (or pass "${identity}"): the identity comes from your token.`;
}

export async function createQmsCliServer(cli: QmsCli, identity: string): Promise<McpServer> {
  const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
  const { z } = await import('zod');
  const server = new McpServer({ name: 'qms', version: '1.0.0' }, { jsonSchemaValidator: await sharedJsonSchemaValidator() });
  for (const tool of qmsCliTools(z)) {
    server.registerTool(
      tool.name,
      { description: `${tool.description} (runs qms-cli as ${identity})`, inputSchema: z.object(tool.shape).strict() },
      async (args: Record<string, unknown>): Promise<CallToolResult> => {
        const claimed = args.user;
        if (typeof claimed === 'string' && claimed !== identity) return textResult(identityRefusal(identity, claimed), true);
        try {
          const argv = tool.argv(args);
          await refuseNonRegularUserFiles(cli.root, identity);
          const r = await runQmsCli(cli, identity, argv);
          await giveWorkspaceToOwner(cli.root, identity);
          return textResult(r.output.trim() === '' ? `(qms-cli printed nothing; exit ${r.code})` : r.output, r.code !== 0);
        } catch (err) {
          if (err instanceof QmsError) return textResult(err.hint ? `${err.message}\n${err.hint}` : err.message, true);
          throw err;
        }
      },
    );
  }
  return server;
}

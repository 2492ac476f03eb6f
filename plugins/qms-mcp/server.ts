/**
 * The built-in QMS MCP server: the seeds' qms-cli tools (`qms_inbox`, `qms_status`,
 * `qms_read`, `qms_checkout`, `qms_checkin`) over the repository's QMS/ tree and the user's
 * inbox and workspace. One McpServer per MCP session; the HTTP host creates them.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { QmsError } from '../../tasks/errors.js';
import { validateUser } from './doc-id.js';
import { checkin, checkout, documentStatus, inbox, overview, readDocument } from './documents.js';
import { openQmsProject } from './qms-project.js';

export interface QmsMcpServerOptions {
  projectRoot: string;
  /** The QMS user the agent acts as (its inbox and workspace). */
  user?: string;
}

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });
const json = (value: unknown): CallToolResult => text(JSON.stringify(value, null, 2));

/** Known errors become tool errors the agent can read (message + what to do); others propagate. */
async function tool(fn: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof QmsError) {
      return { isError: true, content: [{ type: 'text', text: err.hint ? `${err.message}\n${err.hint}` : err.message }] };
    }
    throw err;
  }
}

export async function createQmsMcpServer(options: QmsMcpServerOptions): Promise<McpServer> {
  const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
  const { z } = await import('zod');
  const user = validateUser(options.user ?? 'claude');
  const project = await openQmsProject(options.projectRoot);
  const server = new McpServer({ name: 'qms', version: '1.0.0' });
  const docId = z.string().describe('Document id, e.g. CR-043 or SOP-001');

  server.registerTool(
    'qms_inbox',
    { description: `List the items in ${user}'s QMS inbox (.claude/users/${user}/inbox/).`, inputSchema: {} },
    () => tool(async () => json({ user, items: await inbox(project, user) })),
  );
  server.registerTool(
    'qms_status',
    {
      description: 'Status of a controlled document (revision, hash, who has it checked out, last check-in); without doc_id, an overview of all documents and open checkouts.',
      inputSchema: { doc_id: docId.optional() },
    },
    ({ doc_id }) => tool(async () => json(doc_id === undefined ? await overview(project, user) : await documentStatus(project, doc_id))),
  );
  server.registerTool(
    'qms_read',
    { description: 'Read the controlled (effective) text of a QMS document.', inputSchema: { doc_id: docId } },
    ({ doc_id }) => tool(async () => text((await readDocument(project, doc_id)).text)),
  );
  server.registerTool(
    'qms_checkout',
    {
      description: `Check out a document: copies it to .claude/users/${user}/workspace/<DOC-ID>.md for editing and records the checkout.`,
      inputSchema: { doc_id: docId },
    },
    ({ doc_id }) =>
      tool(async () => {
        const r = await checkout(project, user, doc_id);
        return text(
          r.already
            ? `${r.doc_id} is already checked out by ${user}; edit ${r.workspace_path}, then call qms_checkin.`
            : `Checked out ${r.doc_id} to ${r.workspace_path}. Edit that file, then call qms_checkin("${r.doc_id}").`,
        );
      }),
  );
  server.registerTool(
    'qms_checkin',
    {
      description: `Check in a document from .claude/users/${user}/workspace/: writes it back to QMS/ atomically, updates its metadata and ends the checkout.`,
      inputSchema: { doc_id: docId },
    },
    ({ doc_id }) =>
      tool(async () => {
        const r = await checkin(project, user, doc_id);
        return text(
          r.changed
            ? `Checked in ${r.doc_id} as revision ${r.revision} (${r.path}); the workspace copy was removed.`
            : `No changes in ${r.doc_id}; the checkout was released (revision ${r.revision} unchanged).`,
        );
      }),
  );
  return server;
}

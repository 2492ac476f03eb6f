/**
 * The built-in QMS MCP server: the seeds' qms-cli tools (`qms_inbox`, `qms_workspace`,
 * `qms_status`, `qms_read`, `qms_checkout`, `qms_checkin`) over the repository's QMS/ tree and
 * the user's inbox and workspace. One McpServer per MCP session, acting as the identity of
 * the token that opened it, in qms-cli's on-disk format (documents.ts). Every argument is
 * supported or refused, never ignored: schemas are strict and `user` may only name the
 * connection's identity.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { QmsError } from '../../tasks/errors.js';
import { sharedJsonSchemaValidator } from '../mcp-server/json-schema-validator.js';
import { validateUser } from './doc-id.js';
import { checkin, checkout, documentStatus, inbox, overview, readDocument, workspace } from './documents.js';
import { identityRefusal } from './qms-cli-server.js';
import { openQmsProject } from './qms-project.js';
import { refuseNonRegularUserFiles } from './user-folders-guard.js';

export interface QmsMcpServerOptions {
  projectRoot: string;
  /** The QMS user the agent acts as (its inbox and workspace). */
  user?: string;
}

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });
const json = (value: unknown): CallToolResult => text(JSON.stringify(value, null, 2));

/** Known errors become tool errors the agent can read (message + what to do); others propagate. */
async function guarded(fn: () => Promise<CallToolResult>): Promise<CallToolResult> {
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
  const server = new McpServer({ name: 'qms', version: '1.0.0' }, { jsonSchemaValidator: await sharedJsonSchemaValidator() });
  const docId = z.string().describe('Document id, e.g. CR-043 or SOP-001');
  const userArg = z.string().max(64).optional().describe("QMS user: may only name this connection's own identity (the default)");
  const strict = <T extends Record<string, import('zod').ZodTypeAny>>(shape: T) => z.object({ ...shape, user: userArg }).strict();
  /** The identity check and the agent-folder guard, then the tool. */
  const tool = (args: { user?: string | undefined }, fn: () => Promise<CallToolResult>): Promise<CallToolResult> =>
    guarded(async () => {
      if (args.user !== undefined && args.user !== user) return { isError: true, content: [{ type: 'text', text: identityRefusal(user, args.user) }] };
      await refuseNonRegularUserFiles(project.root, user);
      return fn();
    });

  server.registerTool(
    'qms_inbox',
    { description: `List the items in ${user}'s QMS inbox (.claude/users/${user}/inbox/).`, inputSchema: strict({}) },
    (args) => tool(args, async () => json({ user, items: await inbox(project, user) })),
  );
  server.registerTool(
    'qms_workspace',
    { description: `List the documents in ${user}'s workspace (.claude/users/${user}/workspace/).`, inputSchema: strict({}) },
    (args) => tool(args, async () => json({ user, documents: await workspace(project, user) })),
  );
  server.registerTool(
    'qms_status',
    {
      description: 'Status of a document (version, status, who has it checked out); without doc_id, an overview of all documents and open checkouts.',
      inputSchema: strict({ doc_id: docId.optional() }),
    },
    (args) => tool(args, async () => json(args.doc_id === undefined ? await overview(project, user) : await documentStatus(project, args.doc_id))),
  );
  server.registerTool(
    'qms_read',
    {
      description: 'Read a QMS document: its effective text (else its draft), a past version from the archive, or the draft.',
      inputSchema: strict({
        doc_id: docId,
        version: z.string().optional().describe('A past version from the archive, e.g. "1.0"; empty for the current text'),
        draft: z.boolean().optional().describe('Read the draft (working copy)'),
      }),
    },
    (args) => tool(args, async () => text((await readDocument(project, args.doc_id, { ...(args.version ? { version: args.version } : {}), ...(args.draft === true ? { draft: true } : {}) })).text)),
  );
  server.registerTool(
    'qms_checkout',
    {
      description: `Check out a document: copies its draft (made from the effective copy when there is none) to .claude/users/${user}/workspace/<DOC-ID>.md for editing and records the checkout.`,
      inputSchema: strict({ doc_id: docId }),
    },
    (args) =>
      tool(args, async () => {
        const r = await checkout(project, user, args.doc_id);
        return text(
          r.already
            ? `${r.doc_id} is already checked out by ${user}; edit ${r.workspace_path}, then call qms_checkin.`
            : `Checked out ${r.doc_id} (v${r.version}${r.from_version ? `, a new draft from effective v${r.from_version}` : ''}) to ${r.workspace_path}. Edit that file, then call qms_checkin("${r.doc_id}").`,
        );
      }),
  );
  server.registerTool(
    'qms_checkin',
    {
      description: `Check in a document from .claude/users/${user}/workspace/: writes it as the document's draft (<ID>-draft.md) atomically, records it and ends the checkout.`,
      inputSchema: strict({ doc_id: docId }),
    },
    (args) =>
      tool(args, async () => {
        const r = await checkin(project, user, args.doc_id);
        const copy = r.removed_workspace_copy ? 'the workspace copy was removed' : 'the workspace copy was left in place (this server did not write it)';
        return text(`Checked in ${r.doc_id} (v${r.version}) to its draft ${r.path}${r.changed ? '' : ' (no changes)'}; ${copy}.`);
      }),
  );
  return server;
}

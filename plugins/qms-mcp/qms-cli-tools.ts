/**
 * qms-cli's MCP tool set (the names and arguments of its `qms_mcp` server, so a team's
 * allowlist works unchanged) and how each call becomes a qms-cli command line. Every argument
 * is either mapped or refused: schemas are strict (an unknown argument is an error), ids and
 * names have a fixed shape (never a leading "-", "/" or "."), and free text travels as
 * `--option=value` so it can never be taken for an option. `user` is checked elsewhere
 * against the connection's identity; it never reaches the command line.
 */
import type { z as Z } from 'zod';
import { QmsError } from '../../tasks/errors.js';

export interface QmsCliTool {
  name: string;
  description: string;
  shape: Record<string, Z.ZodTypeAny>;
  /** qms-cli arguments after `--user <identity>`; throws a QmsError for a refused combination. */
  argv(args: Record<string, unknown>): string[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function refuse(message: string, hint: string): never {
  throw new QmsError(message, hint);
}

export function qmsCliTools(z: typeof Z): QmsCliTool[] {
  const docId = z
    .string()
    .max(80)
    .regex(/^[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+){1,8}$/, 'a document id such as CR-001, SOP-002, CR-001-VAR-001, TEMPLATE-CR or SDLC-QMS-RS')
    .describe('Document identifier (e.g. "CR-001", "SOP-001")');
  const user = z.string().max(64).optional().describe("QMS user identity: may only name this connection's own identity (the default)");
  const text = (what: string) => z.string().max(20_000).refine((s) => !s.includes('\0'), 'no NUL characters').describe(what);
  const version = z.string().regex(/^\d{1,4}\.\d{1,4}$/, 'a version such as 1.0 or 2.1').or(z.literal(''));
  const userName = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a QMS user name');
  const opt = (flag: string, v: unknown): string[] => (str(v) ? [`--${flag}=${str(v)}`] : []);
  const simple = (name: string, command: string, description: string): QmsCliTool => ({
    name,
    description,
    shape: { doc_id: docId, user },
    argv: (a) => [command, str(a.doc_id)],
  });

  return [
    { name: 'qms_inbox', description: 'List the pending review/approval tasks in your QMS inbox.', shape: { user }, argv: () => ['inbox'] },
    { name: 'qms_workspace', description: 'List the documents you have checked out to your workspace.', shape: { user }, argv: () => ['workspace'] },
    simple('qms_status', 'status', 'Status of a QMS document: state, version, owner, checkout.'),
    {
      name: 'qms_read',
      description: 'Read a QMS document: the effective/current text, a given version, or the draft.',
      shape: { doc_id: docId, user, version: version.optional().describe('A version to read, e.g. "1.0"; empty for the current one'), draft: z.boolean().optional().describe('Read the draft') },
      argv: (a) => {
        if (a.draft === true && str(a.version)) refuse('refused: pass either version or draft, not both', 'Read a past version with version, or the working copy with draft: true.');
        return ['read', str(a.doc_id), ...opt('version', a.version), ...(a.draft === true ? ['--draft'] : [])];
      },
    },
    simple('qms_history', 'history', 'The audit trail of a QMS document, event by event.'),
    {
      name: 'qms_comments',
      description: 'Review and rejection comments of a QMS document.',
      shape: { doc_id: docId, user, version: version.optional().describe('Only the comments on this version') },
      argv: (a) => ['comments', str(a.doc_id), ...opt('version', a.version)],
    },
    {
      name: 'qms_create',
      description: 'Create a QMS document (a draft checked out to you).',
      shape: {
        doc_type: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,31}$/, 'a document type such as CR, SOP, INV, VAR, TP, ER, TEMPLATE').describe('Document type, e.g. "CR", "SOP", "INV", "VAR"'),
        title: text('Document title').refine((s) => s.trim() !== '', 'a title is required'),
        user,
        parent: docId.or(z.literal('')).optional().describe('Parent document for child types (VAR, TP, ER, ADD, VR)'),
        name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'a template name such as CR').or(z.literal('')).optional().describe('Name of a TEMPLATE document'),
      },
      argv: (a) => ['create', str(a.doc_type), `--title=${str(a.title)}`, ...opt('parent', a.parent), ...opt('name', a.name)],
    },
    simple('qms_checkout', 'checkout', 'Check a document out to your workspace for editing.'),
    simple('qms_checkin', 'checkin', 'Check your workspace copy of a document back in as its draft.'),
    {
      name: 'qms_cancel',
      description: 'Cancel (permanently delete) a never-effective document; needs confirm: true.',
      shape: { doc_id: docId, user, confirm: z.boolean().optional().describe('Must be true: the deletion is permanent') },
      argv: (a) => {
        if (a.confirm !== true) refuse('refused: confirm must be true to cancel a document; the deletion is permanent', 'Call qms_cancel again with confirm: true if you mean it.');
        return ['cancel', str(a.doc_id), '--confirm'];
      },
    },
    {
      name: 'qms_route',
      description: 'Route a document for review or approval (pre/post is inferred from its status).',
      shape: { doc_id: docId, route_type: z.enum(['review', 'approval']).describe('"review" or "approval"'), user, retire: z.boolean().optional().describe('Route for retirement') },
      argv: (a) => ['route', str(a.doc_id), `--${str(a.route_type)}`, ...(a.retire === true ? ['--retire'] : [])],
    },
    {
      name: 'qms_assign',
      description: 'Add reviewers or approvers to a document in workflow (quality group).',
      shape: { doc_id: docId, assignees: z.array(userName).min(1).max(20).describe('User names, e.g. ["tu_ui", "bu"]'), user },
      argv: (a) => ['assign', str(a.doc_id), '--assignees', ...(a.assignees as string[])],
    },
    {
      name: 'qms_review',
      description: 'Submit your review of a document.',
      shape: { doc_id: docId, outcome: z.enum(['recommend', 'request-updates']).describe('"recommend" or "request-updates"'), user, comment: text('Review comment').optional() },
      argv: (a) => ['review', str(a.doc_id), `--${str(a.outcome)}`, ...opt('comment', a.comment)],
    },
    simple('qms_approve', 'approve', 'Approve a document assigned to you for approval.'),
    {
      name: 'qms_reject',
      description: 'Reject a document assigned to you for approval, with the reason.',
      shape: { doc_id: docId, comment: text('Why it is rejected').refine((s) => s.trim() !== '', 'a comment is required'), user },
      argv: (a) => ['reject', str(a.doc_id), `--comment=${str(a.comment)}`],
    },
    simple('qms_withdraw', 'withdraw', 'Withdraw a document you own from review or approval.'),
    simple('qms_release', 'release', 'Release a pre-approved executable document for execution.'),
    {
      name: 'qms_revert',
      description: 'Revert a post-reviewed executable document to execution, with the reason.',
      shape: { doc_id: docId, reason: text('Why').refine((s) => s.trim() !== '', 'a reason is required'), user },
      argv: (a) => ['revert', str(a.doc_id), `--reason=${str(a.reason)}`],
    },
    simple('qms_close', 'close', 'Close a post-approved executable document.'),
    {
      name: 'qms_interact',
      description: 'Interactive, template-driven authoring of a document: without options, its status and current prompt.',
      shape: {
        doc_id: docId,
        user,
        respond: text('Answer to the current prompt').optional(),
        file: z.string().optional().describe('Not supported here: pass the text in respond'),
        reason: text('Reason for an amendment or a reopened loop').optional(),
        goto: z.string().max(200).optional().describe('Prompt to go back to'),
        cancel_goto: z.boolean().optional(),
        reopen: z.string().max(200).optional().describe('Loop to reopen'),
        progress: z.boolean().optional(),
        compile: z.boolean().optional(),
      },
      argv: (a) => {
        if (str(a.file)) refuse('refused: file is not supported through this server (it would make the host read a path the agent names)', 'Pass the response text in respond instead.');
        const actions = [a.progress === true && 'progress', a.compile === true && 'compile', a.cancel_goto === true && 'cancel_goto', str(a.goto) && 'goto', str(a.reopen) && 'reopen', str(a.respond) && 'respond'].filter(Boolean);
        if (actions.length > 1) refuse(`refused: ${actions.join(' and ')} cannot be combined`, 'Pass one action per call.');
        if (str(a.reason) && !['goto', 'reopen', 'respond'].includes(String(actions[0]))) refuse('refused: reason goes with goto, reopen or respond only', 'Add the action the reason is for, or leave reason out.');
        const action = actions[0];
        const base = ['interact', str(a.doc_id)];
        if (action === 'progress') return [...base, '--progress'];
        if (action === 'compile') return [...base, '--compile'];
        if (action === 'cancel_goto') return [...base, '--cancel-goto'];
        if (action === 'goto' || action === 'reopen' || action === 'respond') return [...base, ...opt(action, a[action]), ...opt('reason', a.reason)];
        return base;
      },
    },
    simple('qms_fix', 'fix', 'Administrative fix of an EFFECTIVE document (administrators).'),
  ];
}

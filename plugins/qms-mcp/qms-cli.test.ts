/**
 * The qms-cli backend with the real qms-cli snapshot: a project initialised by `qms.py init`,
 * our QMS server started by the supervisor (`qmsMcp({ agents: ['claude', 'qa'] })`, backend
 * chosen automatically), and every tool called over streamable HTTP with the MCP SDK client,
 * as claude and as qa, each with its own token. Checked by effect on qms-cli's own files
 * (.meta, .audit, drafts), not by our text: identity, refusals, non-regular files, arguments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { makeTaskContext } from '../../test/helpers/mcp-context.js';
import { makeQmsCliProject, type QmsCliProject } from '../../test/helpers/qms-cli-project.js';
import { freePort } from '../../test/helpers/processes.js';
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { loadEndpoint, qmsMcp } from '../mcp-server/index.js';
import { packageRoot } from '../mcp-server/package-root.js';
import { stopServer } from '../mcp-server/supervisor.js';

const ALL_TOOLS = [
  'qms_inbox', 'qms_workspace', 'qms_status', 'qms_read', 'qms_history', 'qms_comments', 'qms_create', 'qms_checkout', 'qms_checkin', 'qms_cancel',
  'qms_route', 'qms_assign', 'qms_review', 'qms_approve', 'qms_reject', 'qms_withdraw', 'qms_release', 'qms_revert', 'qms_close', 'qms_interact', 'qms_fix',
];

interface Answer {
  isError: boolean;
  text: string;
}

async function connect(endpoint: McpEndpoint): Promise<Client> {
  const client = new Client({ name: 'qms-cli-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(endpoint.hostUrl), { requestInit: { headers: { authorization: `Bearer ${endpoint.token}` } } }));
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<Answer> {
  try {
    const res = await client.callTool({ name, arguments: args });
    return { isError: res.isError === true, text: (res.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n') };
  } catch (err) {
    // Schema violations come back as JSON-RPC errors (InvalidParams) in some SDK versions.
    return { isError: true, text: (err as Error).message };
  }
}

describe('QMS MCP server on the qms-cli backend (qms-cli snapshot)', () => {
  let p: QmsCliProject;
  let claude: Client;
  let qa: Client;
  const meta = async (type: string, id: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(join(p.root, 'QMS', '.meta', type, `${id}.json`), 'utf8')) as Record<string, unknown>;
  const audit = async (type: string, id: string): Promise<Array<Record<string, unknown>>> =>
    (await readFile(join(p.root, 'QMS', '.audit', type, `${id}.jsonl`), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    expect(existsSync(join(packageRoot(), 'dist', 'plugins', 'qms-mcp', 'qms-cli-server.js')), 'run `npm run build` first').toBe(true);
    p = makeQmsCliProject();
    p.qms('--user', 'lead', 'user', '--add', 'tu_ui', '--group', 'reviewer');
    const port = await freePort();
    const ctx = makeTaskContext(p.root);
    await qmsMcp({ port, hosts: ['127.0.0.1'], agents: ['claude', 'qa'] }).tasks[0]!.run(ctx);
    claude = await connect((await loadEndpoint(ctx, 'qms'))!);
    qa = await connect((await loadEndpoint(ctx, 'qms', 'qa'))!);
  }, 60_000);

  afterAll(async () => {
    await claude?.close().catch(() => undefined);
    await qa?.close().catch(() => undefined);
    if (p) {
      await stopServer(makeTaskContext(p.root), 'qms', { graceMs: 1000 }).catch(() => undefined);
      await rm(p.root, { recursive: true, force: true });
    }
  });

  it("offers qms-cli's whole tool set, with qms-cli's names and arguments", async () => {
    const { tools } = await claude.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...ALL_TOOLS].sort());
    const route = tools.find((t) => t.name === 'qms_route')!;
    expect(Object.keys(route.inputSchema.properties ?? {}).sort()).toEqual(['doc_id', 'retire', 'route_type', 'user']);
    expect(route.inputSchema.required).toEqual(['doc_id', 'route_type']);
    const log = await readFile(join(p.root, '.qms', 'mcp', 'qms.log'), 'utf8');
    expect(log).toMatch(/through qms-cli/);
  });

  it('runs a CR through its whole life, each step as the agent whose token made the call', async () => {
    const created = await call(claude, 'qms_create', { doc_type: 'CR', title: 'Through MCP', user: 'claude' });
    expect(created).toMatchObject({ isError: false });
    const id = /Created: (CR-\d+)/.exec(created.text)![1]!;
    expect(await meta('CR', id)).toMatchObject({ status: 'DRAFT', responsible_user: 'claude', checked_out: true });
    expect((await call(claude, 'qms_workspace')).text).toContain(id);
    expect((await call(claude, 'qms_checkin', { doc_id: id })).isError).toBe(false);
    expect(existsSync(join(p.root, 'QMS', 'CR', id, `${id}-draft.md`))).toBe(true);
    expect((await call(claude, 'qms_route', { doc_id: id, route_type: 'review' })).isError).toBe(false);
    expect((await call(qa, 'qms_inbox')).text).toContain(id);
    expect((await call(claude, 'qms_inbox')).text).not.toContain(id);
    expect((await call(qa, 'qms_assign', { doc_id: id, assignees: ['tu_ui'] })).isError).toBe(false);
    expect((await meta('CR', id)).pending_assignees).toEqual(expect.arrayContaining(['qa', 'tu_ui']));
    expect((await call(qa, 'qms_review', { doc_id: id, outcome: 'recommend', comment: 'qa: fine' })).isError).toBe(false);
    const reviews = (await audit('CR', id)).filter((e) => e.event === 'REVIEW');
    expect(reviews).toEqual([expect.objectContaining({ user: 'qa', outcome: 'RECOMMEND', comment: 'qa: fine' })]);
    // tu_ui has no token on this server: the review stays pending, so approval cannot be routed yet.
    const early = await call(claude, 'qms_route', { doc_id: id, route_type: 'approval' });
    expect(early.isError).toBe(true);
    expect(early.text).toMatch(/No transition|IN_PRE_REVIEW/);
    p.qms('--user', 'tu_ui', 'review', id, '--recommend', '--comment', 'tu_ui: ok');
    expect((await call(claude, 'qms_route', { doc_id: id, route_type: 'approval' })).isError).toBe(false);
    expect((await call(claude, 'qms_approve', { doc_id: id })).isError).toBe(true); // claude is not assigned
    expect((await call(qa, 'qms_approve', { doc_id: id })).isError).toBe(false);
    expect(await meta('CR', id)).toMatchObject({ status: 'PRE_APPROVED', version: '1.0' });
    expect((await call(claude, 'qms_release', { doc_id: id })).isError).toBe(false);
    expect((await call(claude, 'qms_route', { doc_id: id, route_type: 'review' })).isError).toBe(false);
    expect((await call(qa, 'qms_review', { doc_id: id, outcome: 'request-updates', comment: 'post: more evidence' })).isError).toBe(false);
    expect((await meta('CR', id)).status).toBe('POST_REVIEWED');
    expect((await call(claude, 'qms_revert', { doc_id: id, reason: 'add evidence' })).isError).toBe(false);
    expect((await meta('CR', id)).status).toBe('IN_EXECUTION');
    expect((await call(claude, 'qms_route', { doc_id: id, route_type: 'review' })).isError).toBe(false);
    expect((await call(qa, 'qms_review', { doc_id: id, outcome: 'recommend', comment: 'post: ok' })).isError).toBe(false);
    expect((await call(claude, 'qms_route', { doc_id: id, route_type: 'approval' })).isError).toBe(false);
    expect((await call(qa, 'qms_reject', { doc_id: id, comment: '-- not yet, --user lead' })).isError).toBe(false);
    const reject = (await audit('CR', id)).find((e) => e.event === 'REJECT');
    expect(reject).toMatchObject({ user: 'qa', comment: '-- not yet, --user lead' }); // text that looks like options stays text
    expect((await call(claude, 'qms_route', { doc_id: id, route_type: 'approval' })).isError).toBe(false);
    expect((await call(qa, 'qms_approve', { doc_id: id })).isError).toBe(false);
    expect((await call(claude, 'qms_close', { doc_id: id })).isError).toBe(false);
    expect(await meta('CR', id)).toMatchObject({ status: 'CLOSED', version: '2.0' });

    const status = await call(claude, 'qms_status', { doc_id: id, user: 'claude' });
    expect(status.text).toMatch(/Status: CLOSED/);
    const history = await call(claude, 'qms_history', { doc_id: id });
    expect(history.text).toMatch(/CLOSE by claude/);
    expect(history.text).toMatch(/APPROVE by qa/);
    const comments = await call(claude, 'qms_comments', { doc_id: id, version: '1.0' });
    expect(comments.text).toContain('post: ok');
    // Reads agree with the host's files: current, a past version, the closed copy.
    const current = await call(claude, 'qms_read', { doc_id: id });
    expect(current.text.trim()).toBe((await readFile(join(p.root, 'QMS', 'CR', id, `${id}.md`), 'utf8')).trim());
    const v1 = await call(claude, 'qms_read', { doc_id: id, version: '1.0' });
    expect(v1.text.trim()).toBe((await readFile(join(p.root, 'QMS', '.archive', 'CR', id, `${id}-v1.0.md`), 'utf8')).trim());
    expect((await call(claude, 'qms_read', { doc_id: id, version: '9.9' })).isError).toBe(true);
    // Every event of the document was written by qms-cli as the token's agent.
    const users = new Set((await audit('CR', id)).map((e) => `${String(e.event)}:${String(e.user)}`));
    expect([...users].filter((u) => u.startsWith('APPROVE:') || u.startsWith('REVIEW:') || u.startsWith('REJECT:')).every((u) => u.endsWith(':qa') || u.endsWith(':tu_ui'))).toBe(true);
  }, 120_000);

  it('refuses a user argument naming anyone but the connection, and changes nothing', async () => {
    const created = await call(claude, 'qms_create', { doc_type: 'SOP', title: 'Identity check' });
    const id = /Created: (SOP-\d+)/.exec(created.text)![1]!;
    await call(claude, 'qms_checkin', { doc_id: id });
    await call(claude, 'qms_route', { doc_id: id, route_type: 'review' });
    const before = await readFile(join(p.root, 'QMS', '.audit', 'SOP', `${id}.jsonl`), 'utf8');
    const metaBefore = await readFile(join(p.root, 'QMS', '.meta', 'SOP', `${id}.json`), 'utf8');
    const forged = await call(claude, 'qms_review', { doc_id: id, outcome: 'recommend', comment: 'I am qa', user: 'qa' });
    expect(forged.isError).toBe(true);
    expect(forged.text).toContain('this connection acts as claude');
    const asLead = await call(qa, 'qms_inbox', { user: 'lead' });
    expect(asLead).toMatchObject({ isError: true });
    expect(asLead.text).toContain('this connection acts as qa');
    expect(await readFile(join(p.root, 'QMS', '.audit', 'SOP', `${id}.jsonl`), 'utf8')).toBe(before);
    expect(await readFile(join(p.root, 'QMS', '.meta', 'SOP', `${id}.json`), 'utf8')).toBe(metaBefore);
    // Its own name is fine.
    expect((await call(qa, 'qms_inbox', { user: 'qa' })).text).toContain(id);
    // cancel needs confirm; with it, qms-cli deletes the never-effective document.
    const other = /Created: (SOP-\d+)/.exec((await call(claude, 'qms_create', { doc_type: 'SOP', title: 'To cancel' })).text)![1]!;
    await call(claude, 'qms_checkin', { doc_id: other });
    const unconfirmed = await call(claude, 'qms_cancel', { doc_id: other });
    expect(unconfirmed.isError).toBe(true);
    expect(existsSync(join(p.root, 'QMS', 'SOP', `${other}-draft.md`))).toBe(true);
    expect((await call(claude, 'qms_cancel', { doc_id: other, confirm: true })).isError).toBe(false);
    expect(existsSync(join(p.root, 'QMS', 'SOP', `${other}-draft.md`))).toBe(false);
  }, 60_000);

  it('refuses non-regular files and symbolic links in the agent folders without blocking, and unknown or malformed arguments', async () => {
    const ws = join(p.root, '.claude', 'users', 'claude', 'workspace');
    const fifo = join(ws, 'PLANTED.md');
    execFileSync('mkfifo', [fifo]);
    try {
      const listed = await call(claude, 'qms_workspace');
      expect(listed.isError).toBe(true);
      expect(listed.text).toMatch(/PLANTED\.md is a FIFO/);
    } finally {
      await unlink(fifo);
    }
    // A symbolic link at a checkout's place must not carry a host file into the QMS.
    const id = /Created: (CR-\d+)/.exec((await call(claude, 'qms_create', { doc_type: 'CR', title: 'Link check' })).text)![1]!;
    const secretDir = await mkdtemp(join(tmpdir(), 'qms-secret-'));
    await writeFile(join(secretDir, 'id_rsa'), 'HOST-SECRET-KEY\n');
    await unlink(join(ws, `${id}.md`));
    await symlink(join(secretDir, 'id_rsa'), join(ws, `${id}.md`));
    const checkin = await call(claude, 'qms_checkin', { doc_id: id });
    expect(checkin.isError).toBe(true);
    expect(checkin.text).toMatch(/symbolic link/);
    expect(await readFile(join(p.root, 'QMS', 'CR', id, `${id}-draft.md`), 'utf8')).not.toContain('HOST-SECRET-KEY');
    await unlink(join(ws, `${id}.md`));
    await rm(secretDir, { recursive: true, force: true });

    for (const [tool, args] of [
      ['qms_read', { doc_id: 'SOP-001', colour: 'red' }],
      ['qms_read', { doc_id: '--help' }],
      ['qms_read', { doc_id: '../../etc/passwd' }],
      ['qms_read', { doc_id: 'SOP-001', version: '1.0', draft: true }],
      ['qms_route', { doc_id: 'SOP-001', route_type: 'sideways' }],
      ['qms_assign', { doc_id: 'SOP-001', assignees: ['--user=lead'] }],
      ['qms_interact', { doc_id: 'SOP-001', file: '/etc/passwd' }],
      ['qms_interact', { doc_id: 'SOP-001', progress: true, compile: true }],
    ] as const) {
      const r = await call(claude, tool, args);
      expect(r.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
    }
    // A command this qms-cli lacks answers with qms-cli's own error (the snapshot has no withdraw).
    const withdraw = await call(claude, 'qms_withdraw', { doc_id: 'SOP-001' });
    expect(withdraw.isError).toBe(true);
    expect(withdraw.text).toMatch(/invalid choice: 'withdraw'/);
    // And the server is still there.
    expect((await call(claude, 'qms_status', { doc_id: 'SOP-001' })).text).toMatch(/Status: EFFECTIVE/);
  }, 60_000);

  it('passes qms_checkout, qms_fix and qms_interact to qms-cli as the token\'s user', async () => {
    // qms_fix is for administrators: claude is one, qa is not — the same call, two identities.
    const byQa = await call(qa, 'qms_fix', { doc_id: 'SOP-002' });
    expect(byQa.isError).toBe(true);
    expect(byQa.text).toMatch(/Only administrators/);
    const byClaude = await call(claude, 'qms_fix', { doc_id: 'SOP-002' });
    expect(byClaude.isError, byClaude.text).toBe(false);
    expect(byClaude.text).toMatch(/SOP-002/);
    // Checking out an effective SOP makes qms-cli's v1.1 draft and archives v1.0.
    const out = await call(claude, 'qms_checkout', { doc_id: 'SOP-002' });
    expect(out.isError, out.text).toBe(false);
    expect(out.text).toMatch(/Created draft v1\.1 from effective v1\.0/);
    expect(await meta('SOP', 'SOP-002')).toMatchObject({ version: '1.1', status: 'DRAFT', checked_out: true, responsible_user: 'claude' });
    expect(existsSync(join(p.root, 'QMS', '.archive', 'SOP', 'SOP-002-v1.0.md'))).toBe(true);
    expect((await call(claude, 'qms_checkin', { doc_id: 'SOP-002' })).isError).toBe(false);
    // The snapshot predates interactive authoring: qms-cli's own answer comes back.
    const interact = await call(claude, 'qms_interact', { doc_id: 'SOP-002', progress: true });
    expect(interact.isError).toBe(true);
    expect(interact.text).toMatch(/invalid choice: 'interact'/);
  }, 60_000);

  it('leaves QMS/ to qms-cli: the server itself wrote nothing there', () => {
    // Everything under QMS/ that changed is a document this suite's tool calls made through qms-cli.
    const changed = p.git('status', '--porcelain', '--', 'QMS/SOP/SOP-001.md', 'QMS/.meta/SOP/SOP-001.json', 'QMS/SOP/SOP-003.md', 'QMS/TEMPLATE');
    expect(changed).toBe('');
  });
});

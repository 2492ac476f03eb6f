/** The built-in QMS MCP server over real streamable HTTP with the SDK client: tools, round trip, refusals. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile, readdir, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startHttpHost, type HttpHost } from '../mcp-server/http-host.js';
import { createQmsMcpServer } from './server.js';

const TOKEN = 'qms-test-token';
const CR = `---\ntitle: Implement Containerized Claude Agent Infrastructure\nrevision_summary: Address QA feedback - remove TBD placeholder, specify Claude Code\n  installation\n---\n\n# CR-043: Implement Containerized Claude Agent Infrastructure\n\n## 1. Purpose\n`;
const SOP = `---\ntitle: Document Control\nrevision_summary: Initial draft\n---\n\n# SOP-001: Document Control\n`;

interface ToolText { isError?: boolean; text: string }

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolText> {
  const res = await client.callTool({ name, arguments: args });
  const content = res.content as Array<{ type: string; text: string }>;
  return { isError: res.isError === true, text: content.map((c) => c.text).join('\n') };
}

describe('qms-mcp server', () => {
  let root: string;
  const hosts: HttpHost[] = [];
  let claude: Client;
  let alice: Client;
  const clients: Client[] = [];

  async function clientFor(user: string): Promise<Client> {
    const host = await startHttpHost({ createServer: (identity) => createQmsMcpServer({ projectRoot: root, user: identity }), port: 0, hosts: ['127.0.0.1'], tokens: new Map([[TOKEN, user]]) });
    hosts.push(host);
    const client = new Client({ name: `test-${user}`, version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(host.urls[0]!), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }));
    clients.push(client);
    return client;
  }

  const ws = (user: string, id: string) => join(root, '.claude', 'users', user, 'workspace', `${id}.md`);
  const controlled = (id: string) => join(root, 'QMS', id.split('-')[0]!, `${id}.md`);
  const meta = async (id: string) => JSON.parse(await readFile(join(root, 'QMS', '.meta', id.split('-')[0]!, `${id}.json`), 'utf8')) as Record<string, unknown>;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'qms-mcp-test-'));
    await mkdir(join(root, 'QMS', 'CR'), { recursive: true });
    await mkdir(join(root, 'QMS', 'SOP'), { recursive: true });
    await mkdir(join(root, 'QMS', 'INV', 'INV-008'), { recursive: true });
    await writeFile(controlled('CR-043'), CR);
    await writeFile(controlled('CR-046'), CR.replace(/CR-043/g, 'CR-046'));
    await writeFile(controlled('CR-047'), CR.replace(/CR-043/g, 'CR-047'));
    await writeFile(controlled('SOP-001'), SOP);
    await writeFile(join(root, 'QMS', 'INV', 'INV-008', 'INV-008-CAPA-002.md'), '# INV-008-CAPA-002: Verify containers\n');
    await mkdir(join(root, '.claude', 'users', 'claude', 'inbox'), { recursive: true });
    await writeFile(join(root, '.claude', 'users', 'claude', 'inbox', 'task-CR-043-review.md'), '---\ntitle: Review CR-043\n---\nPlease review.\n');
    await writeFile(join(root, 'secret.txt'), 'outside the QMS tree\n');
    claude = await clientFor('claude');
    alice = await clientFor('alice');
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(hosts.map((h) => h.close()));
    await rm(root, { recursive: true, force: true });
  });

  it('offers the seeds\' five tools and qms_workspace', async () => {
    const { tools } = await claude.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['qms_checkin', 'qms_checkout', 'qms_inbox', 'qms_read', 'qms_status', 'qms_workspace']);
  });

  it('supports or refuses every argument: user only as itself, no version/draft, nothing unknown', async () => {
    const asAlice = await call(claude, 'qms_inbox', { user: 'alice' });
    expect(asAlice.isError).toBe(true);
    expect(asAlice.text).toContain('this connection acts as claude');
    expect(JSON.parse((await call(claude, 'qms_inbox', { user: 'claude' })).text)).toMatchObject({ user: 'claude' });
    expect(JSON.parse((await call(alice, 'qms_workspace')).text)).toMatchObject({ user: 'alice' });
    const version = await call(claude, 'qms_read', { doc_id: 'SOP-001', version: '1.0' });
    expect(version.isError).toBe(true);
    expect(version.text).toMatch(/keeps no past versions/);
    expect((await call(claude, 'qms_read', { doc_id: 'SOP-001', draft: true })).isError).toBe(true);
    expect((await call(claude, 'qms_read', { doc_id: 'SOP-001', colour: 'red' })).isError).toBe(true);
    // An alice checkout is not claude's to check in, whatever claude claims.
    await call(alice, 'qms_checkout', { doc_id: 'CR-047' });
    const forged = await call(claude, 'qms_checkin', { doc_id: 'CR-047', user: 'alice' });
    expect(forged.isError).toBe(true);
    expect((await meta('CR-047')).checkout).toMatchObject({ user: 'alice' });
    await call(alice, 'qms_checkin', { doc_id: 'CR-047' });
  });

  it('refuses a FIFO planted as the workspace copy without blocking, and keeps the checkout', async () => {
    await call(claude, 'qms_checkout', { doc_id: 'CR-046' });
    const copy = ws('claude', 'CR-046');
    await rm(copy);
    execFileSync('mkfifo', [copy]);
    const r = await call(claude, 'qms_checkin', { doc_id: 'CR-046' });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/FIFO/);
    expect((await meta('CR-046')).checkout).toMatchObject({ user: 'claude' });
    await rm(copy);
    await writeFile(copy, await readFile(controlled('CR-046')));
    expect((await call(claude, 'qms_checkin', { doc_id: 'CR-046' })).isError).toBe(false);
  });

  it('lists the inbox, reads documents and reports status', async () => {
    const box = JSON.parse((await call(claude, 'qms_inbox')).text) as { items: Array<{ name: string; title: string }> };
    expect(box.items).toEqual([expect.objectContaining({ name: 'task-CR-043-review.md', title: 'Review CR-043' })]);
    expect(JSON.parse((await call(alice, 'qms_inbox')).text)).toEqual({ user: 'alice', items: [] });

    expect((await call(claude, 'qms_read', { doc_id: 'CR-043' })).text).toBe(CR);
    expect((await call(claude, 'qms_read', { doc_id: 'inv-008-capa-002' })).text).toContain('Verify containers');

    const status = JSON.parse((await call(claude, 'qms_status', { doc_id: 'CR-043' })).text) as Record<string, unknown>;
    expect(status).toMatchObject({
      doc_id: 'CR-043', path: 'QMS/CR/CR-043.md', title: 'Implement Containerized Claude Agent Infrastructure',
      revision_summary: 'Address QA feedback - remove TBD placeholder, specify Claude Code installation', revision: 0, checked_out: null,
    });
    const all = JSON.parse((await call(claude, 'qms_status')).text) as { documents: Record<string, string[]>; inbox_items: number };
    expect(all.documents).toEqual({ CR: ['CR-043', 'CR-046', 'CR-047'], INV: ['INV-008-CAPA-002'], SOP: ['SOP-001'] });
    expect(all.inbox_items).toBe(1);

    const missing = await call(claude, 'qms_read', { doc_id: 'CR-999' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/CR-999 not found/);
  });

  it('checks out, lets the workspace copy be edited, and checks in atomically with metadata', async () => {
    const out = await call(claude, 'qms_checkout', { doc_id: 'CR-043' });
    expect(out.isError).toBe(false);
    expect(out.text).toContain('.claude/users/claude/workspace/CR-043.md');
    expect(await readFile(ws('claude', 'CR-043'), 'utf8')).toBe(CR);
    const status = JSON.parse((await call(claude, 'qms_status', { doc_id: 'CR-043' })).text) as { checked_out: { by: string } };
    expect(status.checked_out.by).toBe('claude');
    expect((await call(claude, 'qms_checkout', { doc_id: 'CR-043' })).text).toMatch(/already checked out by claude/);

    const edited = CR.replace('revision_summary: Address QA feedback - remove TBD placeholder, specify Claude Code\n  installation', 'revision_summary: Add EI-9') + '\nNew section.\n';
    await writeFile(ws('claude', 'CR-043'), edited);
    const inRes = await call(claude, 'qms_checkin', { doc_id: 'CR-043' });
    expect(inRes.isError).toBe(false);
    expect(inRes.text).toMatch(/revision 1/);
    expect(await readFile(controlled('CR-043'), 'utf8')).toBe(edited);
    await expect(lstat(ws('claude', 'CR-043'))).rejects.toThrow();
    const m = await meta('CR-043');
    expect(m).toMatchObject({ doc_id: 'CR-043', revision: 1, checked_in_by: 'claude', checkout: null });
    expect((m.history as Array<{ revision_summary: string }>)[0]!.revision_summary).toBe('Add EI-9');
    expect((await readdir(join(root, 'QMS', 'CR'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // a check-out/check-in without edits releases the checkout, revision unchanged
    await call(claude, 'qms_checkout', { doc_id: 'CR-043' });
    expect((await call(claude, 'qms_checkin', { doc_id: 'CR-043' })).text).toMatch(/No changes/);
    expect(await meta('CR-043')).toMatchObject({ revision: 1, checkout: null });
  });

  it('checks in the edited bytes as they are, so a non-UTF-8 byte does not read as changed outside the QMS', async () => {
    await writeFile(controlled('CR-048'), CR.replace(/CR-043/g, 'CR-048'));
    await call(claude, 'qms_checkout', { doc_id: 'CR-048' });
    // Latin-1 "é" (0xe9) is not valid UTF-8: a utf8 round trip would turn it into U+FFFD.
    const edited = Buffer.concat([Buffer.from(CR.replace(/CR-043/g, 'CR-048')), Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x0a])]);
    await writeFile(ws('claude', 'CR-048'), edited);
    expect((await call(claude, 'qms_checkin', { doc_id: 'CR-048' })).isError).toBe(false);
    expect((await readFile(controlled('CR-048'))).equals(edited)).toBe(true);
    const status = JSON.parse((await call(claude, 'qms_status', { doc_id: 'CR-048' })).text) as Record<string, unknown>;
    expect(status).toMatchObject({ revision: 1, changed_outside_qms: false });
  });

  it('refuses a check-in of a document that is not checked out, or checked out by someone else', async () => {
    const notOut = await call(claude, 'qms_checkin', { doc_id: 'SOP-001' });
    expect(notOut.isError).toBe(true);
    expect(notOut.text).toMatch(/SOP-001 is not checked out/);

    expect((await call(alice, 'qms_checkout', { doc_id: 'SOP-001' })).isError).toBe(false);
    const taken = await call(claude, 'qms_checkout', { doc_id: 'SOP-001' });
    expect(taken.isError).toBe(true);
    expect(taken.text).toMatch(/checked out by alice/);
    // claude plants a file in its own workspace and tries to check it in over alice's checkout
    await mkdir(join(root, '.claude', 'users', 'claude', 'workspace'), { recursive: true });
    await writeFile(ws('claude', 'SOP-001'), 'hijack\n');
    const other = await call(claude, 'qms_checkin', { doc_id: 'SOP-001' });
    expect(other.isError).toBe(true);
    expect(other.text).toMatch(/checked out by alice, not by claude/);
    expect(await readFile(controlled('SOP-001'), 'utf8')).toBe(SOP);
    await rm(ws('claude', 'SOP-001'));
    expect((await call(alice, 'qms_checkin', { doc_id: 'SOP-001' })).isError).toBe(false);
  });

  it('refuses a check-in when the controlled copy changed since checkout, overwriting nothing', async () => {
    await call(claude, 'qms_checkout', { doc_id: 'CR-046' });
    await writeFile(ws('claude', 'CR-046'), 'agent edit\n');
    const direct = CR.replace(/CR-043/g, 'CR-046') + '\nchanged directly on the host\n';
    await writeFile(controlled('CR-046'), direct);
    const res = await call(claude, 'qms_checkin', { doc_id: 'CR-046' });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/controlled copy of CR-046 changed since it was checked out/);
    expect(res.text).toMatch(/Nothing was overwritten/);
    expect(await readFile(controlled('CR-046'), 'utf8')).toBe(direct);
    expect(await readFile(ws('claude', 'CR-046'), 'utf8')).toBe('agent edit\n');
    expect(((await meta('CR-046')).checkout as { user: string }).user).toBe('claude');
  });

  it('rejects bad ids, traversal and absolute paths with the expected form', async () => {
    for (const bad of ['../secret', '../../etc/passwd', '/etc/passwd', 'CR-043/../../secret', 'CR-043.md', 'CR-', 'C-1', 'CR-043\0', 'QMS/CR/CR-043', '']) {
      for (const toolName of ['qms_read', 'qms_checkout', 'qms_checkin', 'qms_status']) {
        const res = await call(claude, toolName, { doc_id: bad });
        expect(res.isError, `${toolName} ${JSON.stringify(bad)}`).toBe(true);
        expect(res.text).toMatch(/invalid document id|doc_id is required/);
        expect(res.text).toMatch(/e\.g\. CR-043/);
      }
    }
    expect(await readFile(join(root, 'secret.txt'), 'utf8')).toBe('outside the QMS tree\n');
  });

  it('refuses symbolic links in the workspace', async () => {
    // the workspace copy replaced by a link to a file outside: check-in must not read through it
    await call(claude, 'qms_checkout', { doc_id: 'CR-047' });
    await rm(ws('claude', 'CR-047'));
    await symlink(join(root, 'secret.txt'), ws('claude', 'CR-047'));
    const res = await call(claude, 'qms_checkin', { doc_id: 'CR-047' });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/symbolic link/);
    expect(await readFile(controlled('CR-047'), 'utf8')).not.toContain('outside the QMS tree');
    await rm(ws('claude', 'CR-047'));

    // a link planted where a checkout would write
    await symlink(join(root, 'secret.txt'), ws('claude', 'CR-043'));
    const out = await call(claude, 'qms_checkout', { doc_id: 'CR-043' });
    expect(out.isError).toBe(true);
    expect(out.text).toMatch(/symbolic link/);
    expect(await readFile(join(root, 'secret.txt'), 'utf8')).toBe('outside the QMS tree\n');
    await rm(ws('claude', 'CR-043'));

    // the whole workspace folder of a user being a link
    const elsewhere = await mkdtemp(join(tmpdir(), 'qms-mcp-elsewhere-'));
    await mkdir(join(root, '.claude', 'users', 'mallory'), { recursive: true });
    await symlink(elsewhere, join(root, '.claude', 'users', 'mallory', 'workspace'));
    const mallory = await clientFor('mallory');
    const res2 = await call(mallory, 'qms_checkout', { doc_id: 'SOP-001' });
    expect(res2.isError).toBe(true);
    expect(res2.text).toMatch(/symbolic link/);
    expect(await readdir(elsewhere)).toEqual([]);
    await rm(elsewhere, { recursive: true });
  });

  it('keeps metadata consistent when two check-ins race', async () => {
    await call(claude, 'qms_checkout', { doc_id: 'CR-043' });
    await writeFile(ws('claude', 'CR-043'), 'race edit\n');
    const second = await clientFor('claude');
    const results = await Promise.all([call(claude, 'qms_checkin', { doc_id: 'CR-043' }), call(second, 'qms_checkin', { doc_id: 'CR-043' })]);
    expect(results.filter((r) => !r.isError)).toHaveLength(1);
    expect(results.filter((r) => r.isError)[0]!.text).toMatch(/not checked out/);
    const m = await meta('CR-043');
    expect(m).toMatchObject({ revision: 2, checkout: null });
    expect(await readFile(controlled('CR-043'), 'utf8')).toBe('race edit\n');
  });
});

/**
 * The built-in QMS MCP server over real streamable HTTP with the SDK client: tools, the
 * checkout → edit → checkin round trip in qms-cli's on-disk format (draft, archive, .meta,
 * .audit), refusals (other users, CLOSED documents, links, FIFOs, changed drafts, bad ids).
 */
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
  // CR-043 and SOP-001 in the seeds' flat layout, CR-046/047/048 in qms-cli's (a folder per CR).
  const folder = (id: string) => (id === 'CR-043' || id.startsWith('SOP') ? join(root, 'QMS', id.split('-')[0]!) : join(root, 'QMS', 'CR', id));
  const controlled = (id: string) => join(folder(id), `${id}.md`);
  const draft = (id: string) => join(folder(id), `${id}-draft.md`);
  const meta = async (id: string) => JSON.parse(await readFile(join(root, 'QMS', '.meta', id.split('-')[0]!, `${id}.json`), 'utf8')) as Record<string, unknown>;
  const audit = async (id: string) =>
    (await readFile(join(root, 'QMS', '.audit', id.split('-')[0]!, `${id}.jsonl`), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'qms-mcp-test-'));
    for (const id of ['CR-043', 'CR-046', 'CR-047', 'CR-048', 'SOP-001']) await mkdir(folder(id), { recursive: true });
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

  it('supports or refuses every argument: user only as itself, version and draft as qms-cli reads them, nothing unknown', async () => {
    const asAlice = await call(claude, 'qms_inbox', { user: 'alice' });
    expect(asAlice.isError).toBe(true);
    expect(asAlice.text).toContain('this connection acts as claude');
    expect(JSON.parse((await call(claude, 'qms_inbox', { user: 'claude' })).text)).toMatchObject({ user: 'claude' });
    expect(JSON.parse((await call(alice, 'qms_workspace')).text)).toMatchObject({ user: 'alice' });
    const version = await call(claude, 'qms_read', { doc_id: 'SOP-001', version: '1.0' });
    expect(version.isError).toBe(true);
    expect(version.text).toMatch(/version 1\.0 of SOP-001 is not in the archive/);
    const noDraft = await call(claude, 'qms_read', { doc_id: 'SOP-001', draft: true });
    expect(noDraft.isError).toBe(true);
    expect(noDraft.text).toMatch(/SOP-001 has no draft/);
    expect((await call(claude, 'qms_read', { doc_id: 'SOP-001', version: '1.0', draft: true })).isError).toBe(true);
    expect((await call(claude, 'qms_read', { doc_id: 'SOP-001', version: '../1' })).isError).toBe(true);
    expect((await call(claude, 'qms_read', { doc_id: 'SOP-001', colour: 'red' })).isError).toBe(true);
    // An alice checkout is not claude's to check in, whatever claude claims.
    await call(alice, 'qms_checkout', { doc_id: 'CR-047' });
    const forged = await call(claude, 'qms_checkin', { doc_id: 'CR-047', user: 'alice' });
    expect(forged.isError).toBe(true);
    expect(await meta('CR-047')).toMatchObject({ responsible_user: 'alice', checked_out: true });
    expect((await call(alice, 'qms_checkin', { doc_id: 'CR-047' })).isError).toBe(false);
  });

  it('refuses a FIFO planted as the workspace copy without blocking, and keeps the checkout', async () => {
    await call(claude, 'qms_checkout', { doc_id: 'CR-046' });
    const copy = ws('claude', 'CR-046');
    await rm(copy);
    execFileSync('mkfifo', [copy]);
    const r = await call(claude, 'qms_checkin', { doc_id: 'CR-046' });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/FIFO/);
    expect(await meta('CR-046')).toMatchObject({ responsible_user: 'claude', checked_out: true });
    await rm(copy);
    await writeFile(copy, await readFile(draft('CR-046')));
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
      doc_id: 'CR-043', doc_type: 'CR', path: 'QMS/CR/CR-043.md', location: 'effective', title: 'Implement Containerized Claude Agent Infrastructure',
      version: '1.0', status: 'EFFECTIVE', checked_out: false,
    });
    const all = JSON.parse((await call(claude, 'qms_status')).text) as { documents: Record<string, string[]>; inbox_items: number };
    expect(all.documents).toEqual({ CR: ['CR-043', 'CR-046', 'CR-047'], INV: ['INV-008-CAPA-002'], SOP: ['SOP-001'] });
    expect(all.inbox_items).toBe(1);

    const missing = await call(claude, 'qms_read', { doc_id: 'CR-999' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/CR-999 not found/);
  });

  it('checks out (a new N.1 draft from the effective copy, archived), edits, checks in to the draft with .meta and .audit', async () => {
    const out = await call(claude, 'qms_checkout', { doc_id: 'CR-043' });
    expect(out.isError).toBe(false);
    expect(out.text).toContain('.claude/users/claude/workspace/CR-043.md');
    expect(out.text).toMatch(/v1\.1, a new draft from effective v1\.0/);
    expect(await readFile(ws('claude', 'CR-043'), 'utf8')).toBe(CR);
    expect(await readFile(join(root, 'QMS', '.archive', 'CR', 'CR-043-v1.0.md'), 'utf8')).toBe(CR);
    expect(await meta('CR-043')).toEqual({
      doc_id: 'CR-043', doc_type: 'CR', version: '1.1', status: 'DRAFT', executable: true, execution_phase: 'pre_release',
      responsible_user: 'claude', checked_out: true, checked_out_date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), effective_version: '1.0', pending_assignees: [],
    });
    const status = JSON.parse((await call(claude, 'qms_status', { doc_id: 'CR-043' })).text) as Record<string, unknown>;
    expect(status).toMatchObject({ checked_out: true, responsible_user: 'claude', location: 'draft', version: '1.1' });
    expect((await call(claude, 'qms_checkout', { doc_id: 'CR-043' })).text).toMatch(/already checked out by claude/);

    const edited = CR + '\nNew section.\n';
    await writeFile(ws('claude', 'CR-043'), edited);
    const inRes = await call(claude, 'qms_checkin', { doc_id: 'CR-043' });
    expect(inRes.isError).toBe(false);
    expect(inRes.text).toMatch(/Checked in CR-043 \(v1\.1\) to its draft QMS\/CR\/CR-043-draft\.md; the workspace copy was removed/);
    expect(await readFile(draft('CR-043'), 'utf8')).toBe(edited);
    expect(await readFile(controlled('CR-043'), 'utf8')).toBe(CR); // <ID>.md changes only at approval/close
    await expect(lstat(ws('claude', 'CR-043'))).rejects.toThrow();
    expect(await meta('CR-043')).toMatchObject({ version: '1.1', status: 'DRAFT', checked_out: false, checked_out_date: null });
    const events = await audit('CR-043');
    expect(events.map((e) => [e.event, e.user, e.version, e.from_version])).toEqual([['CHECKOUT', 'claude', '1.1', '1.0'], ['CHECKIN', 'claude', '1.1', undefined]]);
    expect(events[0]!.ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
    expect((await readdir(join(root, 'QMS', 'CR'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // Reads as qms-cli reads: the effective copy by default, the draft, a past version.
    expect((await call(claude, 'qms_read', { doc_id: 'CR-043' })).text).toBe(CR);
    expect((await call(claude, 'qms_read', { doc_id: 'CR-043', draft: true })).text).toBe(edited);
    expect((await call(claude, 'qms_read', { doc_id: 'CR-043', version: '1.0' })).text).toBe(CR);

    // a second checkout takes the draft; a check-in without edits still ends the checkout
    expect((await call(claude, 'qms_checkout', { doc_id: 'CR-043' })).text).not.toMatch(/new draft/);
    expect(await readFile(ws('claude', 'CR-043'), 'utf8')).toBe(edited);
    expect((await call(claude, 'qms_checkin', { doc_id: 'CR-043' })).text).toMatch(/\(no changes\)/);
    expect(await meta('CR-043')).toMatchObject({ version: '1.1', checked_out: false });
  });

  it('checks in the edited bytes as they are (a non-UTF-8 byte stays)', async () => {
    await writeFile(controlled('CR-048'), CR.replace(/CR-043/g, 'CR-048'));
    await call(claude, 'qms_checkout', { doc_id: 'CR-048' });
    // Latin-1 "é" (0xe9) is not valid UTF-8: a utf8 round trip would turn it into U+FFFD.
    const edited = Buffer.concat([Buffer.from(CR.replace(/CR-043/g, 'CR-048')), Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x0a])]);
    await writeFile(ws('claude', 'CR-048'), edited);
    expect((await call(claude, 'qms_checkin', { doc_id: 'CR-048' })).isError).toBe(false);
    expect((await readFile(draft('CR-048'))).equals(edited)).toBe(true);
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
    expect(await readFile(draft('SOP-001'), 'utf8')).toBe(SOP);
    expect(await readFile(controlled('SOP-001'), 'utf8')).toBe(SOP);
    await rm(ws('claude', 'SOP-001'));
    expect((await call(alice, 'qms_checkin', { doc_id: 'SOP-001' })).isError).toBe(false);
  });

  it('refuses a check-in when the draft changed since checkout, overwriting nothing', async () => {
    await call(claude, 'qms_checkout', { doc_id: 'CR-046' });
    await writeFile(ws('claude', 'CR-046'), 'agent edit\n');
    const direct = (await readFile(draft('CR-046'), 'utf8')) + '\nchanged directly on the host\n';
    await writeFile(draft('CR-046'), direct);
    const res = await call(claude, 'qms_checkin', { doc_id: 'CR-046' });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/draft of CR-046 changed since it was checked out/);
    expect(res.text).toMatch(/Nothing was overwritten/);
    expect(await readFile(draft('CR-046'), 'utf8')).toBe(direct);
    expect(await readFile(ws('claude', 'CR-046'), 'utf8')).toBe('agent edit\n');
    expect(await meta('CR-046')).toMatchObject({ responsible_user: 'claude', checked_out: true });
  });

  it('refuses CLOSED and RETIRED documents and documents in review, changing nothing', async () => {
    for (const [id, status] of [['CR-050', 'CLOSED'], ['SOP-009', 'RETIRED'], ['SOP-010', 'IN_REVIEW']] as const) {
      const dir = id.startsWith('CR') ? join(root, 'QMS', 'CR', id) : join(root, 'QMS', 'SOP');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `${id}.md`), `# ${id}\n`);
      await mkdir(join(root, 'QMS', '.meta', id.split('-')[0]!), { recursive: true });
      const m = { doc_id: id, doc_type: id.split('-')[0], version: '2.0', status, executable: id.startsWith('CR'), execution_phase: null, responsible_user: null, checked_out: false, checked_out_date: null, effective_version: '2.0', pending_assignees: [] };
      await writeFile(join(root, 'QMS', '.meta', id.split('-')[0]!, `${id}.json`), JSON.stringify(m, null, 2));
      const before = await readdir(dir);
      const r = await call(claude, 'qms_checkout', { doc_id: id });
      expect(r.isError, id).toBe(true);
      expect(r.text).toContain(status);
      expect(await readdir(dir)).toEqual(before);
      expect(await meta(id)).toMatchObject({ status, checked_out: false });
      await expect(lstat(ws('claude', id))).rejects.toThrow();
    }
  });

  it('never deletes a workspace file it did not write', async () => {
    // A checkout on record that this server did not make (e.g. another tool's): the file stays.
    const id = 'CR-047';
    await writeFile(draft(id), `${await readFile(controlled(id), 'utf8')}`);
    const m = await meta(id);
    await writeFile(join(root, 'QMS', '.meta', 'CR', `${id}.json`), JSON.stringify({ ...m, responsible_user: 'claude', checked_out: true, checked_out_date: '2026-01-01' }, null, 2));
    await writeFile(ws('claude', id), 'edited elsewhere\n');
    const r = await call(claude, 'qms_checkin', { doc_id: id });
    expect(r.isError).toBe(false);
    expect(r.text).toMatch(/left in place/);
    expect(await readFile(ws('claude', id), 'utf8')).toBe('edited elsewhere\n');
    expect(await readFile(draft(id), 'utf8')).toBe('edited elsewhere\n');
    await rm(ws('claude', id));
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
    await call(claude, 'qms_checkout', { doc_id: 'CR-048' });
    await rm(ws('claude', 'CR-048'));
    await symlink(join(root, 'secret.txt'), ws('claude', 'CR-048'));
    const res = await call(claude, 'qms_checkin', { doc_id: 'CR-048' });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/symbolic link/);
    expect(await readFile(draft('CR-048'), 'utf8')).not.toContain('outside the QMS tree');
    await rm(ws('claude', 'CR-048'));
    await writeFile(ws('claude', 'CR-048'), await readFile(draft('CR-048')));
    expect((await call(claude, 'qms_checkin', { doc_id: 'CR-048' })).isError).toBe(false);

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
    expect(await meta('CR-043')).toMatchObject({ checked_out: false });
    expect(await readFile(draft('CR-043'), 'utf8')).toBe('race edit\n');
    expect((await audit('CR-043')).filter((e) => e.event === 'CHECKIN')).toHaveLength(3);
  });
});

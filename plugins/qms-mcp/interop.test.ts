/**
 * What the built-in backend writes, qms-cli can read and continue: a repository without
 * qms-cli is changed by our built-in server (checkout → edit → checkin over MCP), then the
 * qms-cli snapshot takes it over — `status`, `read` (effective, draft, archived version),
 * `history`, `checkout`/`checkin` agree, and qms-cli carries our draft through review and
 * approval to EFFECTIVE v2.0. Until qms-cli arrives the built-in backend keeps accepting its
 * own tree (its audit trails and metadata are no qms-cli markers).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startHttpHost, type HttpHost } from '../mcp-server/http-host.js';
import { qmsCliFixture } from '../../test/helpers/qms-cli-project.js';
import { chooseBackend } from './choose-backend.js';
import { createQmsMcpServer } from './server.js';

const SOP = '---\ntitle: Document Control\nrevision_summary: Initial release\n---\n\n# SOP-001: Document Control\n\n## 1. Purpose\n\nHow documents are controlled.\n';
const TOKEN = 'interop-token-0123456789';

describe('interop: the built-in backend writes what qms-cli reads', () => {
  let root: string;
  let host: HttpHost;
  let client: Client;
  const qms = (...args: string[]): string =>
    execFileSync('python3', [join(root, 'qms-cli', 'qms.py'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const call = async (name: string, args: Record<string, unknown>): Promise<{ isError: boolean; text: string }> => {
    const res = await client.callTool({ name, arguments: args });
    return { isError: res.isError === true, text: (res.content as Array<{ text: string }>).map((c) => c.text).join('\n') };
  };

  beforeAll(async () => {
    qmsCliFixture(); // fail early, naming where the snapshot should be
    root = await mkdtemp(join(tmpdir(), 'qms-interop-'));
    await mkdir(join(root, 'QMS', 'SOP'), { recursive: true });
    await writeFile(join(root, 'QMS', 'SOP', 'SOP-001.md'), SOP);
    await mkdir(join(root, '.claude', 'agents'), { recursive: true });
    await writeFile(join(root, '.claude', 'agents', 'qa.md'), '---\nname: qa\ngroup: quality\ndescription: Quality assurance\n---\n\nQA agent.\n');
    expect((await chooseBackend(root, { backend: 'auto' })).kind).toBe('builtin');
    host = await startHttpHost({ createServer: (identity) => createQmsMcpServer({ projectRoot: root, user: identity }), port: 0, hosts: ['127.0.0.1'], tokens: new Map([[TOKEN, 'claude']]) });
    client = new Client({ name: 'interop', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(host.urls[0]!), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }));
  });

  afterAll(async () => {
    await client?.close();
    await host?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('checkout → edit → checkin by the built-in server, then qms-cli reads and continues the same document', async () => {
    expect((await call('qms_checkout', { doc_id: 'SOP-001' })).isError).toBe(false);
    const workspace = join(root, '.claude', 'users', 'claude', 'workspace', 'SOP-001.md');
    const edited = (await readFile(workspace, 'utf8')).replace('How documents are controlled.', 'How documents are controlled, by whom and when.');
    await writeFile(workspace, edited);
    expect((await call('qms_checkin', { doc_id: 'SOP-001' })).isError).toBe(false);
    // Our own audit trail and metadata do not make the built-in backend refuse its tree.
    expect((await chooseBackend(root, { backend: 'builtin' })).kind).toBe('builtin');

    // qms-cli takes the repository over.
    cpSync(qmsCliFixture(), join(root, 'qms-cli'), { recursive: true, filter: (src) => !src.includes('__pycache__') });
    const status = qms('--user', 'claude', 'status', 'SOP-001');
    expect(status).toMatch(/^Version: 1\.1$/m);
    expect(status).toMatch(/^Status: DRAFT$/m);
    expect(status).toMatch(/^Location: draft$/m);
    expect(status).toMatch(/^Checked Out: False$/m);
    expect(status).toMatch(/^Effective Version: 1\.0$/m);
    expect(status).toMatch(/^Title: Document Control$/m);
    expect(qms('--user', 'claude', 'read', 'SOP-001').trimEnd()).toBe(SOP.trimEnd());
    expect(qms('--user', 'claude', 'read', 'SOP-001', '--draft').trimEnd()).toBe(edited.trimEnd());
    expect(qms('--user', 'claude', 'read', 'SOP-001', '--version', '1.0').trimEnd()).toBe(SOP.trimEnd());
    const history = qms('--user', 'claude', 'history', 'SOP-001');
    expect(history).toMatch(/CHECKOUT by claude - v1\.1 \(from v1\.0\)/);
    expect(history).toMatch(/CHECKIN by claude - v1\.1/);
    // The built-in server's record is also what our own qms_read says.
    expect((await call('qms_read', { doc_id: 'SOP-001', draft: true })).text).toBe(edited);

    // qms-cli continues the document: checkout, checkin, review, approval.
    expect(qms('--user', 'claude', 'checkout', 'SOP-001')).toMatch(/Checked out: SOP-001/);
    expect(await readFile(workspace, 'utf8')).toContain('by whom and when');
    expect(qms('--user', 'claude', 'checkin', 'SOP-001')).toMatch(/Checked in: SOP-001 \(v1\.1\)/);
    qms('--user', 'claude', 'route', 'SOP-001', '--review');
    qms('--user', 'qa', 'review', 'SOP-001', '--recommend', '--comment', 'fine');
    qms('--user', 'claude', 'route', 'SOP-001', '--approval');
    expect(qms('--user', 'qa', 'approve', 'SOP-001')).toMatch(/Version: 1\.1 -> 2\.0/);
    const effective = await readFile(join(root, 'QMS', 'SOP', 'SOP-001.md'), 'utf8');
    expect(effective).toContain('by whom and when');
    expect(qms('--user', 'claude', 'status', 'SOP-001')).toMatch(/^Status: EFFECTIVE$/m);

    // And the built-in backend now stays out of the way.
    await expect(chooseBackend(root, { backend: 'builtin' })).rejects.toThrow(/kept by qms-cli \(found qms-cli\/qms\.py/);
  }, 60_000);
});

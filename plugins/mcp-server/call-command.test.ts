/**
 * `qms call` with the real `qms` binary on a project kept by the qms-cli snapshot: the QMS
 * server started by `qms task mcp:qms` (agents claude and qa), its tools listed, tools called
 * as each agent (checked on qms-cli's .meta/.audit), a forged user refused with exit 1, bad
 * input named; the tokens never printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureBuilt, qmsBin } from '../../test/cli/built.js';
import { makeQmsCliProject, type QmsCliProject } from '../../test/helpers/qms-cli-project.js';
import { freePort } from '../../test/helpers/processes.js';

interface Run {
  code: number;
  /** Plugin commands print through the redacting console logger, on stderr: both streams here. */
  stdout: string;
  stderr: string;
}

describe('qms call', () => {
  let p: QmsCliProject;
  let tokens: string[] = [];
  const qms = (...args: string[]): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [qmsBin, ...args], { cwd: p.root, env: { ...process.env, CI: '1', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout: stdout + stderr, stderr }));
    });
  const noToken = (r: Run): void => {
    for (const t of tokens) expect(r.stdout + r.stderr).not.toContain(t);
  };

  beforeAll(async () => {
    ensureBuilt();
    p = makeQmsCliProject('qms-call-test-');
    const port = await freePort();
    await writeFile(
      join(p.root, 'qms.config.ts'),
      `import { defineConfig, qmsMcp } from 'qms';\nexport default defineConfig({ plugins: [qmsMcp({ port: ${port}, hosts: ['127.0.0.1'], agents: ['claude', 'qa'] })] });\n`,
    );
    const up = await qms('task', 'mcp:qms');
    expect(up.code, up.stderr + up.stdout).toBe(0);
    tokens = await Promise.all(['qms.token', 'qms@qa.token'].map(async (f) => (await readFile(join(p.root, '.qms', 'mcp', f), 'utf8')).trim()));
  }, 60_000);

  afterAll(async () => {
    if (!p) return;
    await qms('task', 'mcp:qms:stop');
    await rm(p.root, { recursive: true, force: true });
  });

  it('lists the tools without a tool name', async () => {
    const r = await qms('call', 'qms');
    expect(r.code, r.stderr).toBe(0);
    for (const t of ['qms_inbox', 'qms_route', 'qms_review', 'qms_approve', 'qms_history', 'qms_create']) expect(r.stdout).toMatch(new RegExp(`^${t} — `, 'm'));
    noToken(r);
  });

  it('calls a tool as the default agent or as --agent, printing the CLI text', async () => {
    const created = await qms('call', 'qms', 'qms_create', '{"doc_type":"SOP","title":"Made with qms call"}');
    expect(created.code, created.stderr).toBe(0);
    const id = /Created: (SOP-\d+)/.exec(created.stdout)![1]!;
    const meta = JSON.parse(await readFile(join(p.root, 'QMS', '.meta', 'SOP', `${id}.json`), 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({ responsible_user: 'claude', status: 'DRAFT' });
    expect((await qms('call', 'qms', 'qms_checkin', JSON.stringify({ doc_id: id }))).code).toBe(0);
    expect((await qms('call', 'qms', 'qms_route', JSON.stringify({ doc_id: id, route_type: 'review' }))).code).toBe(0);
    const inbox = await qms('call', 'qms', 'qms_inbox', '--agent', 'qa');
    expect(inbox.code).toBe(0);
    expect(inbox.stdout).toContain(`[REVIEW] ${id}`);
    const review = await qms('call', 'qms', 'qms_review', JSON.stringify({ doc_id: id, outcome: 'recommend', comment: 'via qms call' }), '--agent', 'qa');
    expect(review.code, review.stdout + review.stderr).toBe(0);
    const audit = (await readFile(join(p.root, 'QMS', '.audit', 'SOP', `${id}.jsonl`), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit.find((e) => e.event === 'REVIEW')).toMatchObject({ user: 'qa', comment: 'via qms call' });
    noToken(inbox);
  }, 60_000);

  it('exits 1 on a tool error: a forged user, an error from qms-cli', async () => {
    const forged = await qms('call', 'qms', 'qms_inbox', '{"user":"qa"}');
    expect(forged.code).toBe(1);
    expect(forged.stdout + forged.stderr).toContain('this connection acts as claude');
    const missing = await qms('call', 'qms', 'qms_status', '{"doc_id":"CR-999"}');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/not found/i);
    const unknownTool = await qms('call', 'qms', 'qms_teleport');
    expect(unknownTool.code).toBe(1);
  });

  it('names bad input: JSON, an agent the server has no token for, a server that is not running', async () => {
    const badJson = await qms('call', 'qms', 'qms_status', '{doc_id:');
    expect(badJson.code).not.toBe(0);
    expect(badJson.stderr).toMatch(/not valid JSON/);
    const lead = await qms('call', 'qms', 'qms_inbox', '--agent', 'lead');
    expect(lead.code).not.toBe(0);
    expect(lead.stderr).toMatch(/no token for agent lead \(it serves claude, qa\)/);
    const none = await qms('call', 'git', 'git_exec');
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/MCP server git is not running/);
  });
});

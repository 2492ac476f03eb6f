/**
 * The QMS check on the qms-cli backend against a real container (the light agent image) and
 * our QMS server started by the supervisor on a project kept by the qms-cli snapshot: the tool
 * set, the agent acting as itself (compared with qms-cli on the host), a forged user refused,
 * a read matching the host file — and no controlled document written: `git status -- QMS`
 * is clean afterwards, and there is no round trip; unless the user names a document for one,
 * which then is the only thing that changes.
 */
import type Docker from 'dockerode';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chmod, rm, utimes } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../docker-engine/client.js';
import { ensureContainer, resolveOptions } from '../container/api.js';
import { defaultAgentUser } from '../container/options.js';
import { buildLiteImage } from '../container/test/lite-image.js';
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { qmsMcp } from '../mcp-server/index.js';
import { stopServer } from '../mcp-server/supervisor.js';
import { createSession } from '../session/create-session.js';
import { makeTaskContext } from '../../test/helpers/mcp-context.js';
import { makeQmsCliProject, type QmsCliProject } from '../../test/helpers/qms-cli-project.js';
import { freePort } from '../../test/helpers/processes.js';
import { memoryState, testContext } from '../../test/plugin-test-context.js';
import { checkQms } from './check-qms.js';
import { standaloneTarget } from './target.js';

const suffix = randomBytes(3).toString('hex');
const IMAGE = `qms-agent-lite:qmscli-${suffix}`;
const PROJECT = `qmscli-${suffix}`;

let docker: Docker;
let p: QmsCliProject;
let endpoint: McpEndpoint;
let containerId: string;
let containerUser: string;

beforeAll(async () => {
  docker = await connectDocker(process.env as Record<string, string>);
  await buildLiteImage(docker, IMAGE);
  p = makeQmsCliProject('qms-verify-cli-');
  p.qms('--user', 'claude', 'create', 'CR', '--title', 'Open change');
  await chmod(p.root, 0o755);
  // The agent (uid 1000 when tests run as root) must be able to enter its project and workspace.
  const { uid, gid } = defaultAgentUser();
  execFileSync('chown', ['-R', `${uid}:${gid}`, `${p.root}/.claude`]);
  p.git('add', '-A');
  p.git('commit', '-qm', 'a CR in progress');
  const port = await freePort();
  const ctx = makeTaskContext(p.root);
  endpoint = (await qmsMcp({ port }).tasks[0]!.run(ctx)) as McpEndpoint;
  const state = memoryState();
  const cctx = testContext({ root: p.root, project: PROJECT, name: 'container', state, results: { 'mcp:qms': endpoint } });
  await createSession(p.root, 'claude');
  const opts = resolveOptions({ image: IMAGE, limits: { cpus: 1, memory: '256m', pids: 200 }, mcpServers: ['mcp:qms'], sshDir: false, readyTimeoutSec: 60, network: 'open' });
  const { result } = await ensureContainer(cctx, { opts, endpoints: [endpoint], image: IMAGE, force: false });
  containerId = result.id;
  containerUser = (await docker.getContainer(containerId).inspect()).Config.User ?? '';
}, 600_000);

afterAll(async () => {
  if (p) await stopServer(makeTaskContext(p.root), 'qms', { graceMs: 1000 }).catch(() => undefined);
  if (docker) {
    const filters = { label: [`qms.project=${PROJECT}`] };
    for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true });
    for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
    await docker.getImage(IMAGE).remove({ force: true }).catch(() => undefined);
  }
  if (p) await rm(p.root, { recursive: true, force: true });
});

describe('QMS check on the qms-cli backend, from inside a real container', () => {
  it('proves the tool set, the identity, the refusal and a read, and writes nothing under QMS/', async () => {
    const target = standaloneTarget({ docker, containerId, user: containerUser, agent: 'claude', signal: new AbortController().signal, nonce: suffix });
    // A tracked file with a new mtime: a plain `git status` would refresh the index's stat data
    // and rewrite .git/index (taking its lock); the check's must leave the user's index alone.
    const sop = join(p.root, 'QMS', 'SOP', 'SOP-001.md');
    await utimes(sop, new Date(), new Date(Date.now() + 5_000));
    const index = () => createHash('sha256').update(readFileSync(join(p.root, '.git', 'index'))).digest('hex');
    const indexBefore = index();
    const records = await checkQms(target, endpoint, p.root);
    expect(index()).toBe(indexBefore);
    const byId = new Map(records.map((r) => [r.id, r]));
    expect([...byId.keys()].sort()).toEqual(['qms-identity', 'qms-identity-refused', 'qms-read', 'qms-tools', 'qms-tree-unchanged']);
    for (const r of records) expect(r.result, `${r.id}: ${r.actual}`).toBe('pass');
    expect(byId.get('qms-tools')!.how).toMatch(/kept by qms-cli/);
    expect(byId.get('qms-identity')!.how).toMatch(/qms-cli\/qms\.py --user claude inbox/);
    expect(byId.get('qms-identity-refused')!.actual).toContain('this connection acts as claude');
    expect(byId.get('qms-read')!.title).toMatch(/SOP-001/);
    expect(p.git('status', '--porcelain', '--untracked-files=all', '--', 'QMS')).toBe('');
    for (const r of records) expect(JSON.stringify(r)).not.toContain(endpoint.token);
  }, 120_000);

  it('round-trips a document the user names, and QMS/ changes only in that document', async () => {
    p.qms('--user', 'claude', 'checkin', 'CR-001'); // created checked out; free it for the round trip
    p.git('add', '-A');
    p.git('commit', '-qm', 'CR-001 checked in');
    const target = standaloneTarget({ docker, containerId, user: containerUser, agent: 'claude', signal: new AbortController().signal, nonce: `${suffix}-rt` });
    const records = await checkQms(target, endpoint, p.root, { roundTripDoc: 'CR-001' });
    const byId = new Map(records.map((r) => [r.id, r]));
    for (const r of records) expect(r.result, `${r.id}: ${r.actual}`).toBe('pass');
    expect(byId.get('qms-round-trip')!.title).toMatch(/CR-001 \(named for verification\)/);
    expect(byId.get('qms-tree-unchanged')!.actual).toMatch(/apart from CR-001/);
    expect(p.qms('--user', 'claude', 'read', 'CR-001', '--draft')).toContain(`by qms verify ${suffix}-rt.`);
    expect(p.qms('--user', 'claude', 'history', 'CR-001')).toMatch(/CHECKOUT by claude[\s\S]*CHECKIN by claude/);
    // Nothing but CR-001's own files changed.
    const changed = p.git('status', '--porcelain', '--untracked-files=all', '--', 'QMS').trim().split('\n').filter(Boolean);
    expect(changed.length).toBeGreaterThan(0);
    for (const line of changed) expect(line).toMatch(/CR-001/);
  }, 120_000);

  it('fails the identity check when the token acts as someone else than the agent verified', async () => {
    const target = standaloneTarget({ docker, containerId, user: containerUser, agent: 'qa', signal: new AbortController().signal, nonce: suffix });
    const records = await checkQms(target, endpoint, p.root);
    const byId = new Map(records.map((r) => [r.id, r]));
    expect(byId.get('qms-identity')!.result).toBe('fail');
    expect(byId.get('qms-identity-refused')!.result).toBe('fail'); // the refusal names claude, not qa
    expect(byId.get('qms-tree-unchanged')!.result).toBe('pass');
  }, 120_000);
});

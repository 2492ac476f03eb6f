/**
 * The Git MCP server against a real temporary repository (protected paths as real submodules,
 * hooks and an fsmonitor that would write canaries) and a bare "remote" on disk, through the
 * real MCP SDK client: in memory for the bulk, over streamable HTTP via the shared host, and as
 * the compiled `serve-main.js git-mcp` process.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpHost } from '../mcp-server/http-host.js';
import { packageRoot } from '../mcp-server/package-root.js';
import { HOSTILE_CORPUS } from './hostile-corpus.js';
import { createGitExecutor, createGitMcpServer, mcpServerFor } from './server.js';

const tmp = mkdtempSync(join(tmpdir(), 'git-mcp-int-'));
const project = join(tmp, 'project');
const remote = join(tmp, 'remote.git');
const canary = join(tmp, 'canary');
const auditLog = join(tmp, 'audit', 'git-mcp.log');
const identity = ['-c', 'user.name=Setup', '-c', 'user.email=setup@example.com', '-c', 'init.defaultBranch=main', '-c', 'protocol.file.allow=always'];

/** git for the test's own setup and checks: never runs the canary hooks or fsmonitor. */
function plainGit(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...identity, '-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, GIT_CONFIG_NOSYSTEM: '1' },
  }).trim();
}

function makeRepo(dir: string, file: string): void {
  mkdirSync(dir, { recursive: true });
  plainGit(dir, 'init', '-q');
  writeFileSync(join(dir, file), `${file}\n`);
  plainGit(dir, 'add', '.');
  plainGit(dir, 'commit', '-qm', `init ${file}`);
}

const canaries = (): string[] => readdirSync(canary);

beforeAll(() => {
  mkdirSync(canary);
  makeRepo(join(tmp, 'fs-src'), 'flow.py');
  makeRepo(join(tmp, 'cli-src'), 'cli.py');
  makeRepo(project, 'README.md');
  mkdirSync(join(project, 'docs'));
  writeFileSync(join(project, 'docs', 'a.md'), 'a\n');
  plainGit(project, 'submodule', 'add', '-q', join(tmp, 'fs-src'), 'flow-state');
  plainGit(project, 'submodule', 'add', '-q', join(tmp, 'cli-src'), 'qms-cli');
  plainGit(project, 'add', '.');
  plainGit(project, 'commit', '-qm', 'docs and submodules');
  plainGit(tmp, 'init', '-q', '--bare', remote);
  plainGit(project, 'remote', 'add', 'origin', remote);
  plainGit(project, 'push', '-q', '-u', 'origin', 'main');
  plainGit(project, 'config', 'user.name', 'Agent');
  plainGit(project, 'config', 'user.email', 'agent@example.com');
  // Canaries: hooks and an fsmonitor that would record that they ran.
  for (const hook of ['pre-commit', 'commit-msg', 'post-commit', 'pre-push', 'post-checkout', 'post-merge', 'reference-transaction', 'pre-rebase', 'post-rewrite']) {
    const file = join(project, '.git', 'hooks', hook);
    writeFileSync(file, `#!/bin/sh\ntouch '${canary}/hook-${hook}'\n`);
    chmodSync(file, 0o755);
  }
  const fsmonitor = join(tmp, 'fsmonitor.sh');
  writeFileSync(fsmonitor, `#!/bin/sh\ntouch '${canary}/fsmonitor'\n`);
  chmodSync(fsmonitor, 0o755);
  plainGit(project, 'config', 'core.fsmonitor', fsmonitor);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface CallResult {
  text: string;
  isError: boolean;
}

async function inMemoryClient(): Promise<{ call: (command: string) => Promise<CallResult>; client: Client; close: () => Promise<void> }> {
  // The wide preset: ordinary maintainer work on docs/ and every hostile spelling by its own rule.
  const server = await createGitMcpServer({ projectRoot: project, auditLog, policy: { preset: 'maintainer' } });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'git-mcp-test', version: '1.0.0' });
  await client.connect(clientSide);
  return { client, call: (command) => callTool(client, command), close: () => client.close() };
}

async function callTool(client: Client, command: string): Promise<CallResult> {
  const r = await client.callTool({ name: 'git_exec', arguments: { command } });
  const content = r.content as Array<{ type: string; text: string }>;
  return { text: content.map((c) => c.text).join('\n'), isError: r.isError === true };
}

const auditLines = (): Array<Record<string, unknown>> =>
  existsSync(auditLog) ? readFileSync(auditLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : [];

describe('git_exec over the MCP SDK client (in memory)', () => {
  let call: (command: string) => Promise<CallResult>;
  let client: Client;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ call, client, close } = await inMemoryClient());
  });
  afterAll(async () => close());

  it('lists one tool, git_exec, taking a command string', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['git_exec']);
    expect(tools[0]?.inputSchema.properties).toHaveProperty('command');
    expect(tools[0]?.inputSchema.required).toEqual(['command']);
  });

  it('does ordinary work: status, log, diff, add, commit, branch, switch, push, fetch, pull (fast-forward)', async () => {
    const status = await call('status');
    expect(status.isError).toBe(false);
    expect(status.text).toMatch(/^\$ git status\nOn branch main/);
    expect(status.text).toMatch(/\[exit 0\]$/);
    expect((await call('git log --oneline -5')).text).toMatch(/docs and submodules/);

    writeFileSync(join(project, 'docs', 'a.md'), 'a\nchanged\n');
    expect((await call('diff -- docs/a.md')).text).toMatch(/\+changed/);
    writeFileSync(join(project, 'docs', 'notes.md'), 'notes\n');
    const commit = await call("add docs/a.md docs/notes.md && commit -m 'Session notes | with \"quotes\" & more'");
    expect(commit.isError).toBe(false);
    expect(plainGit(project, 'log', '-1', '--format=%s%n%an')).toBe('Session notes | with "quotes" & more\nAgent');

    expect((await call('branch feature && switch feature')).isError).toBe(false);
    expect(plainGit(project, 'branch', '--show-current')).toBe('feature');
    expect((await call('switch main')).isError).toBe(false);

    const push = await call('push origin main');
    expect(push.isError).toBe(false);
    expect(plainGit(remote, 'rev-parse', 'main')).toBe(plainGit(project, 'rev-parse', 'HEAD'));

    // Someone else pushes; fetch and a fast-forward pull bring it in.
    const other = join(tmp, 'other');
    plainGit(tmp, 'clone', '-q', remote, other);
    writeFileSync(join(other, 'docs', 'b.md'), 'b\n');
    plainGit(other, 'add', 'docs/b.md');
    plainGit(other, 'commit', '-qm', 'from elsewhere');
    plainGit(other, 'push', '-q', 'origin', 'main');
    expect((await call('fetch origin')).isError).toBe(false);
    expect(plainGit(project, 'rev-parse', 'origin/main')).toBe(plainGit(other, 'rev-parse', 'HEAD'));
    const pull = await call('pull --ff-only origin main');
    expect(pull.isError).toBe(false);
    expect(plainGit(project, 'rev-parse', 'HEAD')).toBe(plainGit(other, 'rev-parse', 'HEAD'));

    // Hooks and fsmonitor were configured to write canaries; the hardened settings kept them off.
    expect(canaries()).toEqual([]);
  });

  it('evaluates chains with shell semantics', async () => {
    const and = await call('rev-parse --verify no-such-ref && status');
    expect(and.isError).toBe(true);
    expect(and.text).toMatch(/\$ git status\n\[skipped: previous command failed\]/);
    const or = await call('rev-parse --verify no-such-ref || rev-parse --abbrev-ref HEAD');
    expect(or.isError).toBe(false);
    expect(or.text).toMatch(/\$ git rev-parse --abbrev-ref HEAD\nmain\n\[exit 0\]/);
    const orSkipped = await call('status --short || log');
    expect(orSkipped.text).toMatch(/\$ git log\n\[skipped: previous command succeeded\]/);
    const seq = await call('rev-parse --verify no-such-ref ; rev-parse --abbrev-ref HEAD');
    expect(seq.isError).toBe(false);
    expect(seq.text).toMatch(/\[exit 128\][\s\S]*\nmain\n\[exit 0\]$/);
  });

  it(`refuses every one of the ${HOSTILE_CORPUS.length} hostile inputs, naming the rule, and nothing runs`, async () => {
    expect(HOSTILE_CORPUS.length).toBeGreaterThanOrEqual(40);
    const head = plainGit(project, 'rev-parse', 'HEAD');
    const remoteRefs = plainGit(remote, 'show-ref');
    const subHeads = ['flow-state', 'qms-cli'].map((s) => plainGit(join(project, s), 'rev-parse', 'HEAD'));
    const before = auditLines().length;
    for (const entry of HOSTILE_CORPUS) {
      const command = entry.command.split('{canary}').join(canary);
      const r = await call(command);
      expect.soft(r.isError, command).toBe(true);
      expect.soft(r.text, command).toContain(`refused by rule "${entry.rule}"`);
      expect.soft(r.text, command).toMatch(/Nothing was run\.$/);
    }
    expect(canaries()).toEqual([]);
    expect(existsSync(join(tmp, 'clone'))).toBe(false);
    expect(plainGit(project, 'rev-parse', 'HEAD')).toBe(head);
    expect(plainGit(remote, 'show-ref')).toBe(remoteRefs);
    expect(['flow-state', 'qms-cli'].map((s) => plainGit(join(project, s), 'rev-parse', 'HEAD'))).toEqual(subHeads);
    expect(plainGit(project, 'status', '--porcelain', '--', 'flow-state', 'qms-cli')).toBe('');
    const lines = auditLines().slice(before);
    expect(lines).toHaveLength(HOSTILE_CORPUS.length);
    expect(lines.map((l) => l.rule)).toEqual(HOSTILE_CORPUS.map((e) => e.rule));
    expect(lines.every((l) => l.verdict === 'refused' && l.exitCode === null && typeof l.durationMs === 'number')).toBe(true);
  });

  it('refuses every hostile input under the default agent preset too (by whichever rule comes first), with the same effects', async () => {
    const agent = await createGitExecutor({ projectRoot: project, auditLog });
    const head = plainGit(project, 'rev-parse', 'HEAD');
    const remoteRefs = plainGit(remote, 'show-ref');
    for (const entry of HOSTILE_CORPUS) {
      const command = entry.command.split('{canary}').join(canary);
      expect.soft((await agent.exec(command)).isError, command).toBe(true);
    }
    expect(canaries()).toEqual([]);
    expect(plainGit(project, 'rev-parse', 'HEAD')).toBe(head);
    expect(plainGit(remote, 'show-ref')).toBe(remoteRefs);
    expect(plainGit(project, 'status', '--porcelain', '--', 'flow-state', 'qms-cli')).toBe('');
  });

  it('cannot be made to smuggle options: a leading "-" is an option to the policy wherever git reads it as one', async () => {
    const smuggled = await call(`checkout --upload-pack="touch ${canary}/smuggled"`);
    expect(smuggled.text).toContain('refused by rule "runs-program"');
    // --end-of-options does not launder it (git 2.39's log would still parse --output after it).
    expect((await call(`log --end-of-options --output=${canary}/after-end`)).text).toContain('refused by rule "writes-file"');
    // Where git itself reads the text as an option's value, it is allowed and stays inert.
    const message = await call(`commit --allow-empty -m "--upload-pack=touch ${canary}/as-message"`);
    expect(message.isError).toBe(false);
    expect(plainGit(project, 'log', '-1', '--format=%s')).toBe(`--upload-pack=touch ${canary}/as-message`);
    const branch = await call(`switch --orphan --upload-pack=touch`);
    expect(branch.isError).toBe(true);
    expect(branch.text).toMatch(/not a valid branch name/);
    expect(canaries()).toEqual([]);
  });

  it('writes an audit entry per call (command, verdict, rule, exit code, duration) in a private file', async () => {
    const before = auditLines().length;
    await call('status --short');
    await call('push --force');
    const [start, ok, refused] = auditLines().slice(before);
    // Written before git runs (no record, no run), then the outcome.
    expect(start).toMatchObject({ command: 'status --short', verdict: 'allowed', phase: 'start', exitCode: null });
    expect(ok).toMatchObject({ command: 'status --short', verdict: 'allowed', exitCode: 0 });
    expect(ok?.phase).toBeUndefined();
    expect((ok?.steps as unknown[]).length).toBe(1);
    expect(refused).toMatchObject({ command: 'push --force', verdict: 'refused', rule: 'push-force', exitCode: null });
    expect(typeof ok?.time).toBe('string');
    expect(statSync(auditLog).mode & 0o777).toBe(0o600);
    expect(statSync(join(tmp, 'audit')).mode & 0o777).toBe(0o700);
  });
});

describe('limits and bad options', () => {
  it('stops git and says so when output exceeds the cap', async () => {
    const executor = await createGitExecutor({ projectRoot: project, auditLog, maxOutputBytes: 64 });
    const r = await executor.exec('log -p');
    expect(r.text).toMatch(/\[output truncated at 64 bytes; git was stopped\]/);
  });

  it('kills git and its helpers (the process group) on timeout', async () => {
    // A remote that accepts connections and never answers: git-remote-http (a child of git) waits on it.
    const sockets = new Set<Socket>();
    const silent = createNetServer((s) => {
      sockets.add(s);
      s.resume(); // read (and ignore) the request, so the peer's close is seen
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    plainGit(project, 'remote', 'add', 'silent', `http://127.0.0.1:${port}/x.git`);
    try {
      const executor = await createGitExecutor({ projectRoot: project, auditLog, timeoutMs: 700, policy: { allowedProtocols: ['http'] } });
      const r = await executor.exec('fetch silent');
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/\[killed: no result within 700 ms\]/);
      // The helper that held the connection is gone too.
      await expect.poll(() => sockets.size, { timeout: 5000 }).toBe(0);
    } finally {
      plainGit(project, 'remote', 'remove', 'silent');
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('rejects a project root that is not a repository, and a bad policy, with a hint', async () => {
    await expect(createGitExecutor({ projectRoot: tmp })).rejects.toMatchObject({ message: expect.stringMatching(/not the top of a git repository/), hint: expect.any(String) });
    await expect(createGitExecutor({ projectRoot: join(tmp, 'nope') })).rejects.toThrow(/not a folder/);
    await expect(createGitExecutor({ projectRoot: project, policy: { allowedProtocols: ['ext'] } })).rejects.toThrow(/cannot be allowed/);
    await expect(createGitExecutor({ projectRoot: project, timeoutMs: -1 })).rejects.toThrow(/positive/);
  });
});

/** The compiled server entry (`npm test` builds first; build here when run on its own). */
function builtEntry(): string {
  if (!existsSync(join(packageRoot(), 'dist', 'plugins', 'git-mcp', 'serve.js'))) {
    execFileSync(process.execPath, [join(packageRoot(), 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(packageRoot(), 'tsconfig.build.json')], { stdio: 'inherit' });
  }
  return join(packageRoot(), 'dist', 'plugins', 'mcp-server', 'serve-main.js');
}

describe('git_exec over streamable HTTP', () => {
  const token = 'git-mcp-test-token-7f3a9c';

  it('serves git_exec through the shared HTTP host with the bearer token', async () => {
    const executor = await createGitExecutor({ projectRoot: project, auditLog });
    const host = await startHttpHost({ createServer: () => mcpServerFor(executor), port: 0, hosts: ['127.0.0.1'], tokens: new Map([[token, 'claude']]) });
    try {
      const url = host.urls[0] as string;
      const client = new Client({ name: 'git-mcp-http-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      const ok = await callTool(client, 'rev-parse --abbrev-ref HEAD');
      expect(ok).toEqual({ text: '$ git rev-parse --abbrev-ref HEAD\nmain\n[exit 0]', isError: false });
      const refused = await callTool(client, `fetch --upload-pack="touch ${canary}/http" origin`);
      expect(refused.isError).toBe(true);
      expect(refused.text).toContain('refused by rule "runs-program"');
      await client.close();
      const anonymous = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
      expect(anonymous.status).toBe(401);
      expect(canaries()).toEqual([]);
    } finally {
      await host.close();
    }
  });

  it('runs as `serve-main.js git-mcp` (what qms serve and the supervisor start) and stops on SIGTERM', async () => {
    const entry = builtEntry();
    const child = spawn(process.execPath, [entry, 'git-mcp', '--project-root', project, '--port', '0', '--host', '127.0.0.1', '--audit-log', auditLog], {
      env: { ...process.env, QMS_MCP_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
        child.stdout.on('data', () => {
          const m = /at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(out);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      expect(out).not.toContain(token);
      const client = new Client({ name: 'git-mcp-serve-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      expect((await callTool(client, 'status --short')).isError).toBe(false);
      // The default preset is the agent's: reset is not one of its subcommands at all.
      expect((await callTool(client, 'reset --hard')).text).toContain('refused by rule "subcommand-allowlist"');
      await client.close();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('runs over stdio (`--transport stdio`)', async () => {
    const entry = builtEntry();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [entry, 'git-mcp', '--project-root', project, '--transport', 'stdio', '--audit-log', auditLog],
      stderr: 'pipe',
    });
    const client = new Client({ name: 'git-mcp-stdio-test', version: '1.0.0' });
    await client.connect(transport);
    expect((await callTool(client, 'rev-parse --abbrev-ref HEAD')).text).toContain('\nmain\n[exit 0]');
    expect((await callTool(client, 'stash clear')).text).toContain('refused by rule "subcommand-allowlist"');
    await client.close();
  });
});

/**
 * The host boundary, tested the way an agent in the container would attack it: nested
 * repositories planted in the folders it may write (clean/smudge filters, diff.external,
 * core.worktree pointing out of the project, hooks, an fsmonitor, a `.git` file pointing
 * elsewhere), the host's secrets (.env, .qms tokens), host files outside its folders, and
 * exclusion-only pathspecs. Judged by effect only: canary files, the index, refs, the remote
 * and file contents — never by the wording of a refusal. The default (agent) preset throughout.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startHttpHost } from '../mcp-server/http-host.js';
import type { GitExecutor } from './git-exec.js';
import { createGitExecutor, executorsByAgent, mcpServerFor } from './server.js';

const tmp = mkdtempSync(join(tmpdir(), 'git-mcp-boundary-'));
const project = join(tmp, 'project');
const remote = join(tmp, 'remote.git');
const canary = join(tmp, 'canary');
const outside = join(tmp, 'outside');
const workspace = '.claude/users/claude/workspace';
const session = '.claude/sessions/Session-2026-11-29-001';
const ENV_VALUE = 'sk-ant-envvalue-4f1c9e0b7d';
const TOKEN_VALUE = 'mcp-token-9a8b7c6d5e4f';
const OUTSIDE_VALUE = 'host-file-outside-the-project-31337';
const CONFIG_TEXT = "export default { plugins: [] }; // the user's own\n";

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'protocol.file.allow=always', ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Setup', GIT_AUTHOR_EMAIL: 's@x', GIT_COMMITTER_NAME: 'Setup', GIT_COMMITTER_EMAIL: 's@x' },
  }).trim();
}

const write = (rel: string, text: string): void => {
  mkdirSync(join(project, rel, '..'), { recursive: true });
  writeFileSync(join(project, rel), text);
};

const canaryScript = (name: string): string => {
  const file = join(tmp, `${name}.sh`);
  writeFileSync(file, `#!/bin/sh\ntouch '${canary}/${name}'\ncat\n`);
  chmodSync(file, 0o755);
  return file;
};

/** A nested repository with a committed file that is then changed, so diffs and status have work to do. */
function plantRepo(rel: string, config: Array<[string, string]>, attributes?: string): void {
  const dir = join(project, rel);
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q');
  if (attributes) writeFileSync(join(dir, '.gitattributes'), attributes);
  writeFileSync(join(dir, 'a.txt'), 'one\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'nested');
  writeFileSync(join(dir, 'a.txt'), 'one\ntwo\n');
  for (const [key, value] of config) git(dir, 'config', key, value);
  for (const hook of ['pre-commit', 'post-commit', 'post-checkout', 'post-index-change', 'reference-transaction']) {
    writeFileSync(join(dir, '.git', 'hooks', hook), `#!/bin/sh\ntouch '${canary}/hook-${hook}'\n`);
    chmodSync(join(dir, '.git', 'hooks', hook), 0o755);
  }
}

let executor: GitExecutor;
beforeAll(async () => {
  mkdirSync(canary);
  mkdirSync(outside);
  writeFileSync(join(outside, 'passwd'), `${OUTSIDE_VALUE}\n`);
  mkdirSync(project);
  git(project, 'init', '-q', '-b', 'main');
  write('README.md', 'project\n');
  write('qms.config.ts', CONFIG_TEXT);
  write('QMS/CR/CR-001.md', '# CR-001\neffective text\n');
  write(`${session}/.keep`, '');
  write(`${workspace}/.keep`, '');
  write('.gitignore', 'docker/.env\n');
  git(project, 'add', '.');
  git(project, 'commit', '-qm', 'init');
  git(tmp, 'init', '-q', '--bare', remote);
  git(project, 'remote', 'add', 'origin', remote);
  git(project, 'push', '-q', '-u', 'origin', 'main');
  git(project, 'config', 'user.name', 'Agent');
  git(project, 'config', 'user.email', 'agent@example.com');

  // The host's secrets: an untracked .env, an ignored docker/.env, the MCP tokens under .qms/.
  write('.env', `ANTHROPIC_API_KEY=${ENV_VALUE}\n`);
  write('docker/.env', `GH_TOKEN=${ENV_VALUE}\n`);
  write('.qms/mcp/git.token', `${TOKEN_VALUE}\n`);

  // What the agent plants in the folders it may write.
  const filter = canaryScript('filter-clean');
  const smudge = canaryScript('filter-smudge');
  const external = canaryScript('diff-external');
  const textconv = canaryScript('textconv');
  const fsmonitor = canaryScript('fsmonitor');
  plantRepo(`${workspace}/evil-filter`, [['filter.evil.clean', filter], ['filter.evil.smudge', smudge], ['filter.evil.required', 'true']], '* filter=evil diff=evil\n');
  plantRepo(`${session}/evil-diff`, [['diff.external', external], ['diff.evil.textconv', textconv], ['core.fsmonitor', fsmonitor]], '* diff=evil\n');
  plantRepo(`${session}/evil-worktree`, [['core.worktree', outside]]);
  // A `.git` file pointing at a repository outside the project.
  plantRepo('../elsewhere', [['diff.external', external]]);
  write(`${workspace}/gitfile/.git`, `gitdir: ${join(tmp, 'elsewhere', '.git')}\n`);
  write(`${workspace}/gitfile/a.txt`, 'x\n');
  // Attributes in the agent's folder naming drivers the host does not define.
  write(`${workspace}/.gitattributes`, '* filter=evil diff=evil merge=evil\n');
  write(`${workspace}/evil.ts`, 'process.exit(1) // agent code\n');
  write(`${workspace}/draft.md`, 'a draft\n');
  execFileSync('mkfifo', [join(project, workspace, 'pipe')]);

  // Positive control: the planted configuration is live — git run inside those repositories runs it.
  execFileSync('git', ['diff'], { cwd: join(project, session, 'evil-diff'), env: { PATH: process.env.PATH ?? '', HOME: tmp } });
  execFileSync('git', ['diff'], { cwd: join(project, workspace, 'evil-filter'), env: { PATH: process.env.PATH ?? '', HOME: tmp } });
  expect(canaries()).toEqual(expect.arrayContaining(['diff-external', 'filter-clean']));
  for (const f of canaries()) rmSync(join(canary, f));

  executor = await createGitExecutor({ projectRoot: project, auditLog: join(project, '.qms', 'git-mcp.log'), timeoutMs: 15_000 });
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const canaries = (): string[] => readdirSync(canary);
const index = (): string => git(project, 'ls-files', '-s');
const remoteFiles = (): string => git(remote, 'log', '--all', '--name-only', '--format=');

/** Commands an attacker in the container would send; none may run a program, read outside, leak or change what it must not. */
const HOSTILE: readonly string[] = [
  // 1. programs run on the host through nested repositories
  `add ${session}/ && commit -m 'Session notes'`,
  'diff --stat',
  `add ${workspace}/evil-filter`,
  `add ${workspace}/evil-filter/a.txt`,
  `add -A ${workspace}`,
  `add ${workspace}/gitfile`,
  `add ${workspace}/gitfile/a.txt`,
  `diff --submodule=diff -- ${session}/evil-diff`,
  `diff --submodule=log -- ${session}`,
  `status --ignore-submodules=none`,
  // 2. host files outside the repository
  `diff --submodule=diff -- ${session}/evil-worktree`,
  `add ${session}/evil-worktree && diff --cached --submodule=diff`,
  // 3. secrets
  'add .env',
  'add -f docker/.env',
  'add -A',
  'add .',
  "add '*'",
  "add ':!README.md'",
  "add ':(exclude)QMS'",
  "add ':^x'",
  "add ':(glob)**'",
  "add ':(top)'",
  'cat-file -p :.env',
  'add .qms/mcp/git.token && diff --cached -- .qms',
  "add ':(literal).qms/mcp/git.token'",
  'stash push -u -- .qms .env',
  'stash -u',
  'grep --untracked -e ANTHROPIC',
  'grep --no-index -e ANTHROPIC',
  'show :.env',
  // 4. host files outside the agent's folders replaced
  'stash push -u -- qms.config.ts',
  `mv ${workspace}/evil.ts qms.config.ts`,
  'rm qms.config.ts',
  'rm QMS/CR/CR-001.md',
  'checkout -- qms.config.ts',
  'restore --source=HEAD~0 qms.config.ts',
  'reset -q HEAD -- qms.config.ts',
  'commit -am sync',
  'commit -m sync -- qms.config.ts',
  // 5. exclusion-only pathspecs and prune-style ref deletion
  "add -- ':!flow-state'",
  "fetch --prune origin 'refs/heads/*:refs/heads/*'",
  "fetch origin ':refs/heads/main'",
  "pull --ff-only --prune origin 'refs/heads/*:refs/heads/*'",
  'push origin HEAD:refs/heads/other',
  'push --tags origin',
  // 6. availability: a FIFO must be refused, not waited on
  `add ${workspace}/pipe`,
];

describe('the host boundary, by effect (agent preset)', () => {
  it(`refuses all ${HOSTILE.length} hostile inputs: nothing ran, nothing outside was read, no secret left, nothing replaced`, async () => {
    modifyTracked();
    const head = git(project, 'rev-parse', 'HEAD');
    const refs = git(project, 'for-each-ref');
    const remoteRefs = git(remote, 'for-each-ref');
    const indexBefore = index();
    let refused = 0;
    const outputs: string[] = [];
    for (const command of HOSTILE) {
      const r = await executor.exec(command);
      outputs.push(r.text);
      // Allowed read commands (diff --stat) may succeed; what matters is their effect below.
      if (r.isError) refused++;
    }
    const all = outputs.join('\n');
    expect(canaries()).toEqual([]);
    expect(all).not.toContain(OUTSIDE_VALUE);
    expect(all).not.toContain(ENV_VALUE);
    expect(all).not.toContain(TOKEN_VALUE);
    expect(index()).toBe(indexBefore);
    expect(git(project, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(project, 'for-each-ref')).toBe(refs);
    expect(git(remote, 'for-each-ref')).toBe(remoteRefs);
    expect(remoteFiles()).not.toMatch(/\.env|\.qms/);
    expect(readFileSync(join(project, 'qms.config.ts'), 'utf8')).toBe(CONFIG_TEXT);
    expect(readFileSync(join(project, 'QMS/CR/CR-001.md'), 'utf8')).toBe('# CR-001\neffective text\n');
    expect(readFileSync(join(project, '.env'), 'utf8')).toContain(ENV_VALUE);
    expect(readFileSync(join(project, '.qms/mcp/git.token'), 'utf8')).toContain(TOKEN_VALUE);
    expect(git(project, 'stash', 'list')).toBe('');
    // Only `diff --stat` is an allowed read among them; everything else was refused.
    expect(refused).toBe(HOSTILE.length - 1);
    console.log(`host boundary: ${refused}/${HOSTILE.length - 1} hostile inputs refused (plus 1 allowed read, harmless by effect)`);
    restoreTracked();
  });

  it('runs every allowed read command with the nested repositories present, and none of them runs or reads what they planted', async () => {
    const reads = [
      'status', 'status --short --untracked-files=all', 'diff', 'diff --stat', 'diff HEAD', 'diff --cached', 'log -p -3', 'show --stat HEAD',
      'ls-files -o', 'ls-files -o --directory', 'grep -n effective', 'blame README.md', 'branch -vv', 'remote -v', 'log --oneline --all',
      `diff -- ${session}`, `status -- ${workspace}`, 'describe --always', 'shortlog -sn', 'rev-parse HEAD', 'reflog -3',
    ];
    let ok = 0;
    for (const command of reads) {
      const r = await executor.exec(command);
      expect.soft(r.isError, `${command}\n${r.text}`).toBe(false);
      expect(r.text).not.toContain(OUTSIDE_VALUE);
      expect(r.text).not.toContain(ENV_VALUE);
      if (!r.isError) ok++;
    }
    expect(canaries()).toEqual([]);
    expect(ok).toBe(reads.length);
  });

  it('keeps the documented session workflow working: add the session notes, commit, push to the remote', async () => {
    const notes = '.claude/sessions/Session-2026-11-29-002/notes.md';
    write(notes, '# Session notes\n');
    const r = await executor.exec(`add ${notes} && commit -m 'Session notes' && push`);
    expect(r.isError, r.text).toBe(false);
    expect(git(remote, 'log', '-1', '--format=%s', 'main')).toBe('Session notes');
    expect(git(remote, 'show', '--name-only', '--format=', 'main')).toBe(notes);
    // A whole session folder without a nested repository, and a QMS draft, are the agent's to commit.
    write('.claude/sessions/Session-2026-11-29-002/more.md', 'more\n');
    write('QMS/CR/CR-002-draft.md', '# draft\n');
    const folder = await executor.exec("add .claude/sessions/Session-2026-11-29-002/ QMS/CR/CR-002-draft.md && commit -m 'notes and draft' && push origin HEAD");
    expect(folder.isError, folder.text).toBe(false);
    expect(git(remote, 'show', '--name-only', '--format=', 'main').split('\n').sort()).toEqual(['.claude/sessions/Session-2026-11-29-002/more.md', 'QMS/CR/CR-002-draft.md']);
    expect((await executor.exec('fetch origin && pull --ff-only')).isError).toBe(false);
    expect(canaries()).toEqual([]);
  });

  it('refuses to commit what someone else staged outside the writable paths, and leaves the index as it was', async () => {
    writeFileSync(join(project, 'README.md'), 'project\nstaged by the host user\n');
    git(project, 'add', 'README.md');
    const head = git(project, 'rev-parse', 'HEAD');
    const r = await executor.exec("commit -m 'sneak'");
    expect(r.isError).toBe(true);
    expect(git(project, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(project, 'diff', '--cached', '--name-only')).toBe('README.md');
    git(project, 'reset', '-q', 'README.md');
    git(project, 'checkout', '-q', '--', 'README.md');
  });

  it('fails closed: when the audit record cannot be written, git does not run', async () => {
    const blocked = join(tmp, 'audit-is-a-folder');
    mkdirSync(join(blocked, 'git-mcp.log'), { recursive: true });
    const unaudited = await createGitExecutor({ projectRoot: project, auditLog: join(blocked, 'git-mcp.log') });
    const head = git(project, 'rev-parse', 'HEAD');
    const r = await unaudited.exec("commit --allow-empty -m 'unaudited'");
    expect(r.isError).toBe(true);
    expect(git(project, 'rev-parse', 'HEAD')).toBe(head);
    // A removed audit folder is made again rather than written around (the default log, in .qms/).
    rmSync(join(project, '.qms'), { recursive: true, force: true });
    const defaultLog = await createGitExecutor({ projectRoot: project });
    expect((await defaultLog.exec('status --short')).isError).toBe(false);
    expect(existsSync(join(project, '.qms', 'git-mcp.log'))).toBe(true);
    expect(readFileSync(join(project, '.qms', '.gitignore'), 'utf8')).toBe('*\n');
    write('.qms/mcp/git.token', `${TOKEN_VALUE}\n`);
  });
});

describe('what is already in the object store, and floods', () => {
  it('never prints a host secret value, even from a blob a human once staged (red-team: add .env, reset, cat-file -p <sha>)', async () => {
    git(project, 'add', '-f', '.env');
    const blob = git(project, 'ls-files', '-s', '.env').split(/\s+/)[1] as string;
    git(project, 'reset', '-q', '.env');
    const listed = await executor.exec('cat-file --batch-all-objects --batch-check');
    expect(listed.text).toContain(blob);
    for (const command of [`cat-file -p ${blob}`, `show ${blob}`, `cat-file blob ${blob}`]) {
      const r = await executor.exec(command);
      expect(r.text, command).toContain('ANTHROPIC_API_KEY=***');
      expect(r.text, command).not.toContain(ENV_VALUE);
    }
    const token = await executor.exec(`show ${git(project, 'hash-object', '-w', '.qms/mcp/git.token')}`);
    expect(token.text).not.toContain(TOKEN_VALUE);
  });

  it('runs at most a few calls per agent at once and refuses a flood beyond its queue; the whole chain shares one output budget', async () => {
    const small = await createGitExecutor({ projectRoot: project, auditLog: join(tmp, 'flood.log'), maxOutputBytes: 4096 });
    const results = await Promise.all(Array.from({ length: 30 }, () => small.exec('log -p -3')));
    const busy = results.filter((r) => r.refusal?.rule === 'busy').length;
    expect(busy).toBeGreaterThan(0);
    expect(results.filter((r) => !r.isError || r.refusal === undefined).length).toBe(30 - busy);
    const chain = await small.exec(Array.from({ length: 16 }, () => 'log -p').join(' ; '));
    expect(chain.text.length).toBeLessThan(4096 * 3);
    expect(chain.text).toMatch(/\[skipped: the call's output limit \(4096 bytes\) is reached\]/);
  });
});

describe('races: what the agent swaps in while add runs never reaches the index', () => {
  it('a file swapped with a nested repository, and a folder swapped with a link out of the project, over and over during add', async () => {
    const ws = join(project, workspace);
    mkdirSync(join(ws, 'race'), { recursive: true });
    writeFileSync(join(ws, 'race', 'x'), 'plain file\n');
    plantRepo(`${workspace}/race/y`, [['core.fsmonitor', canaryScript('race-fsmonitor')]]);
    mkdirSync(join(ws, 'race', 'dir'));
    writeFileSync(join(ws, 'race', 'dir', 'passwd'), 'the agent\'s own file\n');
    symlinkSync(outside, join(ws, 'race', 'link'));
    // A separate process swaps x<->y and dir<->link as fast as it can, for a bounded time.
    const swapper = spawn(process.execPath, ['-e', `
      const { renameSync } = require('node:fs');
      const d = ${JSON.stringify(join(ws, 'race'))};
      const end = Date.now() + 8000;
      const swap = (a, b) => { try { renameSync(d + '/' + a, d + '/t'); renameSync(d + '/' + b, d + '/' + a); renameSync(d + '/t', d + '/' + b); } catch {} };
      while (Date.now() < end) { swap('x', 'y'); swap('dir', 'link'); }
    `], { stdio: 'ignore' });
    const exited = new Promise((r) => swapper.on('exit', r));
    for (let i = 0; i < 25; i++) {
      await executor.exec(`add ${workspace}/race/x ${workspace}/race/dir/passwd`);
      await executor.exec(`add ${workspace}/race`);
    }
    await exited;
    const staged = git(project, 'ls-files', '-s', '--', `${workspace}/race`);
    expect(staged).not.toMatch(/^160000/m);
    for (const line of staged.split('\n').filter(Boolean)) {
      const blob = git(project, 'cat-file', '-p', line.split(/\s+/)[1] as string);
      expect(blob).not.toContain(OUTSIDE_VALUE);
    }
    // The host user's own git, afterwards, runs nothing the agent planted.
    execFileSync('git', ['status', '--porcelain'], { cwd: project, env: { PATH: process.env.PATH ?? '', HOME: tmp } });
    expect(canaries()).toEqual([]);
    git(project, 'rm', '-r', '-q', '-f', '--cached', '--ignore-unmatch', '--', `${workspace}/race`);
    rmSync(join(ws, 'race'), { recursive: true, force: true });
  }, 60_000);
});

describe('identity from the credential: each agent gets its own policy', () => {
  it('the initiator commits its session notes; a reviewer\'s token can only read; nobody commits another agent\'s folder; the audit names the agent', async () => {
    const auditLog = join(tmp, 'team-audit.log');
    const executorFor = executorsByAgent({ projectRoot: project, auditLog, initiator: 'claude' });
    const host = await startHttpHost({
      createServer: async (identity) => mcpServerFor(await executorFor(identity)),
      port: 0,
      hosts: ['127.0.0.1'],
      tokens: new Map([['token-of-claude-0123456789', 'claude'], ['token-of-qa-0123456789abc', 'qa']]),
    });
    const connect = async (token: string): Promise<Client> => {
      const client = new Client({ name: 'team-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(host.urls[0] as string), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      return client;
    };
    const call = async (client: Client, command: string): Promise<boolean> => (await client.callTool({ name: 'git_exec', arguments: { command } })).isError !== true;
    try {
      const claude = await connect('token-of-claude-0123456789');
      const qa = await connect('token-of-qa-0123456789abc');
      write('.claude/users/qa/workspace/review.md', 'qa notes\n');
      write('.claude/sessions/Session-2026-11-29-003/by-qa.md', 'qa\n');
      const head = git(project, 'rev-parse', 'HEAD');
      expect(await call(qa, 'status --short')).toBe(true);
      expect(await call(qa, 'add .claude/sessions/Session-2026-11-29-003/by-qa.md')).toBe(false);
      expect(await call(qa, "commit --allow-empty -m 'qa was here'")).toBe(false);
      expect(await call(qa, 'push')).toBe(false);
      expect(await call(claude, 'add .claude/users/qa/workspace/review.md')).toBe(false);
      expect(git(project, 'diff', '--cached', '--name-only')).toBe('');
      expect(git(project, 'rev-parse', 'HEAD')).toBe(head);
      expect(await call(claude, "add .claude/sessions/Session-2026-11-29-003/by-qa.md && commit -m 'session 3'")).toBe(true);
      expect(git(project, 'log', '-1', '--format=%s')).toBe('session 3');
      await claude.close();
      await qa.close();
      const agents = readFileSync(auditLog, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { agent?: string }).agent);
      expect(new Set(agents)).toEqual(new Set(['claude', 'qa']));
    } finally {
      await host.close();
    }
  });
});

/** A tracked change outside the agent's folders, so exclusion-only pathspecs have something to reach. */
function modifyTracked(): void {
  writeFileSync(join(project, 'README.md'), 'project\nchanged by the host user\n');
}
function restoreTracked(): void {
  git(project, 'checkout', '-q', '--', 'README.md');
}

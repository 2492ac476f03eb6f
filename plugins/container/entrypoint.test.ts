/**
 * docker/entrypoint.sh on the host with the real Claude Code binary and two real MCP servers:
 * with the generated overlays as the project's `.mcp.json` / `.claude/settings.local.json`
 * and the servers registered at user scope (headersHelper = docker/mcp-headers.sh), `claude mcp
 * list` in the project shows every server `✔ Connected` and none `Pending approval`;
 * registration is one-time per server list, a rotated token needs none, and no token is ever
 * printed, written into Claude's config, or seen in any process's arguments (`ps`, sampled
 * throughout), written by python3, by node when there is no python3, and by `claude mcp
 * add-json` when there is neither.
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { writeOverlays } from './overlays.js';
import { defaultAgentUser } from './options.js';
import { startTestMcpServer, type TestMcpServer } from './test/mcp-test-server.js';
import { linesWithSecrets, watchProcessArgs } from '../../test/helpers/process-args.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const entrypoint = join(repo, 'docker/entrypoint.sh');
const headersHelper = join(repo, 'docker/mcp-headers.sh');
const bin = join(repo, 'node_modules/.bin');

let dir: string;
let project: string;
let configDir: string;
let servers: TestMcpServer[] = [];

const endpoints = (): McpEndpoint[] =>
  servers.map((s, i) => ({ name: ['qms', 'git'][i]!, port: s.port, hostUrl: s.url, containerUrl: s.url, token: s.token }));

/** Regenerate the overlays and put them where the container's mounts would. */
async function placeOverlays(): Promise<string> {
  const o = await writeOverlays(join(dir, 'overlay'), endpoints(), undefined, defaultAgentUser());
  await copyFile(o.mcpJson, join(project, '.mcp.json'));
  await copyFile(o.settingsLocal, join(project, '.claude/settings.local.json'));
  return join(o.etcDir, 'mcp-servers.tsv');
}

async function entry(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return run('bash', [entrypoint, ...args], {
    cwd: project,
    env: { PATH: `${bin}:${process.env.PATH}`, CLAUDE_CONFIG_DIR: configDir, QMS_READY_FILE: join(dir, 'ready'), QMS_MCP_HEADERS_HELPER: headersHelper, ...env },
    timeout: 120_000,
  });
}

async function mcpList(cwd = project): Promise<string> {
  const { stdout } = await run(join(bin, 'claude'), ['mcp', 'list'], { cwd, env: { ...process.env, CLAUDE_CONFIG_DIR: configDir }, timeout: 120_000 });
  return stdout;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qms-entrypoint-'));
  project = join(dir, 'pipe-dream');
  configDir = join(dir, 'claude-config');
  await mkdir(join(project, '.claude'), { recursive: true });
  await mkdir(configDir);
  servers = [await startTestMcpServer('qms', 'tok-qms-0123456789abcdef'), await startTestMcpServer('git', 'tok-git-0123456789abcdef')];
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

/** Every token the servers have had, by name, for scanning output, files and `ps`. */
const tokensSeen: Record<string, string> = {};
const noteTokens = () => servers.forEach((sv, i) => (tokensSeen[`${['qms', 'git'][i]}-${sv.token.slice(-6)}`] = sv.token));

/** Runs `fn` while sampling `ps -eo args`; fails if any token appeared in a command line. */
async function withoutTokenInArgs<T>(fn: () => Promise<T>): Promise<T> {
  noteTokens();
  const watch = watchProcessArgs();
  try {
    return await fn();
  } finally {
    const { lines, samples } = await watch.stop();
    expect(samples).toBeGreaterThan(0);
    expect(linesWithSecrets(lines, tokensSeen)).toEqual([]);
  }
}

async function userConfig(): Promise<{ text: string; servers: Record<string, Record<string, unknown>> }> {
  const text = await readFile(join(configDir, '.claude.json'), 'utf8');
  return { text, servers: (JSON.parse(text) as { mcpServers: Record<string, Record<string, unknown>> }).mcpServers };
}

describe('entrypoint MCP registration', () => {
  it('registers every server once, with a headersHelper and no token anywhere; claude mcp list shows all Connected, none pending', async () => {
    const tsv = await placeOverlays();
    const first = await withoutTokenInArgs(() => entry(['true'], { QMS_MCP_SERVERS_FILE: tsv }));
    expect(first.stderr).toContain('registered MCP server qms');
    expect(first.stderr).toContain('registered MCP server git');
    for (const s of servers) expect(first.stdout + first.stderr).not.toContain(s.token);
    expect((await stat(join(dir, 'ready'))).isFile()).toBe(true);
    const config = await userConfig();
    expect(config.servers.qms).toEqual({ type: 'http', url: servers[0]!.url, headersHelper: `${headersHelper} ${tsv}` });
    for (const s of servers) expect(config.text).not.toContain(s.token);
    expect((await stat(join(configDir, '.claude.json'))).mode & 0o777).toBe(0o600);
    // The project's .mcp.json (the overlay) holds no token either.
    for (const s of servers) expect(await readFile(join(project, '.mcp.json'), 'utf8')).not.toContain(s.token);

    const list = await withoutTokenInArgs(() => mcpList());
    expect(list).toMatch(/qms: .*✔ Connected/);
    expect(list).toMatch(/git: .*✔ Connected/);
    expect(list).not.toContain('Pending');
    expect(list).not.toContain('Conflicting');
    // User scope: the same servers outside the project too (e.g. in /projects/<clone>).
    const outside = await mcpList(dir);
    expect(outside).toMatch(/qms: .*✔ Connected/);

    const again = await entry(['true'], { QMS_MCP_SERVERS_FILE: tsv });
    expect(again.stderr).not.toContain('registered');
  }, 240_000);

  it('a rotated token needs no re-registration: the helper reads the new one', async () => {
    servers[1]!.token = 'tok-git-rotated-fedcba9876543210';
    const tsv = await placeOverlays();
    const { stdout, stderr } = await withoutTokenInArgs(() => entry(['true'], { QMS_MCP_SERVERS_FILE: tsv }));
    expect(stderr).not.toContain('registered');
    expect(stdout + stderr).not.toContain('rotated');
    const list = await withoutTokenInArgs(() => mcpList());
    expect(list).toMatch(/git: .*✔ Connected/);
    expect(list).toMatch(/qms: .*✔ Connected/);
    expect(list).not.toContain('Pending');
  }, 240_000);

  it('without python3, node writes the same entries, and drops a server no longer listed', async () => {
    // A `python3` that fails stands in for an image without it.
    const noPython = join(dir, 'no-python');
    await mkdir(noPython, { recursive: true });
    await writeFile(join(noPython, 'python3'), '#!/bin/sh\nexit 127\n');
    await chmod(join(noPython, 'python3'), 0o755);
    const tsv = await placeOverlays();
    const onlyGit = join(dir, 'only-git.tsv');
    await writeFile(onlyGit, (await readFile(tsv, 'utf8')).split('\n').filter((l) => l.startsWith('git\t')).join('\n') + '\n', { mode: 0o600 });
    const { stderr } = await withoutTokenInArgs(() => entry(['true'], { QMS_MCP_SERVERS_FILE: onlyGit, PATH: `${noPython}:${bin}:${process.env.PATH}` }));
    expect(stderr).toContain('registered MCP server git');
    const config = await userConfig();
    expect(config.servers).toEqual({ git: { type: 'http', url: servers[1]!.url, headersHelper: `${headersHelper} ${onlyGit}` } });
    expect((await stat(join(configDir, '.claude.json'))).mode & 0o777).toBe(0o600);
    for (const s of servers) expect(config.text).not.toContain(s.token);
  }, 240_000);

  it('without python3 and node, registers through `claude mcp add-json` (still no token in any argument), and drops a server no longer listed', async () => {
    // A `python3` and a `node` that fail stand in for an image without them.
    const noNode = join(dir, 'no-node');
    await mkdir(noNode, { recursive: true });
    for (const tool of ['node', 'python3']) {
      await writeFile(join(noNode, tool), '#!/bin/sh\nexit 127\n');
      await chmod(join(noNode, tool), 0o755);
    }
    const tsv = await placeOverlays();
    // Only qms this time: git registered earlier must go.
    const onlyQms = join(dir, 'only-qms.tsv');
    await writeFile(onlyQms, (await readFile(tsv, 'utf8')).split('\n').filter((l) => l.startsWith('qms\t')).join('\n') + '\n', { mode: 0o600 });
    const { stderr } = await withoutTokenInArgs(() => entry(['true'], { QMS_MCP_SERVERS_FILE: onlyQms, PATH: `${noNode}:${bin}:${process.env.PATH}` }));
    expect(stderr).toContain('registered MCP server qms');
    const config = await userConfig();
    expect(Object.keys(config.servers)).toEqual(['qms']);
    expect(config.servers.qms).toMatchObject({ headersHelper: `${headersHelper} ${onlyQms}` });
    const list = await mcpList(dir);
    expect(list).toMatch(/qms: .*✔ Connected/);
    expect(list).not.toMatch(/^git:/m);
    // Back to both servers for the tests below.
    await entry(['true'], { QMS_MCP_SERVERS_FILE: tsv });
    expect(Object.keys((await userConfig()).servers).sort()).toEqual(['git', 'qms']);
  }, 240_000);

  it('the headers helper answers for the server Claude Code names, and refuses what it cannot pass on', async () => {
    const tsv = join(dir, 'overlay', 'etc', 'mcp-servers.tsv');
    const helper = (name: string, file = tsv) => run('sh', [headersHelper, file], { env: { PATH: process.env.PATH, CLAUDE_CODE_MCP_SERVER_NAME: name } });
    expect(JSON.parse((await helper('qms')).stdout)).toEqual({ Authorization: `Bearer ${servers[0]!.token}` });
    await expect(helper('nope')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('no MCP server nope') });
    await expect(run('sh', [headersHelper, tsv], { env: { PATH: process.env.PATH } })).rejects.toMatchObject({ code: 2 });
    const bad = join(dir, 'bad.tsv');
    await writeFile(bad, 'qms\thttp://x/mcp\tBearer a"b\n');
    await expect(helper('qms', bad)).rejects.toMatchObject({ code: 1, stdout: '' });
  });

  it('execs the command it is given, with its exit code', async () => {
    const err = await entry(['sh', '-c', 'echo child-ran; exit 4']).catch((e: { code: number; stdout: string }) => e);
    expect(err).toMatchObject({ code: 4 });
    expect((err as { stdout: string }).stdout).toContain('child-ran');
  });
});

describe('entrypoint GitHub set-up', () => {
  it('logs gh in with the token on stdin (not argv), sets git identity, prints no secret', async () => {
    // gh can't reach GitHub from a test: a recording stand-in on PATH shows how it is called.
    const fakeBin = join(dir, 'fake-bin');
    await mkdir(fakeBin, { recursive: true });
    await writeFile(join(fakeBin, 'gh'), `#!/bin/sh\necho "argv: $*" >> "${dir}/gh.log"\nif [ "$2" = login ]; then echo "stdin: $(cat)" >> "${dir}/gh.log"; echo "env GH_TOKEN=\${GH_TOKEN:-unset}" >> "${dir}/gh.log"; fi\n`);
    await chmod(join(fakeBin, 'gh'), 0o755);
    const token = 'ghp_testtoken0123456789abcdefghijklmnop';
    await writeFile(join(dir, 'gh-token'), `${token}\n`, { mode: 0o600 });
    const gitConfig = join(dir, 'gitconfig');
    const { stdout, stderr } = await entry(['true'], {
      PATH: `${fakeBin}:${bin}:${process.env.PATH}`,
      QMS_GH_TOKEN_FILE: join(dir, 'gh-token'),
      GIT_CONFIG_GLOBAL: gitConfig,
      GIT_AUTHOR_NAME: 'Agent Smith',
    });
    expect(stdout + stderr).not.toContain(token);
    expect(stderr).toContain('GitHub CLI logged in');
    const log = await readFile(join(dir, 'gh.log'), 'utf8');
    expect(log).toContain('argv: auth login --with-token');
    expect(log).toContain(`stdin: ${token}`);
    expect(log).toContain('argv: auth setup-git');
    expect(log.split('\n').filter((l) => l.startsWith('argv:')).join('\n')).not.toContain(token);
    const git = await readFile(gitConfig, 'utf8');
    expect(git).toContain('name = Agent Smith');
    expect(git).toContain('email = claude-agent@users.noreply.github.com');
  });

  it('does nothing about GitHub without a token and without gh', async () => {
    const { stderr } = await entry(['true'], { QMS_GH_TOKEN_FILE: join(dir, 'absent') });
    expect(stderr).not.toContain('GitHub');
  });
});

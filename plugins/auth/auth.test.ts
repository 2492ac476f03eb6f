import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auth } from './index.js';
import { tokenShape } from './gh-token-format.js';
import { runAuthChecks, type AuthResult } from './run-checks.js';
import { claudeConfigVolume } from './claude-config-volume.js';
import { connectDocker } from '../docker-engine/client.js';
import { pingVersion } from '../docker-engine/engine-ping.js';
import { checkDocker } from './check-docker.js';
import { QmsError, ConfigError } from '../../tasks/errors.js';
import { testContext, type TestContext } from '../../test/plugin-test-context.js';

// Token-looking values that must never appear in any output.
const GH_SECRET = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const API_SECRET = 'sk-ant-api03-SECRETSECRETSECRET-0123456789abcdef';

const dirs: string[] = [];
function tempRepo(git = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'qms-auth-'));
  dirs.push(dir);
  if (git) execFileSync('git', ['init', '-q', dir]);
  mkdirSync(join(dir, 'docker'));
  return dir;
}
function emptyHome(): string {
  const dir = mkdtempSync(join(tmpdir(), 'qms-auth-home-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function allOutput(ctx: TestContext, extra: unknown): string {
  return [...ctx.lines, JSON.stringify(extra), String(extra instanceof Error ? `${extra.message} ${(extra as QmsError).hint}` : '')].join('\n');
}

describe('tokenShape', () => {
  it('accepts the GitHub token formats', () => {
    expect(tokenShape(GH_SECRET)).toMatchObject({ plausible: true, kind: expect.stringContaining('ghp_') });
    expect(tokenShape('github_pat_' + 'a'.repeat(22) + '_' + 'B'.repeat(59)).plausible).toBe(true);
    for (const p of ['gho_', 'ghs_', 'ghu_']) expect(tokenShape(p + 'x'.repeat(36)).plausible).toBe(true);
    expect(tokenShape('0123456789abcdef0123456789abcdef01234567').kind).toBe('legacy 40-hex token');
  });
  it('rejects placeholders, truncated tokens, quotes and spaces, without echoing them', () => {
    for (const bad of ['your-token-here', 'ghp_short', `"${GH_SECRET}"`, `${GH_SECRET} `, 'github_pat_abc']) {
      const shape = tokenShape(bad);
      expect(shape.plausible).toBe(false);
      expect(shape.kind).not.toContain(bad.trim());
    }
  });
});

describe('auth() factory', () => {
  it('validates options eagerly and stays cheap', () => {
    expect(() => auth({ agent: 'bad agent' })).toThrow(ConfigError);
    expect(() => auth({ envFiles: 'x' as unknown as string[] })).toThrow(/envFiles/);
    const plugin = auth();
    expect(plugin.name).toBe('auth');
    expect(plugin.tasks.map((t) => t.name)).toEqual(['auth']);
  });
});

describe('auth checks (real git, real Docker engine)', () => {
  it('passes with warnings only, reports the engine API version and never prints a secret', async () => {
    const root = tempRepo();
    writeFileSync(join(root, 'docker/.env'), `GH_TOKEN=${GH_SECRET}\n`);
    chmodSync(join(root, 'docker/.env'), 0o644);
    writeFileSync(join(root, '.env'), `ANTHROPIC_API_KEY=${API_SECRET}\n`, { mode: 0o600 });
    const ctx = testContext({ root, project: 'qms-auth-test-a', env: { HOME: emptyHome(), ANTHROPIC_API_KEY: API_SECRET } });
    const result = await runAuthChecks(ctx, { agent: 'claude', envFiles: [] });

    expect(result.dockerApiVersion).toMatch(/^\d+\.\d+$/);
    expect(result.claudeCredentials).toEqual(['ANTHROPIC_API_KEY']);
    // docker/.env is not in the config's envFiles: the engine never loads it, so its token
    // never reaches the container and must not count as OK.
    expect(result.ghToken).toBe('warn');
    const byId = Object.fromEntries(result.checks.map((c) => [c.id, c]));
    expect(byId['gh-token']).toMatchObject({ level: 'warn', message: expect.stringContaining('does not load'), hint: expect.stringContaining("envFiles: ['docker/.env']") });
    expect(byId['env-file:docker/.env']).toMatchObject({ level: 'warn', hint: 'chmod 600 docker/.env' });
    expect(byId['env-file:.env']).toMatchObject({ level: 'ok' });
    expect(ctx.lines.some((l) => l.startsWith('warn: ') && l.includes('chmod 600 docker/.env'))).toBe(true);
    // Secrets were handed to the redactor, and appear nowhere in what the checks said.
    expect(ctx.secrets).toEqual(expect.arrayContaining([GH_SECRET, API_SECRET]));
    const out = allOutput(ctx, result);
    expect(out).not.toContain(GH_SECRET);
    expect(out).not.toContain(API_SECRET);
    expect(out).not.toContain(GH_SECRET.slice(4, 20));
  });

  it('judges GH_TOKEN on the env the container gets: docker/.env counts only when the config loads it', async () => {
    const root = tempRepo(false);
    writeFileSync(join(root, 'docker/.env'), `GH_TOKEN=${GH_SECRET}\n`, { mode: 0o600 });
    // Loaded through envFiles, the engine put the token into ctx.env.
    const loaded = testContext({ root, project: 'qms-auth-test-e', envFiles: ['docker/.env'], env: { HOME: emptyHome(), GH_TOKEN: GH_SECRET } });
    const r1 = await runAuthChecks(loaded, { agent: 'claude', envFiles: [] });
    expect(r1.ghToken).toBe('ok');
    expect(r1.checks.find((c) => c.id === 'gh-token')!.message).toContain('ghp_');
    // Listed in envFiles yet the env has no GH_TOKEN: nothing to blame on docker/.env, plain "not set".
    const empty = testContext({ root, project: 'qms-auth-test-e2', envFiles: ['./docker/.env'], env: { HOME: emptyHome() } });
    const r2 = await runAuthChecks(empty, { agent: 'claude', envFiles: [] });
    expect(r2.checks.find((c) => c.id === 'gh-token')).toMatchObject({ level: 'warn', message: expect.stringContaining('not set'), hint: expect.stringContaining('.env at the project root') });
    // Not loaded: a warning naming both fixes, the token registered as a secret and never printed.
    const unloaded = testContext({ root, project: 'qms-auth-test-e3', env: { HOME: emptyHome() } });
    const r3 = await runAuthChecks(unloaded, { agent: 'claude', envFiles: [] });
    expect(r3.ghToken).toBe('warn');
    const gh = r3.checks.find((c) => c.id === 'gh-token')!;
    expect(gh.message).toMatch(/docker\/\.env.*does not load/);
    expect(gh.hint).toMatch(/envFiles: \['docker\/\.env'\].*\.env at the project root/);
    expect(unloaded.secrets).toContain(GH_SECRET);
    expect(allOutput(unloaded, r3)).not.toContain(GH_SECRET);
  });

  it('fails on a tracked .env with the git rm --cached fix, still without printing its secret', async () => {
    const root = tempRepo();
    writeFileSync(join(root, '.env'), `GH_TOKEN=${GH_SECRET}\n`, { mode: 0o600 });
    execFileSync('git', ['-C', root, 'add', '.env']);
    const ctx = testContext({ root, project: 'qms-auth-test-b', env: { HOME: emptyHome(), GH_TOKEN: GH_SECRET } });
    const err = await runAuthChecks(ctx, { agent: 'claude', envFiles: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmsError);
    expect((err as QmsError).message).toContain('.env is tracked by git');
    expect((err as QmsError).hint).toContain('git rm --cached .env');
    expect(allOutput(ctx, err)).not.toContain(GH_SECRET);
  });

  it('warns (not fails) when credentials and GH_TOKEN are missing or implausible, and checks config envFiles', async () => {
    const root = tempRepo(false);
    writeFileSync(join(root, 'secrets.env'), 'X=1\n', { mode: 0o640 });
    chmodSync(join(root, 'secrets.env'), 0o640);
    const ctx = testContext({ root, project: 'qms-auth-test-c', envFiles: ['secrets.env'], env: { HOME: emptyHome(), GH_TOKEN: 'your-token-here' } });
    const result = await runAuthChecks(ctx, { agent: 'claude', envFiles: [] });
    const byId = Object.fromEntries(result.checks.map((c) => [c.id, c]));
    expect(byId['claude-credentials']).toMatchObject({ level: 'warn', hint: expect.stringContaining('log in') });
    expect(byId['gh-token']).toMatchObject({ level: 'warn', message: expect.stringContaining('no known GitHub token prefix') });
    expect(byId['gh-token']!.message).not.toContain('your-token-here');
    expect(byId['env-file:secrets.env']).toMatchObject({ level: 'warn', hint: 'chmod 600 secrets.env' });

    const none = testContext({ root: tempRepo(), project: 'qms-auth-test-c2', env: { HOME: emptyHome() } });
    const r2 = await runAuthChecks(none, { agent: 'claude', envFiles: [] });
    expect(r2.checks.find((c) => c.id === 'gh-token')).toMatchObject({ level: 'warn', message: expect.stringContaining('git push') });
  });

  it('finds Claude credentials in the host file and in the auth volume', async () => {
    const home = emptyHome();
    mkdirSync(join(home, '.claude'));
    writeFileSync(join(home, '.claude/.credentials.json'), JSON.stringify({ claudeAiOauth: { accessToken: API_SECRET } }), { mode: 0o600 });
    const docker = await connectDocker(process.env as Record<string, string>);
    const volume = claudeConfigVolume('qms-auth-test-d', 'claude');
    expect(volume).toBe('qms-qms-auth-test-d-claude-claude-config');
    await docker.createVolume({ Name: volume, Labels: { 'qms.test': 'auth' } });
    try {
      const ctx = testContext({ root: tempRepo(), project: 'qms-auth-test-d', env: { HOME: home } });
      const result = await runAuthChecks(ctx, { agent: 'claude', envFiles: [] });
      expect(result.claudeCredentials).toEqual(['host-credentials-file', 'auth-volume']);
      expect(allOutput(ctx, result)).not.toContain(API_SECRET);
    } finally {
      await docker.getVolume(volume).remove();
    }
  });

  it("names the engine from its ping's headers exactly as GET /version does (which runs runc and docker-init on the host)", async () => {
    const env = process.env as Record<string, string>;
    const version = await (await connectDocker(env)).version();
    expect(await pingVersion(env)).toEqual({ Version: version.Version, ApiVersion: version.ApiVersion });
    const check = await checkDocker(env);
    expect(check).toMatchObject({ level: 'ok', message: `Docker engine ${version.Version} answers (API ${version.ApiVersion})`, apiVersion: version.ApiVersion });
    // No unix socket to ping: the check asks GET /version (through dockerode) instead.
    expect(await pingVersion({ DOCKER_HOST: 'tcp://127.0.0.1:1' })).toBeUndefined();
  });

  it('fails with the engine error and its hint when Docker does not answer', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'tcp://127.0.0.1:1';
    try {
      const ctx = testContext({ root: tempRepo(), env: { HOME: emptyHome(), DOCKER_HOST: 'tcp://127.0.0.1:1' } });
      const err = await runAuthChecks(ctx, { agent: 'claude', envFiles: [] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QmsError);
      expect((err as QmsError).message).toMatch(/\[docker\].*does not answer/);
      expect((err as QmsError).hint).toMatch(/Start one/);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('runs as the auth task through the plugin', async () => {
    const root = tempRepo();
    const task = auth().tasks[0]!;
    const result = (await task.run(testContext({ root, name: 'auth', env: { HOME: emptyHome() } }))) as AuthResult;
    expect(result.checks.map((c) => c.id)).toEqual(['docker', 'claude-credentials', 'gh-token']);
  });
});

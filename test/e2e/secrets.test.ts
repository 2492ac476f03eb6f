/**
 * No host secret in the container, end to end: the real `qms` binary, the real Dockerfile (Claude
 * Code inside), the real MCP servers. The host's `.env` and `docker/.env` and all of `.qms/`
 * belong to uid 1000 — the agent's uid, as on a workstation — yet the container reads none of
 * them; no MCP token ever appears in any process's arguments, sampled with `ps -eo args` on the
 * host (which sees the container's processes too) for the whole of `qms up`, nor in the
 * arguments or environment of any process in the container afterwards, nor in `docker inspect`;
 * `claude mcp list` still shows every server `✔ Connected` (through the headers helper); and
 * `.qms/` ignores itself.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linesWithSecrets, watchProcessArgs } from '../helpers/process-args.js';
import { cleanupRepo, currentVerification, ensureBuilt, makeE2eRepo, projectContainers, qms, transcript, type E2eRepo } from './harness.js';

let repo: E2eRepo | undefined;
const r = (): E2eRepo => repo!;
const AGENT = 1000;
const ENV_SECRET = `e2e-env-secret-${process.pid}-0123456789abcdef`;

/** Every token under `.qms/mcp/`, by file name. */
function tokens(): Record<string, string> {
  const dir = join(r().root, '.qms', 'mcp');
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)) if (f.endsWith('.token')) out[f] = readFileSync(join(dir, f), 'utf8').trim();
  return out;
}

function inContainer(script: string): { code: number; stdout: string; stderr: string } {
  const name = projectContainers(r())[0]!;
  try {
    return { code: 0, stdout: execFileSync('docker', ['exec', name, 'sh', '-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), stderr: '' };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  ensureBuilt();
  repo = await makeE2eRepo(`e2e-secrets-${process.pid}`);
  r().write('.env', `E2E_SECRET=${ENV_SECRET}\n`);
  r().write('docker/.env', `E2E_SECRET=${ENV_SECRET}\n`);
  for (const f of ['.env', 'docker', 'docker/.env']) chownSync(join(r().root, f), AGENT, AGENT);
});
afterAll(() => cleanupRepo(repo), 120_000);

describe('no host secret in the container', () => {
  let seen: { lines: Set<string>; samples: number };

  it('qms up --no-attach passes, with the masks and the token checks in its evidence', async () => {
    const watch = watchProcessArgs();
    let run;
    try {
      run = await qms(r(), ['up', '--no-attach', '--json']);
    } finally {
      seen = await watch.stop();
    }
    expect(run.code, transcript(run)).toBe(0);
    const { report } = currentVerification(r());
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    for (const id of ['masked:/pipe-dream/.qms/', 'masked:/pipe-dream/.env', 'masked:/pipe-dream/docker/.env', 'secrets:docker-inspect', 'secrets:processes', 'mcp:claude-mcp-list']) {
      expect(byId.get(id)?.result, `${id}: ${byId.get(id)?.actual}`).toBe('pass');
    }
    expect(byId.get('mcp:claude-mcp-list')!.actual).toMatch(/qms: ✔ Connected; git: ✔ Connected/);
  }, 900_000);

  it('no token in any command line on the host (container processes included) during the whole up', () => {
    expect(seen.samples).toBeGreaterThan(10);
    // The sampler saw the container's own processes (its idle sleep), so it did look inside.
    expect([...seen.lines].some((l) => l.includes('qms-entrypoint') || l.includes('sleep infinity'))).toBe(true);
    const t = tokens();
    expect(Object.keys(t).sort()).toEqual(expect.arrayContaining(['git.token', 'qms.token']));
    expect(linesWithSecrets(seen.lines, { ...t, ENV_SECRET })).toEqual([]);
  });

  it('the container cannot read .env, docker/.env or .qms/, although uid 1000 owns them', () => {
    for (const f of ['.env', 'docker/.env']) expect(execFileSync('stat', ['-c', '%u', join(r().root, f)], { encoding: 'utf8' }).trim()).toBe(String(AGENT));
    chownSync(join(r().root, '.qms'), AGENT, AGENT);
    for (const [name, token] of Object.entries(tokens())) {
      const read = inContainer(`cat /pipe-dream/.qms/mcp/${name}`);
      expect(read.code, name).not.toBe(0);
      expect(read.stdout).not.toContain(token);
    }
    for (const f of ['/pipe-dream/.env', '/pipe-dream/docker/.env']) {
      const read = inContainer(`cat ${f}`);
      expect(read.code, f).not.toBe(0);
      expect(read.stdout + read.stderr).not.toContain(ENV_SECRET);
    }
    expect(inContainer('ls -A /pipe-dream/.qms').code).not.toBe(0);
  });

  it('no token in the arguments or environment of any process in the container, nor in docker inspect', () => {
    const procs = inContainer('for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline; echo; tr "\\0" " " < $p/environ; echo; done 2>/dev/null');
    expect(procs.stdout).toMatch(/sleep/);
    const t = tokens();
    expect(linesWithSecrets(procs.stdout.split('\n'), t)).toEqual([]);
    const inspect = execFileSync('docker', ['inspect', projectContainers(r())[0]!], { encoding: 'utf8' });
    expect(linesWithSecrets(inspect.split('\n'), { ...t, ENV_SECRET })).toEqual([]);
    // Claude's user config in the volume names the helper, not the token.
    const config = inContainer('cat /claude-config/.claude.json').stdout;
    expect(config).toContain('qms-mcp-headers /etc/qms/mcp-servers.tsv');
    expect(linesWithSecrets(config.split('\n'), t)).toEqual([]);
  });

  it('.qms/ ignores itself: git add -A in the project stages nothing from it', () => {
    expect(readFileSync(join(r().root, '.qms', '.gitignore'), 'utf8')).toBe('*\n');
    r().write('.gitignore', '.env\n'); // a project whose .gitignore does not list .qms/
    r().git('add', '-A');
    expect(r().git('diff', '--cached', '--name-only').split('\n').filter((f) => f.startsWith('.qms'))).toEqual([]);
  });

  it('down leaves no container', async () => {
    const down = await qms(r(), ['down']);
    expect(down.code, transcript(down)).toBe(0);
    expect(projectContainers(r())).toEqual([]);
  }, 300_000);
});

/**
 * Claude Code as an independent MCP client: our built-in servers, started by the supervisor,
 * are registered with `claude mcp add --transport http … --header "Authorization: Bearer …"`
 * and `claude mcp list` must show them `✔ Connected`; registered without the header, refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTaskContext, Skipped } from '../../test/helpers/mcp-context.js';
import type { Plugin } from '../../tasks/types.js';
import type { McpEndpoint } from './endpoint.js';
import { gitMcp, qmsMcp } from './index.js';
import { packageRoot } from './package-root.js';
import { stopServer } from './supervisor.js';
import { freePort } from '../../test/helpers/processes.js';

const run = promisify(execFile);
const claude = join(packageRoot(), 'node_modules', '.bin', 'claude');


describe('Claude Code connects to the supervised MCP servers', () => {
  let root: string;
  let home: string;
  const endpoints: McpEndpoint[] = [];

  const claudeCmd = (...args: string[]) =>
    run(claude, args, { cwd: home, env: { ...process.env, HOME: home, CLAUDE_CONFIG_DIR: join(home, '.claude-config') }, timeout: 60_000 });

  beforeAll(async () => {
    expect(existsSync(claude)).toBe(true);
    expect(existsSync(join(packageRoot(), 'dist', 'plugins', 'git-mcp', 'serve.js'))).toBe(true); // npm test builds first
    root = await mkdtemp(join(tmpdir(), 'qms-claude-client-'));
    home = join(root, 'home');
    await mkdir(join(home, '.claude-config'), { recursive: true });
    await mkdir(join(root, 'QMS', 'SOP'), { recursive: true });
    await writeFile(join(root, 'QMS', 'SOP', 'SOP-001.md'), '# SOP-001\n');
    const { execFileSync } = await import('node:child_process');
    execFileSync('git', ['init', '-q', '-b', 'main', root]);
    const plugins: Plugin[] = [qmsMcp({ port: await freePort(), hosts: ['127.0.0.1'] }), gitMcp({ port: await freePort(), hosts: ['127.0.0.1'] })];
    for (const plugin of plugins) {
      const ctx = makeTaskContext(root);
      try {
        endpoints.push((await plugin.tasks[0]!.run(ctx)) as McpEndpoint);
      } catch (err) {
        if (!(err instanceof Skipped)) throw err;
        endpoints.push(err.result as McpEndpoint);
      }
    }
  });

  afterAll(async () => {
    const ctx = makeTaskContext(root);
    for (const e of endpoints) await stopServer(ctx, e.name);
    await rm(root, { recursive: true, force: true });
  });

  it('lists every server registered with the bearer header as ✔ Connected, and one without it as failed', async () => {
    for (const e of endpoints) {
      await claudeCmd('mcp', 'add', '--transport', 'http', '--scope', 'user', e.name, e.hostUrl, '--header', `Authorization: Bearer ${e.token}`);
    }
    const qms = endpoints.find((e) => e.name === 'qms')!;
    await claudeCmd('mcp', 'add', '--transport', 'http', '--scope', 'user', 'qms-no-token', qms.hostUrl);
    await claudeCmd('mcp', 'add', '--transport', 'http', '--scope', 'user', 'qms-wrong-token', qms.hostUrl, '--header', 'Authorization: Bearer not-the-token');
    const { stdout } = await claudeCmd('mcp', 'list');
    for (const e of endpoints) expect(stdout).toMatch(new RegExp(`^${e.name}: ${e.hostUrl} \\(HTTP\\) - ✔ Connected$`, 'm'));
    for (const name of ['qms-no-token', 'qms-wrong-token']) {
      const line = stdout.split('\n').find((l) => l.startsWith(`${name}:`));
      expect(line).toBeDefined();
      expect(line).not.toContain('Connected');
    }
    expect(endpoints.map((e) => e.name)).toEqual(['qms', 'git']);
  });
});

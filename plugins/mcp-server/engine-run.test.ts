/**
 * The mcp-server tasks under the real engine (`runTasks`): a dependent task gets the endpoint
 * whether the server was started or reused (skipped), the token never reaches the event
 * stream, and a run that fails after starting the server stops it (teardown).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStateStore, Redactor, resolveConfig, runTasks, type RunEvent } from '../../tasks/index.js';
import type { TaskDef } from '../../tasks/types.js';
import type { McpEndpoint } from './endpoint.js';
import { qmsMcp } from './index.js';
import { freePort, isAlive as alive } from '../../test/helpers/processes.js';



describe('mcp-server tasks under the engine', () => {
  let root: string;
  let port: number;

  const run = async (targets: string[], tasks: TaskDef[] = []) => {
    const events: RunEvent[] = [];
    const config = resolveConfig({ plugins: [qmsMcp({ port, hosts: ['127.0.0.1'] })], tasks }, join(root, 'qms.config.ts'));
    const result = await runTasks({
      config,
      targets,
      env: { ...process.env } as Record<string, string>,
      redactor: new Redactor(),
      state: createStateStore({ root }),
      renderer: { event: (e) => events.push(e), close: async () => undefined },
      shell: false,
    });
    return { result, events };
  };
  const use: TaskDef = { name: 'use', dependsOn: ['mcp:qms'], run: (ctx) => ctx.result<McpEndpoint>('mcp:qms') };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'qms-mcp-engine-'));
    await mkdir(join(root, 'QMS', 'SOP'), { recursive: true });
    await writeFile(join(root, 'QMS', 'SOP', 'SOP-001.md'), '# SOP-001\n');
    port = await freePort();
  });

  afterAll(async () => {
    await run(['mcp:qms:stop']);
    await rm(root, { recursive: true, force: true });
  });

  it('hands the endpoint to dependents when started and when reused (skipped)', async () => {
    const first = await run(['use'], [use]);
    expect(first.result.ok).toBe(true);
    expect(first.result.status.get('mcp:qms')).toBe('succeeded');
    const endpoint = first.result.results.get('use') as McpEndpoint;
    expect(endpoint).toMatchObject({ name: 'qms', port, hostUrl: `http://127.0.0.1:${port}/mcp` });
    expect(JSON.stringify(first.events)).not.toContain(endpoint.token);
    expect(JSON.stringify(first.events)).toMatch(/MCP server qms ready \(pid \d+\)/);

    const second = await run(['use'], [use]);
    expect(second.result.status.get('mcp:qms')).toBe('skipped');
    expect(second.events).toContainEqual(expect.objectContaining({ type: 'task:skip', task: 'mcp:qms', reason: expect.stringMatching(/^MCP server qms already running \(pid \d+\)$/) }));
    expect(second.result.results.get('use')).toEqual(endpoint);
    expect(JSON.stringify(second.events)).not.toContain(endpoint.token);
  });

  it('stops the server a failed run started', async () => {
    await run(['mcp:qms:stop']);
    const boom: TaskDef = { name: 'boom', dependsOn: ['mcp:qms'], run: () => { throw new Error('later task failed'); } };
    let pid = 0;
    const spy: TaskDef = { name: 'spy', dependsOn: ['mcp:qms'], run: async (ctx) => { pid = (await ctx.state.get('mcp:qms'))!.data.pid as number; } };
    const { result } = await run(['boom', 'spy'], [boom, spy]);
    expect(result.ok).toBe(false);
    expect(result.teardowns.map((t) => t.label)).toContain('stop MCP server qms');
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
    expect(await createStateStore({ root }).get('mcp:qms')).toBeUndefined();
  });
});

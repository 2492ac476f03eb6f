/**
 * The compiled config kept in `.qms/config-cache/` (tasks/config/compiled-config.ts), through
 * the built CLI: a warm run evaluates the kept code (not jiti), gives what jiti gives (the
 * same tasks, the same errors with the same line), an edit is never answered from a stale
 * entry, and a config importing more than `qms` is not kept.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './built.js';
import { runQms } from './run-qms.js';

const tmp = mkdtempSync(join(tmpdir(), 'qms-config-cache-'));
beforeAll(() => ensureBuilt(), 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const config = (description: string) => `import { defineConfig } from 'qms';

const tasks = [
  { name: 'a', description: '${description}', run() {} },
  { name: 'b', dependsOn: ['a'], run() {} },
];
if (process.env.QMS_TEST_BOOM) throw new Error('boom from the config');
export default defineConfig({ name: 'kept', tasks, chains: { all: ['b'] } });
`;

function project(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}
const kept = (dir: string) => {
  try {
    return readdirSync(join(dir, '.qms', 'config-cache')).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
};
const dropKept = (dir: string) => rmSync(join(dir, '.qms', 'config-cache'), { recursive: true, force: true });

describe('the compiled config kept in .qms/', () => {
  it('is kept on the first run and evaluated instead of jiti on the next, with the same result', async () => {
    const dir = project('warm', { 'qms.config.ts': config('first') });
    const cold = await runQms(['list', '--json'], { cwd: dir });
    expect(cold.code).toBe(0);
    expect(kept(dir)).toEqual(['qms.config.ts.json']);
    // What runs on the next call is the kept code: a line added to it shows.
    const entryFile = join(dir, '.qms', 'config-cache', 'qms.config.ts.json');
    const entry = JSON.parse(readFileSync(entryFile, 'utf8')) as { code: string };
    writeFileSync(entryFile, JSON.stringify({ ...entry, code: `${entry.code}\nprocess.stderr.write("kept config ran\\n");` }));
    const warm = await runQms(['list', '--json'], { cwd: dir });
    expect(warm).toMatchObject({ code: 0, stdout: cold.stdout, stderr: 'kept config ran\n' });
    expect(JSON.parse(warm.stdout)).toMatchObject({ tasks: [{ name: 'a', description: 'first' }, { name: 'b', dependsOn: ['a'] }], chains: { all: ['b'] } });
  });

  it('is never used for an edited config', async () => {
    const dir = project('edited', { 'qms.config.ts': config('before the edit') });
    expect((await runQms(['list'], { cwd: dir })).stdout).toContain('before the edit');
    writeFileSync(join(dir, 'qms.config.ts'), config('after the edit'));
    const r = await runQms(['list'], { cwd: dir });
    expect(r.stdout).toContain('after the edit');
    expect(r.stdout).not.toContain('before the edit');
    expect(readFileSync(join(dir, '.qms', 'config-cache', 'qms.config.ts.json'), 'utf8')).toContain('after the edit');
  });

  it('gives the errors jiti gives, at the same line', async () => {
    const dir = project('errors', { 'qms.config.ts': config('x') });
    dropKept(dir);
    const viaJiti = await runQms(['list'], { cwd: dir, env: { QMS_TEST_BOOM: '1' } });
    expect(viaJiti.code).toBe(2);
    expect(viaJiti.stderr).toContain('qms.config.ts:7:');
    expect(viaJiti.stderr).toContain('boom from the config');
    expect(kept(dir)).toHaveLength(0);
    await runQms(['list'], { cwd: dir });
    expect(kept(dir)).toHaveLength(1);
    const viaKept = await runQms(['list'], { cwd: dir, env: { QMS_TEST_BOOM: '1' } });
    expect(viaKept).toEqual(viaJiti);

    const none = project('no-default', { 'qms.config.ts': "export const tasks = [];\nexport const chains = {};\n" });
    const first = await runQms(['list'], { cwd: none });
    expect(first.stderr).toContain('no default export (it exports "chains", "tasks")');
    expect(kept(none)).toHaveLength(1);
    expect(await runQms(['list'], { cwd: none })).toEqual(first);
  });

  it('is not kept for a config importing anything but qms', async () => {
    const dir = project('imports', {
      'tasks.ts': "export const tasks = [{ name: 'imported', run() {} }];\n",
      'qms.config.ts': "import { defineConfig } from 'qms';\nimport { tasks } from './tasks';\nexport default defineConfig({ tasks });\n",
    });
    const r = await runQms(['list'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('imported');
    expect(kept(dir)).toHaveLength(0);
  });
});

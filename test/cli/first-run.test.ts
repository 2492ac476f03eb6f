/** A first run without friction: qms init, the config found upward, the zero-config default for a QMS repository. */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './built.js';
import { runQms } from './run-qms.js';

const tmp = mkdtempSync(join(tmpdir(), 'qms-first-run-'));
const qmsCliSnapshot = '/work/shared/fixtures/qms-cli';
beforeAll(() => ensureBuilt(), 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function project(name: string, files: Record<string, string> = {}): string {
  const dir = join(tmp, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('qms init', () => {
  it('writes the default set-up for a QMS repository, which loads, and never overwrites it', async () => {
    const dir = project('qms-repo', { 'QMS/SOP/SOP-001.md': '# SOP\n' });
    const r = await runQms(['init'], { cwd: dir });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('wrote qms.config.ts for a QMS repository');
    const text = readFileSync(join(dir, 'qms.config.ts'), 'utf8');
    expect(text).toMatch(/^\/\/ qms\.config\.ts, written by `qms init`/);
    expect(text).toContain("dockerImage({ context: '");
    const list = await runQms(['list', '--json'], { cwd: dir });
    expect(list.code).toBe(0);
    const parsed = JSON.parse(list.stdout) as { tasks: { name: string }[]; chains: Record<string, string[]> };
    expect(parsed.tasks.map((t) => t.name)).toEqual(expect.arrayContaining(['auth', 'build', 'mcp:qms', 'mcp:git', 'session', 'container', 'verify', 'attach']));
    expect(Object.keys(parsed.chains)).toEqual(['up', 'down']);
    writeFileSync(join(dir, 'qms.config.ts'), '// mine\nexport default { tasks: [] };\n');
    const again = await runQms(['init'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('qms.config.ts already exists');
    expect(readFileSync(join(dir, 'qms.config.ts'), 'utf8')).toBe('// mine\nexport default { tasks: [] };\n');
  });

  it('names qms-cli when the repository is kept by it', async () => {
    const dir = project('qms-cli-repo', { 'QMS/.keep': '' });
    cpSync(qmsCliSnapshot, join(dir, 'qms-cli'), { recursive: true });
    const r = await runQms(['init', '--dry-run'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('for a QMS repository kept by qms-cli');
    expect(r.stdout).toContain('through qms-cli/qms.py');
    expect(existsSync(join(dir, 'qms.config.ts'))).toBe(false);
  });

  it('a project without QMS/ gets tasks from its npm scripts, and they run', async () => {
    const dir = project('npm-project', { 'package.json': JSON.stringify({ scripts: { build: 'echo built-it', start: 'x' } }) });
    expect((await runQms(['init'], { cwd: dir })).stdout).toContain('for a project without QMS/');
    const r = await runQms(['task', 'ci'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('build │ built-it');
  });
});

describe('finding the config', () => {
  it('is searched upward from a subfolder', async () => {
    const dir = project('upward', { 'qms.config.mjs': "export default { tasks: [{ name: 'root-task', run: (ctx) => ctx.log.info('root is ' + ctx.root) }] };\n" });
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    const r = await runQms(['task', 'root-task'], { cwd: join(dir, 'a', 'b') });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`root is ${dir}`);
  });

  it('without any config, a folder holding QMS/ gets the default set-up and says so in one line', async () => {
    const dir = project('zero-config', { 'QMS/SOP/SOP-001.md': '# SOP\n' });
    mkdirSync(join(dir, 'QMS', 'SOP', 'deep'), { recursive: true });
    const r = await runQms(['list'], { cwd: join(dir, 'QMS', 'SOP', 'deep') });
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([`qms: no qms.config.ts: using the default set-up for a QMS repository in ../../.. (\`qms init\` writes it to a file you can edit)`]);
    expect(r.stdout).toMatch(/verify\s+verify/);
    expect((await runQms(['up', '--dry-run'], { cwd: dir })).stdout).toMatch(/\d+\. container/);
  });

  it('elsewhere the error names qms init (exit 2)', async () => {
    const dir = project('nothing');
    const r = await runQms(['list'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`qms: no qms config in ${dir} or any folder above it`);
    expect(r.stderr).toContain('qms init');
  });
});

/**
 * qms's CommonJS build (scripts/cjs-build.mjs makes it, tasks/startup/cjs-build.ts loads it):
 * what the build rewrites in each module, what it refuses, and on the built package that the
 * CLI and a config share one copy of qms, that the code caches are used, that `qms list` says
 * the same from either build, and that a dist/ rebuilt by tsc alone falls back to the ES modules.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../cli/built.js';

type Build = {
  toChunkCode(code: string, id: string, dist: string, parseAst: unknown): string | null;
  bundleCjs(dist: string, rolldown: unknown, parseAst: unknown, startup: Set<string>): Promise<{ entries: Record<string, string[]> }>;
};
const build = () => import(pathToFileURL(join(repoRoot, 'scripts', 'cjs-build.mjs')).href) as Promise<Build>;
const rolldownParts = async () => ({ rolldown: (await import('rolldown')).rolldown, parseAst: (await import('rolldown/parseAst')).parseAst });

const tmp = mkdtempSync(join(tmpdir(), 'qms-cjs-build-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('toChunkCode', () => {
  const rewrite = async (code: string) => (await build()).toChunkCode(code, '/d/plugins/p/m.js', '/d', (await rolldownParts()).parseAst);

  it("gives import.meta.url the module's own place in dist/, and sends import() of a package or a computed URL through __qmsImport", async () => {
    const out = await rewrite("// … →\nexport const here = new URL('../x', import.meta.url);\nexport const a = () => import('listr2');\nexport const b = (u) => import(u);\nexport const c = () => import('./near.js');\n");
    expect(out).toContain('new URL(\'../x\', __qmsUrl("plugins/p/m.js"))');
    expect(out).toContain(`__qmsImport('listr2', "plugins/p/m.js")`);
    expect(out).toContain('__qmsImport(u, "plugins/p/m.js")');
    expect(out).toContain("import('./near.js')"); // rolldown bundles it
    expect(out).toContain('// … →');
  });

  it('leaves a module with neither untouched, and refuses what has no CommonJS meaning', async () => {
    expect(await rewrite('export const x = 1;\n')).toBeNull();
    await expect(rewrite('export const d = import.meta.dirname;\n')).rejects.toThrow(/only import\.meta\.url/);
    await expect(rewrite("export const j = () => import('./a.json', { with: { type: 'json' } });\n")).resolves.toBeNull(); // rolldown's
    await expect(rewrite("export const j = () => import(x, { with: { type: 'json' } });\n")).rejects.toThrow(/import\(\) with options/);
  });
});

describe('bundleCjs on a small dist', () => {
  it('refuses a package imported statically, naming the file and the fix', async () => {
    const dist = join(tmp, 'static');
    mkdirSync(join(dist, 'tasks/cli'), { recursive: true });
    mkdirSync(join(dist, 'tasks/startup'), { recursive: true });
    cpSync(join(repoRoot, 'dist/tasks/startup'), join(dist, 'tasks/startup'), { recursive: true });
    writeFileSync(join(dist, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(dist, 'tasks/cli/main.js'), "import { color } from 'listr2';\nexport const c = color;\n");
    writeFileSync(join(dist, 'index.js'), 'export const i = 1;\n');
    writeFileSync(join(dist, 'tasks/index.js'), 'export const e = 1;\n');
    const { rolldown, parseAst } = await rolldownParts();
    await expect((await build()).bundleCjs(dist, rolldown, parseAst, new Set())).rejects.toThrow(/tasks\/cli\/main\.js imports the package listr2 statically: import it with import\(\)/);
  });
});

describe('the built package', () => {
  beforeAll(() => ensureBuilt(), 300_000);
  const loaderUrl = pathToFileURL(join(repoRoot, 'dist/tasks/startup/cjs-build.js')).href;
  const node = (script: string, cwd = repoRoot) => execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' } });

  it("gives the CLI, 'qms', 'qms/engine' and a config's import one copy: one ConfigError, thrown by a factory and known to the CLI", () => {
    const out = node(`
      const { buildEntry } = await import(${JSON.stringify(loaderUrl)});
      const cli = buildEntry('main');
      const qms = await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'dist/index.js')).href)});
      const engine = await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'dist/tasks/index.js')).href)});
      let thrown; try { qms.container({ agnet: 1 }); } catch (e) { thrown = e; }
      const index = buildEntry('index');
      console.log(JSON.stringify([qms.ConfigError === engine.ConfigError, qms.ConfigError === index.ConfigError, thrown instanceof engine.ConfigError, typeof cli.main, globalThis[Symbol.for('qms.cjs-build')].chunks.size > 0]));
    `);
    expect(JSON.parse(out)).toEqual([true, true, true, 'function', true]);
  });

  it('runs `qms list` from the build with every code cache it loads accepted, printing what the ES modules print', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `
      const { buildEntry } = await import(${JSON.stringify(loaderUrl)});
      const code = await buildEntry('main').main(['node', 'qms', 'list']);
      const chunks = [...globalThis[Symbol.for('qms.cjs-build')].chunks.values()];
      process.stderr.write(JSON.stringify({ code, chunks: chunks.length, rejected: chunks.filter((c) => c.script.cachedDataRejected !== false).length }));
    `], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, CI: '1' } });
    const seen = JSON.parse(r.stderr) as { code: number; chunks: number; rejected: number };
    expect(seen.code).toBe(0);
    expect(seen.chunks).toBeGreaterThan(1);
    expect(seen.rejected).toBe(0);
    const fromModules = node(`process.exitCode = await (await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'dist/tasks/cli/main.js')).href)})).main(['node', 'qms', 'list']);`);
    expect(r.stdout).toContain('TASK');
    expect(r.stdout).toBe(fromModules);
  });

  it('bin/qms.js runs a bare `qms list` from the build without loading a single ES module (kept config: not even for `qms`)', () => {
    const preload = join(tmp, 'esm-loaded.cjs');
    writeFileSync(preload, "process.on('exit', () => process.stderr.write(JSON.stringify(process.moduleLoadList.filter((m) => /esm\\/module_job|esm\\/translators/.test(m)))));\n");
    const run = () => spawnSync(process.execPath, ['-r', preload, join(repoRoot, 'bin/qms.js'), 'list'], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, CI: '1' } });
    run(); // the first keeps the compiled config
    const r = run();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('TASK');
    expect(JSON.parse(r.stderr)).toEqual([]);
  });

  it('a copied package (no mtimes) runs from the build; after tsc alone rewrote dist/, the CLI runs from the ES modules and the stale build is not used', () => {
    const pkg = join(tmp, 'stale');
    mkdirSync(pkg);
    for (const d of ['bin', 'dist', 'docker']) cpSync(join(repoRoot, d), join(pkg, d), { recursive: true });
    cpSync(join(repoRoot, 'package.json'), join(pkg, 'package.json'));
    symlinkSync(join(repoRoot, 'node_modules'), join(pkg, 'node_modules'));
    const project = join(pkg, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'qms.config.mjs'), "export default { tasks: [{ name: 'hello', description: 'says hello', run() {} }] };\n");
    // A config importing 'qms' (the package's own name, from inside it) gets the re-exported build.
    const withQms = join(pkg, 'project-qms');
    mkdirSync(withQms);
    writeFileSync(join(withQms, 'qms.config.mjs'), "import { defineConfig } from 'qms';\nexport default defineConfig({ tasks: [{ name: 'hi', run() {} }] });\n");
    const list = (cwd = project) => spawnSync(process.execPath, [join(pkg, 'bin/qms.js'), 'list'], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' } });
    const fresh = list();
    expect(fresh.status).toBe(0);
    // A copy keeps no mtimes (npm packs its own): the build is still current.
    utimesSync(join(pkg, 'dist/tasks/cli/main.js'), new Date(0), new Date(0));
    const copied = list(withQms);
    expect(copied.status, copied.stderr).toBe(0);
    expect(copied.stdout).toMatch(/^hi\s/m);
    // main.js as tsc writes it again: without the build's mark.
    const main = join(pkg, 'dist/tasks/cli/main.js');
    writeFileSync(main, readFileSync(main, 'utf8').replace(/\n\/\/ qms CommonJS build \w+\n$/, '\n'));
    const stale = list();
    expect(stale.status, stale.stderr).toBe(0);
    expect(stale.stdout).toBe(fresh.stdout);
    const facade = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(join(pkg, 'dist/index.js')).href)})`], { encoding: 'utf8' });
    expect(facade.status).not.toBe(0);
    expect(facade.stderr).toMatch(/dist\/ is out of date with its CommonJS build: run `npm run build`/);
  });
});

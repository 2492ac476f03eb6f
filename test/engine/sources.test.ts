/** `sources`/`outputs`: make-style skipping by content hash, recorded in .qms/tasks/. */
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../tasks/config/resolve-config.js';
import { Redactor } from '../../tasks/env/redact.js';
import { FileIndex, globToRegExp, staticBase } from '../../tasks/run/glob.js';
import { runTasks } from '../../tasks/run/run-tasks.js';
import { createStateStore } from '../../tasks/state/state-store.js';
import type { TaskDef } from '../../tasks/types.js';
import { recorder, tempDir } from './harness.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('qms-sources-');
  mkdirSync(join(tmp.dir, 'src', 'lib'), { recursive: true });
  writeFileSync(join(tmp.dir, 'src', 'a.ts'), 'a');
  writeFileSync(join(tmp.dir, 'src', 'lib', 'b.ts'), 'b');
  writeFileSync(join(tmp.dir, 'src', 'lib', 'b.test.ts'), 't');
  writeFileSync(join(tmp.dir, 'README.md'), 'r');
});
afterEach(() => tmp.cleanup());

let runs = 0;
const build = (extra: Partial<TaskDef> = {}): TaskDef => ({
  name: 'build',
  sources: ['src/**/*.ts', '!**/*.test.ts'],
  outputs: ['dist/out.txt'],
  run: (ctx) => {
    runs++;
    mkdirSync(join(ctx.root, 'dist'), { recursive: true });
    writeFileSync(join(ctx.root, 'dist', 'out.txt'), 'built');
  },
  ...extra,
});

async function go(task: TaskDef, force = false) {
  const config = resolveConfig({ tasks: [task] }, join(tmp.dir, 'qms.config.ts'));
  const renderer = recorder();
  const result = await runTasks({ config, targets: [task.name], env: {}, redactor: new Redactor(), state: createStateStore({ root: tmp.dir }), renderer, shell: false, run: { force } });
  return { status: result.status.get(task.name), skip: renderer.of('task:skip')[0]?.reason, lines: renderer.of('task:output').map((e) => e.line), result };
}

describe('sources and outputs', () => {
  it('runs, then skips with the reason while sources and outputs are unchanged; --force runs it', async () => {
    runs = 0;
    expect((await go(build())).status).toBe('succeeded');
    expect(existsSync(join(tmp.dir, '.qms', 'tasks', 'build.json'))).toBe(true);
    const second = await go(build());
    expect(second.status).toBe('skipped');
    expect(second.skip).toMatch(/^up to date: 2 source files unchanged since \S+, outputs exist$/);
    expect((await go(build(), true)).status).toBe('succeeded');
    expect(runs).toBe(2);
    expect((await go(build())).status).toBe('skipped');
  });

  it('a changed, added or removed source runs it again and says which', async () => {
    await go(build());
    writeFileSync(join(tmp.dir, 'src', 'lib', 'b.ts'), 'b2');
    const changed = await go(build());
    expect(changed.status).toBe('succeeded');
    expect(changed.lines).toContain('not up to date: sources changed: src/lib/b.ts');
    writeFileSync(join(tmp.dir, 'src', 'c.ts'), 'c');
    expect((await go(build())).lines).toContain('not up to date: sources changed: src/c.ts');
    rmSync(join(tmp.dir, 'src', 'a.ts'));
    expect((await go(build())).lines).toContain('not up to date: sources changed: src/a.ts');
    // Files left out by `!` and outside the globs change nothing.
    writeFileSync(join(tmp.dir, 'src', 'lib', 'b.test.ts'), 't2');
    writeFileSync(join(tmp.dir, 'README.md'), 'r2');
    expect((await go(build())).status).toBe('skipped');
  });

  it('a missing output, changed inputs or a failure run it again', async () => {
    await go(build());
    rmSync(join(tmp.dir, 'dist', 'out.txt'));
    const missing = await go(build());
    expect(missing.status).toBe('succeeded');
    expect(missing.lines).toContain('not up to date: outputs missing: dist/out.txt');
    const inputs = await go(build({ inputs: { mode: 'release' } }));
    expect(inputs.lines).toContain('not up to date: its definition or inputs changed');
    expect((await go(build({ inputs: { mode: 'release' } }))).status).toBe('skipped');
    // A failed run forgets the record: the next run does not skip.
    const failing = build({ inputs: { mode: 'release' }, run: () => Promise.reject(new Error('broke')) });
    await go(failing, true);
    expect((await go(build({ inputs: { mode: 'release' } }))).status).toBe('succeeded');
  });

  it('the record is JSON under .qms/tasks/ with a hash per source file', async () => {
    await go(build());
    const record = JSON.parse(readFileSync(join(tmp.dir, '.qms', 'tasks', 'build.json'), 'utf8')) as { files: Record<string, string> };
    expect(Object.keys(record.files)).toEqual(['src/a.ts', 'src/lib/b.ts']);
  });
});

describe('globs', () => {
  it('translate *, **, ?, {a,b} and [..]', () => {
    const m = (g: string, p: string) => globToRegExp(g).test(p);
    expect(m('src/**/*.ts', 'src/a.ts')).toBe(true);
    expect(m('src/**/*.ts', 'src/x/y/a.ts')).toBe(true);
    expect(m('src/*.ts', 'src/x/a.ts')).toBe(false);
    expect(m('**', 'a/b/c')).toBe(true);
    expect(m('a/**', 'a/b/c')).toBe(true);
    expect(m('*.{ts,js}', 'x.js')).toBe(true);
    expect(m('file?.txt', 'file1.txt')).toBe(true);
    expect(m('[ab].txt', 'c.txt')).toBe(false);
    expect(staticBase('src/lib/**/*.ts')).toBe('src/lib');
    expect(staticBase('docker/Dockerfile')).toBe('docker');
  });

  it('a plain folder names every file under it; .git and node_modules only when named', async () => {
    mkdirSync(join(tmp.dir, 'node_modules', 'x'), { recursive: true });
    writeFileSync(join(tmp.dir, 'node_modules', 'x', 'i.ts'), '');
    const index = new FileIndex(tmp.dir);
    expect(await index.match(['src'])).toEqual(['src/a.ts', 'src/lib/b.test.ts', 'src/lib/b.ts']);
    expect(await index.match(['**/*.ts'])).not.toContain('node_modules/x/i.ts');
    expect(await index.match(['node_modules/**/*.ts'])).toEqual(['node_modules/x/i.ts']);
  });
});

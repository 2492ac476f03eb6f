/** `--output full|failed|none`, under a real pty (listr2) and without a terminal (lines). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './built.js';
import { qmsInPty } from './pty.js';
import { runQms } from './run-qms.js';

const root = mkdtempSync(join(tmpdir(), 'qms-cli-output-'));
const LINES = 2000;
beforeAll(() => {
  ensureBuilt();
  writeFileSync(
    join(root, 'qms.config.mjs'),
    `export default {
  tasks: [
    { name: 'fine', run: (ctx) => { for (let i = 1; i <= 50; i++) ctx.log.output('fine line ' + i + '\\n'); } },
    {
      name: 'build',
      dependsOn: ['fine'],
      run: (ctx) => {
        for (let i = 1; i <= ${LINES}; i++) ctx.log.output('build line ' + i + '\\n');
        throw new Error('the build broke');
      },
    },
  ],
};
`,
  );
}, 300_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const has = (text: string, prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}\n`).every((l) => text.includes(l));

describe('--output on a terminal (listr2 under a pty)', () => {
  it('failed (default): the failed task\'s whole output is shown after the run, the others\' not', async () => {
    const r = await qmsInPty(['task', 'build'], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.text).toContain('── output of build (failed) ──');
    expect(has(r.text, 'build line', LINES)).toBe(true);
    expect(r.text).not.toContain('── output of fine');
    expect(r.text.indexOf('── output of build')).toBeLessThan(r.text.indexOf('✖ failed in'));
  });

  it('full: every task\'s output stays; none: no task output after the run', async () => {
    const full = await qmsInPty(['task', 'build', '--output', 'full'], { cwd: root });
    expect(full.text).toContain('── output of fine ──');
    expect(has(full.text, 'fine line', 50)).toBe(true);
    expect(has(full.text, 'build line', LINES)).toBe(true);
    const none = await qmsInPty(['task', 'build', '--output', 'none'], { cwd: root });
    expect(none.code).toBe(1);
    expect(none.text).not.toContain('── output of');
    expect(none.text).not.toContain('build line 1\n');
    expect(none.text).toContain('qms: build: the build broke');
  });
});

describe('--output without a terminal (lines)', () => {
  it('full (default) streams every line; failed prints only a failed task\'s lines; none drops them', async () => {
    const full = await runQms(['task', 'build'], { cwd: root });
    expect(has(full.stdout, '  fine │ fine line', 50)).toBe(true);
    const failed = await runQms(['task', 'build', '--output', 'failed'], { cwd: root });
    expect(failed.stdout).not.toContain('fine line');
    expect(has(failed.stdout, '  build │ build line', LINES)).toBe(true);
    expect(failed.stdout.indexOf('build line 1\n')).toBeLessThan(failed.stdout.indexOf('✖ build: the build broke'));
    const none = await runQms(['task', 'build', '--output', 'none'], { cwd: root });
    expect(none.stdout).not.toContain('line 1');
    expect(none.stdout).toContain('✖ build: the build broke');
    expect((await runQms(['task', 'build', '--output', 'some'], { cwd: root })).code).toBe(2);
  });
});

/** `sources`/`outputs` through the built CLI: skip with the reason, --force, invalidation. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './built.js';
import { runQms } from './run-qms.js';

const root = mkdtempSync(join(tmpdir(), 'qms-cli-sources-'));
beforeAll(() => {
  ensureBuilt();
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'src', 'main.c'), 'int main() {}\n');
  writeFileSync(
    join(root, 'qms.config.mjs'),
    `import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
export default {
  tasks: [{
    name: 'compile',
    sources: ['src/**/*.c'],
    outputs: ['out/main.o'],
    run: (ctx) => {
      mkdirSync(ctx.root + '/out', { recursive: true });
      writeFileSync(ctx.root + '/out/main.o', readFileSync(ctx.root + '/src/main.c'));
      console.log('compiled');
    },
  }],
};
`,
  );
}, 300_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('sources and outputs from the CLI', () => {
  it('skips with the reason, --force runs, a changed source or a missing output runs again', async () => {
    const first = await runQms(['task', 'compile'], { cwd: root });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('compile │ compiled');
    const second = await runQms(['task', 'compile'], { cwd: root });
    expect(second.stdout).toMatch(/↷ compile \(skipped: up to date: 1 source file unchanged since .+, outputs exist\)/);
    expect(second.stdout).not.toContain('compiled');
    expect((await runQms(['task', 'compile', '--force'], { cwd: root })).stdout).toContain('compile │ compiled');
    writeFileSync(join(root, 'src', 'main.c'), 'int main() { return 1; }\n');
    const changed = await runQms(['task', 'compile'], { cwd: root });
    expect(changed.stdout).toContain('compile │ not up to date: sources changed: src/main.c');
    expect(changed.stdout).toContain('compile │ compiled');
    rmSync(join(root, 'out'), { recursive: true });
    expect((await runQms(['task', 'compile'], { cwd: root })).stdout).toContain('not up to date: outputs missing: out/main.o');
    // From a subfolder too: the config is found upward and globs stay relative to the root.
    const sub = await runQms(['task', 'compile'], { cwd: join(root, 'src') });
    expect(sub.stdout).toContain('↷ compile (skipped: up to date');
  });
});

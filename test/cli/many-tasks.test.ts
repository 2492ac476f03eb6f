/**
 * Many tasks on a terminal (listr2 under a real pty): 1,000 trivial tasks complete with every
 * task in the final list, and a Ctrl-C typed during a 1,000-task run stops it: the running
 * task is aborted, qms exits 130. (How fast is bench/renderer.bench.mjs's business.)
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './built.js';
import { qmsInPty, qmsInPtyTyping } from './pty.js';

const root = mkdtempSync(join(tmpdir(), 'qms-cli-many-'));
const canary = join(root, 'hold-aborted');
beforeAll(() => {
  ensureBuilt();
  // `hold` runs last (it comes last in the plan) and waits until the run is aborted.
  writeFileSync(
    join(root, 'qms.config.mjs'),
    `import { writeFileSync } from 'node:fs';
const trivial = Array.from({ length: 1000 }, (_, i) => ({ name: 't' + i, run: () => {} }));
const hold = {
  name: 'hold',
  run: (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => {
    writeFileSync(${JSON.stringify(canary)}, 'aborted');
    reject(ctx.signal.reason);
  })),
};
export default {
  tasks: [...trivial, hold],
  chains: { trivial: trivial.map((t) => t.name), held: [...trivial.slice(0, 999).map((t) => t.name), 'hold'] },
};
`,
  );
}, 300_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('many tasks on a terminal', () => {
  it('1,000 trivial tasks complete, each in the final list', async () => {
    const r = await qmsInPty(['task', 'trivial'], { cwd: root });
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/✔ done in \S+ \(1000 succeeded, 0 skipped, 0 failed\)/);
    for (let i = 0; i < 1000; i++) expect(r.text).toMatch(new RegExp(`✔ t${i} \\d+ms\\n`));
  }, 120_000);

  it('Ctrl-C during a 1,000-task run aborts the running task and exits 130', async () => {
    const run = qmsInPtyTyping(['task', 'held'], { cwd: root });
    // The window shows `hold` running once the 999 others are done.
    await run.seen('hold (running)');
    expect(existsSync(canary)).toBe(false);
    run.type('\u0003');
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(existsSync(canary)).toBe(true);
    expect(r.text).toContain('qms: interrupted; stopping tasks');
    expect(r.text).toMatch(/✖ interrupted after \S+ \(999 succeeded, 0 skipped, 1 failed\)/);
  }, 120_000);
});

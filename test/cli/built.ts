/**
 * Builds dist/ as `npm run build` does (tsc, then scripts/startup-bundles.mjs) when it is
 * missing or older than the sources, so tests that spawn the `qms` binary (or import dist/)
 * run the current code as it ships. `npm test` builds first anyway.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const qmsBin = join(repoRoot, 'bin', 'qms.js');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

export function ensureBuilt(): void {
  const main = join(repoRoot, 'dist', 'tasks', 'cli', 'main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newest(join(repoRoot, 'tasks'))) return;
  try {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: repoRoot, stdio: 'pipe' });
  } catch {
    // tsc still emits when other parts of the tree have type errors; the check below decides.
  }
  if (!existsSync(main)) throw new Error('building dist/ failed: run `npm run build` and read its errors');
  execFileSync(process.execPath, [join(repoRoot, 'scripts', 'startup-bundles.mjs')], { cwd: repoRoot, stdio: 'pipe' });
}

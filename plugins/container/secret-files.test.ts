/** findSecretFiles on a real folder tree: what is a host secret to mask, and what is not searched. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findSecretFiles } from './secret-files.js';

const root = mkdtempSync(join(tmpdir(), 'qms-secrets-'));
const outside = mkdtempSync(join(tmpdir(), 'qms-outside-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

function file(rel: string, text = 'X=1\n', base = root): void {
  mkdirSync(dirname(join(base, rel)), { recursive: true });
  writeFileSync(join(base, rel), text);
}

describe('findSecretFiles', () => {
  it('finds every regular .env* file, skips what is not the host user\'s, and masks the in-project target of a .env* link', async () => {
    for (const f of ['.env', '.env.local', '.envrc', '.env.example', 'docker/.env', 'apps/web/config/.env.production', 'config/secret.txt']) file(f);
    // Not searched: git internals, dependencies, qms's own folder (masked whole), agent-writable folders.
    for (const f of ['.git/.env', 'node_modules/pkg/.env', 'apps/web/node_modules/x/.env', '.qms/.env', '.claude/sessions/S1/.env', '.claude/users/claude/workspace/.env', '.claude/users/qa/workspace/.env']) file(f);
    // Not secrets by name, or not files: a virtualenv folder called .env is walked, not masked.
    file('.env-venv/bin/activate');
    mkdirSync(join(root, 'py', '.env', 'lib'), { recursive: true });
    file('environment.txt');
    // Links: to a file in the project (mask the target), outside it, into a workspace, dangling.
    symlinkSync('config/secret.txt', join(root, '.env.link'));
    file('real.env', 'X=1\n', outside);
    symlinkSync(join(outside, 'real.env'), join(root, '.env.outside'));
    symlinkSync('.claude/users/claude/workspace/.env', join(root, '.env.agent'));
    symlinkSync('nowhere', join(root, '.env.dangling'));
    // A linked folder is not followed.
    file('.env', 'X=1\n', join(outside, 'dir'));
    symlinkSync(join(outside, 'dir'), join(root, 'linked'));

    expect(await findSecretFiles(root)).toEqual(['.env', '.env.example', '.env.local', '.envrc', 'apps/web/config/.env.production', 'config/secret.txt', 'docker/.env']);
  });
});

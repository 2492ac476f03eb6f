/** Finding the repositories planted in the agents' folders, and `qms status` reporting them through gitMcp(). */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testContext } from '../../test/plugin-test-context.js';
import { gitMcp } from '../mcp-server/builtin-servers.js';
import { findNestedRepos } from './nested-repos.js';

const root = mkdtempSync(join(tmpdir(), 'nested-repos-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('findNestedRepos', () => {
  it('finds .git folders and files at any depth, never following symlinks, and stops at its limit', async () => {
    mkdirSync(join(root, '.claude/sessions/S-1/deep/er/repo/.git'), { recursive: true });
    mkdirSync(join(root, '.claude/users/claude/workspace/sub'), { recursive: true });
    writeFileSync(join(root, '.claude/users/claude/workspace/sub/.git'), 'gitdir: /elsewhere\n');
    mkdirSync(join(root, 'outside/.git'), { recursive: true });
    symlinkSync(join(root, 'outside'), join(root, '.claude/sessions/S-1/link'));
    const r = await findNestedRepos(root, ['.claude/sessions', '.claude/users']);
    expect(r).toEqual({ found: ['.claude/sessions/S-1/deep/er/repo/.git', '.claude/users/claude/workspace/sub/.git'], truncated: false });
    expect((await findNestedRepos(root, ['.claude/sessions'], 2)).truncated).toBe(true);
    expect(await findNestedRepos(root, ['no-such-folder'])).toEqual({ found: [], truncated: false });
  });

  it('gitMcp()\'s status lists them as a host-boundary row', async () => {
    const ctx = testContext({ root });
    const rows = (await gitMcp().status?.(ctx)) ?? [];
    const row = rows.find((r) => r.id === 'nested-repositories');
    expect(row).toMatchObject({ plugin: 'mcp-git', kind: 'host-boundary', state: 'found', healthy: false, details: { count: 2 } });
    expect(String(row?.details.paths)).toContain('.claude/sessions/S-1/deep/er/repo/.git');
  });
});

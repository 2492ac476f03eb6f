/**
 * projectHead reads HEAD's commit from `.git` itself in the plain layouts and says what
 * `git rev-parse --verify HEAD` says in every case: a loose branch ref, packed refs, a detached
 * HEAD, a branch with no commit yet, a worktree (its `.git` is a file: git is asked), no git.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectHead } from './project-head.js';

const dir = mkdtempSync(join(tmpdir(), 'qms-project-head-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x.invalid' };
const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();
const revParse = (cwd: string): string | undefined => {
  try {
    return git(cwd, 'rev-parse', '--verify', '-q', 'HEAD') || undefined;
  } catch {
    return undefined;
  }
};

describe('projectHead', () => {
  it("agrees with git rev-parse: loose ref, packed refs, detached, unborn, worktree, no git", async () => {
    const repo = join(dir, 'repo');
    git(dir, 'init', '-q', '-b', 'main', repo);
    expect(await projectHead(repo)).toBeUndefined(); // no commit yet
    expect(revParse(repo)).toBeUndefined();
    writeFileSync(join(repo, 'a'), 'a');
    git(repo, 'add', 'a');
    git(repo, 'commit', '-qm', 'one');
    const loose = await projectHead(repo);
    expect(loose).toMatch(/^[0-9a-f]{40}$/);
    expect(loose).toBe(revParse(repo));
    git(repo, 'pack-refs', '--all');
    expect(await projectHead(repo)).toBe(revParse(repo));
    writeFileSync(join(repo, 'b'), 'b');
    git(repo, 'add', 'b');
    git(repo, 'commit', '-qm', 'two');
    git(repo, 'checkout', '-q', '--detach', 'HEAD~1');
    expect(await projectHead(repo)).toBe(revParse(repo));
    git(repo, 'checkout', '-q', 'main');
    git(repo, 'worktree', 'add', '-q', '--detach', join(dir, 'wt'), 'HEAD~1');
    expect(await projectHead(join(dir, 'wt'))).toBe(revParse(join(dir, 'wt')));
    expect(await projectHead(join(dir, 'wt'))).not.toBe(await projectHead(repo));
    expect(await projectHead(dir)).toBeUndefined();
  });
});

/**
 * Makes a throw-away QMS repository for end-to-end tests: `QMS/` documents, `.claude/`, a
 * git history, and a `qms.config.ts` — the shape the seeds' `pipe-dream` has.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface QmsRepo {
  root: string;
  /** Write a file relative to the root, creating folders. */
  write(path: string, text: string): void;
  git(...args: string[]): string;
}

export function makeQmsRepo(config: string, prefix = 'qms-e2e-'): QmsRepo {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const write = (path: string, text: string): void => {
    const full = join(root, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, text);
  };
  const git = (...args: string[]): string =>
    execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 'qms test', GIT_AUTHOR_EMAIL: 'qms@test.invalid', GIT_COMMITTER_NAME: 'qms test', GIT_COMMITTER_EMAIL: 'qms@test.invalid' },
    });

  write('CLAUDE.md', '# pipe-dream\n\nAgents: read QMS/SOP before work.\n');
  write('QMS/SOP/SOP-001.md', '---\ntitle: Document Control\nrevision_summary: Initial\n---\n\n# SOP-001: Document Control\n');
  write('QMS/CR/CR-043.md', '---\ntitle: Containerized Claude Agent Infrastructure\nrevision_summary: Initial\n---\n\n# CR-043\n\n## 1. Purpose\n\nContainers.\n');
  write('.claude/users/claude/inbox/.keep', '');
  write('.gitignore', '.qms/\n.env\n.claude/sessions/\n.claude/users/*/workspace/\n');
  write('qms.config.ts', config);
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'initial QMS');
  return { root, write, git };
}

/**
 * The qms-cli snapshot (`../shared/fixtures/qms-cli`, or env QMS_CLI_DIR) and throw-away
 * projects kept by it: a git repository with qms-cli copied in as `qms-cli/` (as a team's
 * submodule would be), initialised by `qms.py init`. Tests only; Python 3 + PyYAML needed.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot } from '../cli/built.js';

/** The snapshot's folder; throws, saying where it looked and what to do, when it is absent. */
export function qmsCliFixture(): string {
  const dir = process.env.QMS_CLI_DIR ? resolve(process.env.QMS_CLI_DIR) : resolve(repoRoot, '..', 'shared', 'fixtures', 'qms-cli');
  if (!existsSync(join(dir, 'qms.py'))) {
    throw new Error(`the qms-cli snapshot is missing: no qms.py in ${dir}. Put qms-cli there (../shared/fixtures/qms-cli beside the repository) or set QMS_CLI_DIR to its folder.`);
  }
  return dir;
}

export interface QmsCliProject {
  root: string;
  /** Runs `python3 qms-cli/qms.py <args>` in the project; returns stdout (throws on a non-zero exit). */
  qms(...args: string[]): string;
  git(...args: string[]): string;
}

const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', GIT_AUTHOR_NAME: 'qms test', GIT_AUTHOR_EMAIL: 'qms@test.invalid', GIT_COMMITTER_NAME: 'qms test', GIT_COMMITTER_EMAIL: 'qms@test.invalid' };

/** A fresh project: git init, qms-cli copied in, `qms.py init`, everything committed. */
export function makeQmsCliProject(prefix = 'qms-cli-project-'): QmsCliProject {
  const fixture = qmsCliFixture();
  const root = mkdtempSync(join(tmpdir(), prefix));
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8', env });
  const qms = (...args: string[]): string => execFileSync('python3', [join('qms-cli', 'qms.py'), ...args], { cwd: root, encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
  git('init', '-q', '-b', 'main');
  cpSync(fixture, join(root, 'qms-cli'), { recursive: true, filter: (src) => !src.includes('__pycache__') });
  qms('init');
  git('add', '-A');
  git('commit', '-qm', 'QMS initialised by qms-cli');
  return { root, qms, git };
}

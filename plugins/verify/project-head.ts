/**
 * The project's HEAD commit on the host (what a clone must hold), or undefined outside git or on
 * a branch with no commit yet. Read from `.git` itself when it is the plain layout (HEAD naming a
 * branch whose ref is a loose file or in packed-refs, or a detached commit): verify starts on a
 * busy main thread, and a git process costs it ~5 ms to spawn. Anything else (a worktree's
 * `.git` file, the reftable format, a symbolic ref of a ref) asks `git rev-parse`.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const COMMIT = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const BRANCH = /^ref: (refs\/heads\/[^\s\0]+)$/;

/** The commit, '' for a branch with no commit, or undefined when the layout is not the plain one. */
async function fromFiles(gitDir: string): Promise<string | undefined> {
  const head = (await readFile(join(gitDir, 'HEAD'), 'utf8').catch(() => '')).trim();
  if (COMMIT.test(head)) return head;
  const name = BRANCH.exec(head)?.[1];
  // reftable keeps a placeholder here; `..` would leave the refs folder.
  if (!name || name === 'refs/heads/.invalid' || name.split('/').includes('..')) return undefined;
  const loose = (await readFile(join(gitDir, name), 'utf8').catch(() => undefined))?.trim();
  if (loose !== undefined) return COMMIT.test(loose) ? loose : undefined;
  const packed = await readFile(join(gitDir, 'packed-refs'), 'utf8').catch(() => '');
  for (const line of packed.split('\n')) {
    const [sha, ref] = line.split(' ');
    if (ref === name && sha && COMMIT.test(sha)) return sha;
  }
  return '';
}

function revParse(root: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['-c', `safe.directory=${root}`, 'rev-parse', '--verify', '-q', 'HEAD'], { cwd: root }, (err, stdout) => resolve(err ? undefined : stdout.trim() || undefined));
  });
}

export async function projectHead(root: string): Promise<string | undefined> {
  const found = await fromFiles(join(root, '.git'));
  return found === undefined ? revParse(root) : found || undefined;
}

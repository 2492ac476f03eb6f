/**
 * Which of these files does git track? One `git ls-files` for all of them. Undefined when the
 * root is not in a git work tree (or git is missing): then nothing can be tracked.
 */
import { execFile } from 'node:child_process';

export function gitTracked(root: string, files: readonly string[]): Promise<Set<string> | undefined> {
  return new Promise((resolve) => {
    if (files.length === 0) return resolve(new Set());
    execFile('git', ['-c', `safe.directory=${root}`, 'ls-files', '-z', '--', ...files], { cwd: root }, (err, stdout) => {
      if (err) return resolve(undefined);
      resolve(new Set(stdout.split('\0').filter(Boolean)));
    });
  });
}

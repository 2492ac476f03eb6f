/** The project's HEAD commit on the host (what a clone must hold), or undefined outside git. */
import { execFile } from 'node:child_process';

export function projectHead(root: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['-c', `safe.directory=${root}`, 'rev-parse', '--verify', '-q', 'HEAD'], { cwd: root }, (err, stdout) => resolve(err ? undefined : stdout.trim() || undefined));
  });
}

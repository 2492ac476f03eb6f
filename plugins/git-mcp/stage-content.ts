/**
 * Staging exactly what was judged, with no second look by git at the working tree: each file
 * is opened by the server itself (no symlink followed, non-blocking, its real path checked
 * through /proc/self/fd so a folder swapped for a link cannot redirect it), its content hashed
 * into the object store (`hash-object -w --stdin --path`, so the user's own attributes still
 * apply), and the index entry written from that hash (`update-index --index-info`). Whatever
 * the agent swaps in between (a repository for a file, a link to a host file) is never seen.
 */
import { constants } from 'node:fs';
import { open, readlink, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { runGit, type GitRunResult, type GitRunSettings } from './exec-git.js';
import { refuse, type Refusal } from './refusal.js';

/** Largest file the server stages (it reads it whole). */
export const MAX_STAGED_BYTES = 32 * 1024 * 1024;
/** Most paths one `add` may stage. */
export const MAX_STAGED_PATHS = 1000;

type Entry = { rel: string; mode: '100644' | '100755' | '120000'; content: Buffer } | { rel: string; remove: true };

const realFdPath = (fd: number): Promise<string | undefined> => readlink(`/proc/self/fd/${fd}`).catch(() => undefined);

/** Reads one judged path as the index should record it, or the refusal that stops the add. */
async function readEntry(root: string, realRoot: string, rel: string, chmod: '+x' | '-x' | undefined): Promise<Entry | Refusal> {
  const path = join(root, rel);
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { rel, remove: true };
    if (code === 'ELOOP') {
      // A symlink: git records the link's text, never what it points at.
      const target = await readlink(path).catch(() => undefined);
      return target === undefined ? refuse('special-file', `"${rel}" changed while it was being staged`, 'Try again.') : { rel, mode: '120000', content: Buffer.from(target) };
    }
    return refuse('special-file', `"${rel}" cannot be read (${code ?? String(err)})`, 'Stage readable regular files only.');
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) return refuse('nested-repository', `"${rel}" became a folder while it was being staged`, 'Stage plain files only.');
    if (!st.isFile()) return refuse('special-file', `"${rel}" is not a regular file (a FIFO, socket or device)`, 'Only regular files and symlinks can be staged.');
    if (st.size > MAX_STAGED_BYTES) return refuse('special-file', `"${rel}" is ${Math.round(st.size / 1048576)} MiB, more than the ${MAX_STAGED_BYTES / 1048576} MiB the server stages`, 'Keep large files out of the repository (or use Git LFS from the host).');
    // The file really opened must be the judged path: no folder on the way became a link.
    const opened = await realFdPath(handle.fd);
    if (opened !== undefined && opened !== join(realRoot, rel)) return refuse('outside-project', `"${rel}" resolved to another file while it was being staged (a folder on its way is a link)`, 'Stage files whose folders are real folders in the project.');
    const content = await handle.readFile();
    const executable = chmod === '+x' || (chmod === undefined && (st.mode & 0o100) !== 0);
    return { rel, mode: executable ? '100755' : '100644', content };
  } finally {
    await handle.close();
  }
}

/**
 * Stages the judged paths from the content the server read itself; `verbose` prints git's
 * `add '<path>'` lines. Returns git's result for the index update, or a refusal (nothing staged).
 */
export async function stageJudged(settings: GitRunSettings, paths: readonly string[], options: { verbose: boolean; chmod?: '+x' | '-x' }): Promise<GitRunResult | Refusal> {
  if (paths.length > MAX_STAGED_PATHS) return refuse('special-file', `add would stage ${paths.length} paths, more than ${MAX_STAGED_PATHS}`, 'Stage fewer files per call.');
  const realRoot = await realpath(settings.projectRoot);
  const entries: Entry[] = [];
  for (const rel of paths) {
    const e = await readEntry(settings.projectRoot, realRoot, rel, options.chmod);
    if ('rule' in e) return e;
    entries.push(e);
  }
  const lines: string[] = [];
  for (const e of entries) {
    if ('remove' in e) continue;
    const hashed = await runGit(['hash-object', '-w', '--stdin', `--path=${e.rel}`], settings, { stdin: e.content });
    const sha = hashed.stdout.trim();
    if (hashed.exitCode !== 0 || !/^[0-9a-f]{40,64}$/.test(sha)) return { ...hashed, exitCode: hashed.exitCode || 1, stderr: `could not store "${e.rel}": ${hashed.stderr.trim()}` };
    lines.push(`${e.mode} ${sha}\t${e.rel}`);
  }
  const removed = entries.filter((e) => 'remove' in e).map((e) => e.rel);
  let result: GitRunResult | undefined;
  if (lines.length > 0) {
    result = await runGit(['update-index', '-z', '--add', '--index-info'], settings, { stdin: Buffer.from(`${lines.join('\0')}\0`) });
    if (result.exitCode !== 0) return result;
  }
  if (removed.length > 0) {
    result = await runGit(['update-index', '-z', '--force-remove', '--stdin'], settings, { stdin: Buffer.from(`${removed.join('\0')}\0`) });
    if (result.exitCode !== 0) return result;
  }
  const shown = options.verbose ? entries.map((e) => `${'remove' in e ? 'remove' : 'add'} '${e.rel}'`).join('\n') : '';
  return { ...(result as GitRunResult), stdout: shown, stderr: '' };
}

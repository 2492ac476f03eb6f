/**
 * The host's secret files in a project: every regular `.env*` file (`.env`, `.env.local`,
 * `docker/.env`, `.envrc`, …), found by walking the project. The container masks each one (an
 * empty, unreadable file mounted read-only over it) and verification tries to read each one from
 * inside, so a file created after the container started is caught too.
 *
 * Not searched: `.git`, `node_modules`, `.qms/` (masked whole) and the agent-writable folders
 * (what is there the agents wrote). Symbolic links are not followed into folders; a `.env*` link
 * whose target is a file inside the project masks that target (that is where the read lands).
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { IN_PROJECT, isAgentWritable } from './container-paths.js';

const SKIP_NAMES = new Set(['.git', 'node_modules']);
const WALKERS = 32;

export const isSecretName = (name: string): boolean => name.startsWith('.env');

/** Project-relative, `/`-separated paths of the project's secret files, sorted. */
export async function findSecretFiles(root: string): Promise<string[]> {
  const found = new Set<string>();
  const realRoot = await realpath(root);
  const skipped = (rel: string): boolean => rel === IN_PROJECT.qmsDir || isAgentWritable(rel);
  const inSkippedFolder = (rel: string): boolean => {
    const parts = rel.split('/');
    return parts.slice(0, -1).some((part, i) => SKIP_NAMES.has(part) || skipped(parts.slice(0, i + 1).join('/')));
  };
  const toRel = (abs: string, base: string): string => relative(base, abs).split(sep).join('/');
  const visit = async (relDir: string, queue: string[]): Promise<void> => {
    const entries: Dirent[] = await readdir(join(root, relDir), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIP_NAMES.has(e.name) && !skipped(rel)) queue.push(rel);
      } else if (isSecretName(e.name)) {
        if (e.isFile()) found.add(rel);
        else if (e.isSymbolicLink()) {
          const target = await realpath(join(root, rel)).catch(() => undefined);
          if (!target || !(await stat(target).then((st) => st.isFile(), () => false))) continue;
          const inProject = toRel(target, realRoot);
          if (!inProject.startsWith('../') && !inSkippedFolder(inProject)) found.add(inProject);
        }
      }
    }
  };
  // Folders are read WALKERS at a time: a large checkout is I/O-bound, not CPU-bound.
  const queue: string[] = [''];
  let active = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      if (queue.length === 0 && active === 0) return resolve();
      while (active < WALKERS && queue.length > 0) {
        active++;
        visit(queue.pop()!, queue).then(() => {
          active--;
          pump();
        }, reject);
      }
    };
    pump();
  });
  return [...found].sort();
}

/**
 * The host's secret *values*, so no `git_exec` output can carry one, whatever git is asked to
 * print: names are judged elsewhere, but a value may already sit in the object store (a
 * human's `git add .env` then `reset`, a `stash -u`) where `cat-file -p <sha>` or `log -p --all`
 * would show it. Every value in the project's `.env*` files (found as the container plugin finds
 * them) and every MCP token under `.qms/mcp/` is masked; the list of files is refreshed at most
 * every 30 s, the values on every call.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redactor } from '../../tasks/env/redact.js';
import { findSecretFiles } from '../container/secret-files.js';
import { mcpDir } from '../mcp-server/files.js';

const REFRESH_MS = 30_000;

export class HostSecrets {
  private files: string[] = [];
  private foundAt = -Infinity;

  constructor(private readonly root: string) {}

  /** A redactor holding every secret value on disk now. */
  async redactor(): Promise<Redactor> {
    if (performance.now() - this.foundAt > REFRESH_MS) {
      this.files = await findSecretFiles(this.root).catch(() => this.files);
      this.foundAt = performance.now();
    }
    const { parse } = await import('dotenv');
    const values: string[] = [];
    for (const rel of this.files) {
      const text = await readFile(join(this.root, rel), 'utf8').catch(() => '');
      values.push(...Object.values(parse(text)));
    }
    const dir = mcpDir(this.root);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (name.endsWith('.token')) values.push(await readFile(join(dir, name), 'utf8').catch(() => ''));
    }
    return new Redactor(values);
  }
}

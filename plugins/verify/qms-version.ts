/** The version of this qms package, for the evidence (found by walking up to its package.json). */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export async function qmsVersion(): Promise<string> {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const pkg = await readFile(join(dir, 'package.json'), 'utf8').then((t) => JSON.parse(t) as { name?: string; version?: string }, () => undefined);
    if (pkg?.name === 'qms' && pkg.version) return pkg.version;
    dir = dirname(dir);
  }
  return 'unknown';
}

/**
 * `qms init`: writes a commented `qms.config.ts` for the project in the working directory (a
 * QMS repository or not, kept by qms-cli or not: presets/default-config.ts), never over an
 * existing config; `--dry-run` prints it instead.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { SEARCH_PLACES, searchUpward } from '../../config/load-config.js';
import { ConfigError } from '../../errors.js';
import type { GlobalOptions } from '../global-options.js';
import { EXIT } from '../report-error.js';

export async function initCommand(globals: GlobalOptions, cwd: string = process.cwd()): Promise<number> {
  const existing = SEARCH_PLACES.map((name) => join(cwd, name)).find((f) => existsSync(f));
  if (existing) {
    throw new ConfigError(`${relative(cwd, existing)} already exists in ${cwd}: qms init never overwrites a config`, 'edit it, or move it away and run qms init again', existing);
  }
  const [{ defaultConfigSource, describeProject, detectProject }, { packageRoot }] = await Promise.all([
    import('../../../presets/default-config.js'),
    import('../../../plugins/mcp-server/package-root.js'),
  ]);
  const facts = detectProject(cwd, join(packageRoot(), 'docker'));
  const source = defaultConfigSource(facts);
  if (globals.dryRun) {
    process.stdout.write(source);
    return EXIT.ok;
  }
  const file = join(cwd, 'qms.config.ts');
  try {
    writeFileSync(file, source, { flag: 'wx' }); // `wx`: not even a config created meanwhile is overwritten
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new ConfigError(`qms.config.ts already exists in ${cwd}: qms init never overwrites a config`, 'edit it instead', file);
    throw err;
  }
  const above = searchUpward(dirname(cwd));
  process.stdout.write(
    `wrote qms.config.ts for ${describeProject(facts)}\n` +
      (above ? `note: ${above} is in a folder above; from here on this one is used\n` : '') +
      `next: npx qms list (the tasks), ${facts.qms ? 'npx qms up (bring the agent environment up)' : 'npx qms task <name>'}\n`,
  );
  return EXIT.ok;
}

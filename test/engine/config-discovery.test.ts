/**
 * Where the config is found: a config in the working directory is taken without asking
 * cosmiconfig, and must be the one cosmiconfig would take (its search places in order, a
 * folder of that name skipped, an empty file found); above it, cosmiconfig searches.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../tasks/errors.js';
import { loadConfig, searchUpward } from '../../tasks/config/load-config.js';

const tmp = mkdtempSync(join(tmpdir(), 'qms-discovery-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string | null>): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    if (text === null) mkdirSync(join(dir, path), { recursive: true });
    else writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('config discovery', () => {
  it('takes the first search place present in the working directory', () => {
    const dir = folder('order', { 'qms.config.js': 'export default {};\n', 'qms.config.mts': 'export default {};\n', 'qms.config.mjs': 'export default {};\n' });
    expect(searchUpward(dir)).toBe(join(dir, 'qms.config.mts'));
  });

  it('skips a folder named like a config, and finds an empty file (reported as empty)', async () => {
    const dir = folder('folder-named', { 'qms.config.ts': null, 'qms.config.mjs': '' });
    expect(searchUpward(dir)).toBe(join(dir, 'qms.config.mjs'));
    const err = (await loadConfig({ cwd: dir }).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe('qms.config.mjs: the file is empty');
  });

  it('finds the nearest config above, through cosmiconfig, a folder of that name not counting', () => {
    const top = folder('upward', { 'qms.config.mjs': 'export default {};\n' });
    const middle = folder('upward/a', { 'qms.config.ts': null });
    mkdirSync(join(middle, 'b'), { recursive: true });
    expect(searchUpward(join(middle, 'b'))).toBe(join(top, 'qms.config.mjs'));
    const nearer = folder('upward/a/b/c', {});
    writeFileSync(join(middle, 'b', 'qms.config.js'), 'export default {};\n');
    expect(searchUpward(nearer)).toBe(join(middle, 'b', 'qms.config.js'));
  });
});

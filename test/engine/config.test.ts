import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../tasks/config/load-config.js';
import { loadEnv } from '../../tasks/env/load-env.js';
import { ConfigError } from '../../tasks/errors.js';
import { ensureBuilt } from '../cli/built.js';

const fixtures = resolve(import.meta.dirname, '../fixtures');
const badConfigs = join(fixtures, 'bad-configs');

// Configs import `qms`, which resolves to dist/index.js.
beforeAll(() => ensureBuilt(), 300_000);

/** Load a config the way a run does: config, then its env files. */
async function open(dir: string) {
  const config = await loadConfig({ cwd: dir });
  const env = await loadEnv({ root: config.root, envFiles: config.envFiles, configFile: config.file, processEnv: { QMS_TEST_SHELL_WINS: 'shell' } });
  return { config, env };
}

describe('bad configs: one clear error naming the file and the key', () => {
  for (const name of readdirSync(badConfigs)) {
    it(name, async () => {
      const dir = join(badConfigs, name);
      const expected = readFileSync(join(dir, 'expected.txt'), 'utf8').split('\n').filter(Boolean);
      // env.json: variables the case needs (e.g. a short QMS_CONFIG_TIMEOUT_MS), set while it loads.
      const env = existsSync(join(dir, 'env.json')) ? (JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8')) as Record<string, string>) : {};
      const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
      Object.assign(process.env, env);
      const err = await open(dir)
        .then(
          () => undefined,
          (e: unknown) => e,
        )
        .finally(() => {
          for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
          }
        });
      expect(err).toBeInstanceOf(ConfigError);
      const e = err as ConfigError;
      for (const line of expected) expect(e.message).toContain(line);
      expect(e.file).toBe(join(dir, readdirSync(dir).find((f) => f.startsWith('qms.config.'))!));
      expect(e.hint).toBeTruthy();
    });
  }
});

describe('good configs', () => {
  it('resolves plugins, own tasks, chains and options of a TypeScript config', async () => {
    const { config, env } = await open(join(fixtures, 'good-config'));
    expect(config.name).toBe('demo');
    expect(config.root).toBe(join(fixtures, 'good-config'));
    expect(config.plugins.map((p) => p.name)).toEqual(['image']);
    expect([...config.tasks.values()].map((t) => [t.name, t.plugin, t.dependsOn])).toEqual([
      ['build', 'image', []],
      ['deploy', undefined, ['build']],
    ]);
    expect(config.chains).toEqual({ up: ['deploy'], down: [] });
    expect(config.concurrency).toBe(3);
    // .env, then envFiles in order, then process.env on top.
    expect(env.env).toMatchObject({ FROM_DOTENV: 'dotenv', OVERRIDDEN: 'extra', SERVICE_TOKEN: 'tok-from-extra-file', QMS_TEST_SHELL_WINS: 'shell' });
    expect(env.files).toEqual([join(fixtures, 'good-config', '.env'), join(fixtures, 'good-config', 'extra.env')]);
  });

  it('loads a plain .mjs config natively and defaults name and concurrency', async () => {
    const config = await loadConfig({ cwd: join(fixtures, 'good-mjs') });
    expect(config.file).toBe(join(fixtures, 'good-mjs', 'qms.config.mjs'));
    expect(config.name).toBe('good-mjs');
    expect(config.concurrency).toBe(8);
    expect([...config.tasks.keys()]).toEqual(['hello']);
  });

  it('takes --config relative to the working directory; the root is its folder', async () => {
    const config = await loadConfig({ cwd: fixtures, configPath: 'good-mjs/qms.config.mjs' });
    expect(config.root).toBe(join(fixtures, 'good-mjs'));
  });

  it('searches upward from a subfolder; the root is the config\'s folder', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'qms-upward-'));
    try {
      writeFileSync(join(tmp, 'qms.config.mjs'), "export default { tasks: [{ name: 'here', run() {} }] };\n");
      mkdirSync(join(tmp, 'a', 'b'), { recursive: true });
      const config = await loadConfig({ cwd: join(tmp, 'a', 'b') });
      expect(config.file).toBe(join(tmp, 'qms.config.mjs'));
      expect(config.root).toBe(tmp);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('says where it looked when there is no config, and names qms init', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'qms-none-'));
    try {
      const err = (await loadConfig({ cwd: tmp }).catch((e: unknown) => e)) as ConfigError;
      expect(err.message).toBe(`no qms config in ${tmp} or any folder above it`);
      expect(err.hint).toContain('qms init');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    await expect(loadConfig({ cwd: fixtures, configPath: 'nope.ts' })).rejects.toThrow('config file not found: nope.ts');
  });
});

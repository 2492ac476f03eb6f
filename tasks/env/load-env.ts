/**
 * Builds the env tasks see: `.env` at the root (optional), then each of the config's
 * `envFiles` in order (a missing one is a ConfigError), then `process.env` on top, so a
 * value set in the shell always wins over a file (as with docker compose and vite).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { requireCjs } from '../cjs.js';
import { ConfigError } from '../errors.js';
import type { Env } from '../types.js';

export interface LoadEnvOptions {
  root: string;
  envFiles: readonly string[];
  /** The config file, named in errors. */
  configFile?: string;
  processEnv?: NodeJS.ProcessEnv;
}

export interface LoadedEnv {
  env: Env;
  /** The files read, in order. */
  files: string[];
}

/** dotenv's parser, loaded when there is a file to parse (most runs have none: a few ms of start-up). */
const parse = (text: Buffer): Record<string, string> => (requireCjs('dotenv') as typeof import('dotenv')).parse(text);

export async function loadEnv(options: LoadEnvOptions): Promise<LoadedEnv> {
  const fromFiles: Record<string, string> = {};
  const files: string[] = [];
  const defaultFile = resolve(options.root, '.env');
  if (existsSync(defaultFile)) {
    Object.assign(fromFiles, parse(readFileSync(defaultFile)));
    files.push(defaultFile);
  }
  const where = options.configFile ? `${basename(options.configFile)}: ` : '';
  options.envFiles.forEach((name, i) => {
    const file = resolve(options.root, name);
    if (!existsSync(file)) {
      throw new ConfigError(
        `${where}envFiles[${i}]: file not found: ${name}`,
        `create ${file} or remove "${name}" from envFiles`,
        options.configFile,
        `envFiles[${i}]`,
      );
    }
    Object.assign(fromFiles, parse(readFileSync(file)));
    files.push(file);
  });
  const env: Record<string, string> = { ...fromFiles };
  for (const [k, v] of Object.entries(options.processEnv ?? process.env)) {
    if (v !== undefined) env[k] = v;
  }
  return { env, files };
}

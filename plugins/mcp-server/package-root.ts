/**
 * The qms package's root folder and version, found from this module's own location whether it
 * runs from source (`plugins/mcp-server/*.ts`) or compiled (`dist/plugins/mcp-server/*.js`):
 * the nearest ancestor whose package.json is named `qms`. The one place that finds it (the CLI's
 * `--version`, verify's evidence, the server entry); it imports only node: modules, so
 * `qms --version` stays cheap.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: { root: string; version: string } | undefined;

function find(): { root: string; version: string } {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'qms') return (cached = { root: dir, version: pkg.version ?? 'unknown' });
      } catch {
        // unreadable manifest: keep looking upwards
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the qms package root above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export const packageRoot = (): string => find().root;

/** The `version` of qms's package.json. */
export const packageVersion = (): string => find().version;

/** The compiled entry that runs our built-in servers (`serve-main.js <qms-mcp|git-mcp> …`). */
export const builtinServerEntry = (): string => join(packageRoot(), 'dist', 'plugins', 'mcp-server', 'serve-main.js');

/**
 * The qms package's root folder, found from this module's own location whether it runs from
 * source (`plugins/mcp-server/*.ts`) or compiled (`dist/plugins/mcp-server/*.js`): the nearest
 * ancestor whose package.json is named `qms`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'qms') return (cached = dir);
      } catch {
        // unreadable manifest: keep looking upwards
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the qms package root above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The compiled entry that runs our built-in servers (`serve-main.js <qms-mcp|git-mcp> …`). */
export const builtinServerEntry = (): string => join(packageRoot(), 'dist', 'plugins', 'mcp-server', 'serve-main.js');

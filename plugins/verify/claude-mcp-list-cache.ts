/**
 * `claude mcp list` starts Claude Code inside the container (about 1.5 s), which alone would
 * break the warm `qms up` budget. Its verdict only changes when the container or its MCP
 * configuration does (URLs and tokens are part of the container's `qms.config-hash` label), so
 * a passing result is remembered per container id + config hash and re-used, saying so in the
 * evidence. The in-container MCP probes still run on every verification.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from '../../tasks/state/atomic-write.js';
import { ensureQmsSubdir, qmsDir } from '../../tasks/state/qms-dir.js';
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import type { CheckRecord } from './report.js';

interface Remembered {
  key: string;
  checkedAt: string;
  actual: string;
}

const CACHE_DIR = 'verify';
export const cacheFile = (root: string, agent: string): string => join(qmsDir(root), CACHE_DIR, `claude-mcp-list-${agent}.json`);

export function cacheKey(containerId: string, configHash: string, endpoints: readonly McpEndpoint[]): string {
  return [containerId, configHash, ...endpoints.map((e) => `${e.name}=${e.containerUrl}`)].join('|');
}

/** The remembered passing check for this exact container and configuration, if any. */
export async function recall(file: string, key: string, base: CheckRecord): Promise<CheckRecord | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    const r = JSON.parse(text) as Partial<Remembered>;
    if (r.key !== key || typeof r.actual !== 'string' || typeof r.checkedAt !== 'string') return undefined;
    return { ...base, actual: `${r.actual} (Claude Code's check at ${r.checkedAt}, same container and MCP configuration; \`verify({ claudeMcpList: 'always' })\` re-runs it every time)` };
  } catch {
    return undefined;
  }
}

export async function remember(root: string, file: string, key: string, check: CheckRecord): Promise<void> {
  if (check.result !== 'pass') return;
  await ensureQmsSubdir(root, CACHE_DIR);
  const entry: Remembered = { key, checkedAt: check.finishedAt, actual: check.actual };
  await atomicWrite(file, `${JSON.stringify(entry)}\n`, 0o600);
}

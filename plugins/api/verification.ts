/**
 * `GET /api/agents/{agent}/verification`: the agent's latest verification evidence, found where
 * the verify plugin writes it (`<sessions>/<session>/<stem>[-n].json`, stem from its
 * `evidenceStem`). The sessions folder is writable by the agents, so what is read there is
 * hostile: regular files only (no symlink followed), size-capped, and only typed, shortened
 * fields are returned — never the file as is.
 */
import { lstat, open, readdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join, relative } from 'node:path';
import { agentPaths } from '../container/host-paths.js';
import { evidenceStem } from '../verify/write-report.js';
import type { PluginContext } from '../../tasks/types.js';

const MAX_BYTES = 2 * 1024 * 1024;

export interface VerificationSummary {
  result: 'pass' | 'fail';
  finished_at: string | null;
  started_at: string | null;
  session: string;
  /** Project-relative path of the JSON evidence (its `.md` twin sits next to it). */
  file: string;
  checks: { pass: number; fail: number; skip: number };
  failed: Array<{ id: string; title: string }>;
}

const text = (v: unknown, max = 200): string | null => (typeof v === 'string' ? v.slice(0, max) : null);

async function readCapped(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = await handle.stat();
    if (!st.isFile() || st.size > MAX_BYTES) return undefined;
    return await handle.readFile('utf8');
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

/**
 * The Markdown twin (`<stem>.md`) of the evidence `summary` names, capped and not followed
 * through a symlink; undefined when it is missing. Served as plain text: it is agent-writable.
 */
export async function verificationMarkdown(ctx: PluginContext, summary: VerificationSummary): Promise<string | undefined> {
  return readCapped(join(ctx.root, summary.file.replace(/\.json$/, '.md')));
}

/** The newest evidence of `agent` (by modification time), or undefined when there is none. */
export async function latestVerification(ctx: PluginContext, agent: string): Promise<VerificationSummary | undefined> {
  const sessions = agentPaths(ctx.root, agent).sessions;
  const stem = evidenceStem(agent, ctx.config.agents);
  const name = new RegExp(`^${stem.replace(/[-]/g, '\\-')}(?:-\\d+)?\\.json$`);
  const found: Array<{ path: string; session: string; mtime: number }> = [];
  for (const session of await readdir(sessions).catch(() => [] as string[])) {
    const dir = join(sessions, session);
    const st = await lstat(dir).catch(() => undefined);
    if (!st?.isDirectory()) continue;
    for (const file of await readdir(dir).catch(() => [] as string[])) {
      if (!name.test(file)) continue;
      const f = await lstat(join(dir, file)).catch(() => undefined);
      if (f?.isFile()) found.push({ path: join(dir, file), session, mtime: f.mtimeMs });
    }
  }
  found.sort((a, b) => b.mtime - a.mtime);
  for (const candidate of found) {
    const raw = await readCapped(candidate.path);
    if (raw === undefined) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null) continue;
    const r = parsed as Record<string, unknown>;
    if (r.result !== 'pass' && r.result !== 'fail') continue;
    const checks = Array.isArray(r.checks) ? (r.checks as unknown[]).filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null) : [];
    const count = (res: string): number => checks.filter((c) => c.result === res).length;
    return {
      result: r.result,
      finished_at: text(r.finishedAt, 40),
      started_at: text(r.startedAt, 40),
      session: candidate.session.slice(0, 200),
      file: relative(ctx.root, candidate.path),
      checks: { pass: count('pass'), fail: count('fail'), skip: count('skip') },
      failed: checks.filter((c) => c.result === 'fail').slice(0, 50).map((c) => ({ id: text(c.id, 80) ?? '?', title: text(c.title) ?? '' })),
    };
  }
  return undefined;
}

/**
 * `GET /api/agents/{agent}/verification`: the agent's latest verification, from the host's own
 * record of it (the verify plugin's host-record.ts, in `.qms/`, which no container sees) — never
 * from the sessions folder, which the agents can write: a planted or rewritten "evidence" file
 * there changes nothing here. `intact` says whether the session folder's copy (`file`) still
 * holds what verify wrote there (read as hostile: regular file only, no symlink, size-capped).
 */
import { open } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { readHostRecord, sha256 } from '../verify/host-record.js';
import type { PluginContext } from '../../tasks/types.js';

const MAX_BYTES = 2 * 1024 * 1024;

export interface VerificationSummary {
  result: 'pass' | 'fail';
  finished_at: string | null;
  started_at: string | null;
  session: string;
  /** Project-relative path of the JSON evidence (its `.md` twin sits next to it); null when it could not be written there. */
  file: string | null;
  /** The session folder's copy is byte for byte what verify wrote (false: changed or gone since, or never written). */
  intact: boolean;
  /** The container was created by the run that verified it (no process of the agent had run in it to interfere with the checks). */
  fresh_container: boolean;
  checks: { pass: number; fail: number; skip: number };
  failed: Array<{ id: string; title: string }>;
}

async function readCapped(path: string): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = await handle.stat();
    if (!st.isFile() || st.size > MAX_BYTES) return undefined;
    return await handle.readFile();
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

/** The Markdown of the agent's latest verification (the host's copy), or undefined when there is none. */
export async function verificationMarkdown(ctx: PluginContext, agent: string): Promise<string | undefined> {
  return (await readHostRecord(ctx.root, agent))?.markdown;
}

/** The agent's latest verification, or undefined when there is none. */
export async function latestVerification(ctx: PluginContext, agent: string): Promise<VerificationSummary | undefined> {
  const record = await readHostRecord(ctx.root, agent);
  if (!record) return undefined;
  const { report } = record;
  const now = record.file === null ? undefined : await readCapped(join(ctx.root, record.file));
  const count = (res: string): number => report.checks.filter((c) => c.result === res).length;
  return {
    result: report.result,
    finished_at: report.finishedAt,
    started_at: report.startedAt,
    session: report.session,
    file: record.file,
    intact: now !== undefined && sha256(now) === record.sha256,
    fresh_container: report.freshContainer === true,
    checks: { pass: count('pass'), fail: count('fail'), skip: count('skip') },
    failed: report.checks.filter((c) => c.result === 'fail').map((c) => ({ id: c.id, title: c.title })),
  };
}

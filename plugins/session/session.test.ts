import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { session } from './index.js';
import { createSession, type SessionResult } from './create-session.js';
import { sessionId, sessionNumber, sessionPrefix } from './session-id.js';
import { readCurrentSession } from './write-current-session.js';
import { ConfigError } from '../../tasks/errors.js';
import { testContext } from '../../test/plugin-test-context.js';

const run = promisify(execFile);
const dirs: string[] = [];
function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'qms-session-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const sessions = (root: string) => join(root, '.claude/sessions');
const isRoot = process.getuid?.() === 0;

describe('session ids', () => {
  it('use the local date and three-digit numbers', () => {
    const d = new Date(2026, 1, 3, 23, 59); // local time, month index 1 = February
    expect(sessionId(d, 7)).toBe('Session-2026-02-03-007');
    expect(sessionNumber('Session-2026-02-03-012', sessionPrefix(d))).toBe(12);
    expect(sessionNumber('Session-2026-02-03-1000', sessionPrefix(d))).toBe(1000);
    expect(sessionNumber('Session-2026-02-04-001', sessionPrefix(d))).toBeUndefined();
    expect(sessionNumber('Session-2026-02-03-notes', sessionPrefix(d))).toBeUndefined();
  });
});

describe('createSession', () => {
  it('creates the folders, numbers sessions per day and writes CURRENT_SESSION', async () => {
    const root = tempRoot();
    const now = new Date(2026, 1, 3, 10, 0);
    const first = await createSession(root, 'claude', now);
    expect(first).toEqual({ id: 'Session-2026-02-03-001', dir: join(sessions(root), 'Session-2026-02-03-001'), agents: ['claude'] });
    expect(statSync(first.dir).isDirectory()).toBe(true);
    expect(statSync(join(root, '.claude/users/claude/workspace')).isDirectory()).toBe(true);
    expect(statSync(join(root, '.claude/users/claude/inbox')).isDirectory()).toBe(true);
    expect(readFileSync(join(sessions(root), 'CURRENT_SESSION'), 'utf8')).toBe('Session-2026-02-03-001\n');

    // Gaps and other days don't matter: the next number is after today's highest.
    mkdirSync(join(sessions(root), 'Session-2026-02-03-007'));
    mkdirSync(join(sessions(root), 'Session-2026-02-04-050'));
    const next = await createSession(root, 'claude', now);
    expect(next.id).toBe('Session-2026-02-03-008');
    expect(await readCurrentSession(sessions(root))).toBe('Session-2026-02-03-008');
    expect(readdirSync(sessions(root)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('never overwrites what exists, and gives what it creates to the agent uid when run as root', async () => {
    const root = tempRoot();
    const workspace = join(root, '.claude/users/claude/workspace');
    mkdirSync(workspace, { recursive: true, mode: 0o700 });
    writeFileSync(join(workspace, 'SOP-001.md'), 'checked out\n');
    const before = statSync(workspace);
    const result = await createSession(root, 'claude');
    expect(readFileSync(join(workspace, 'SOP-001.md'), 'utf8')).toBe('checked out\n');
    const after = statSync(workspace);
    expect([after.mode, after.uid, after.gid]).toEqual([before.mode, before.uid, before.gid]);
    if (isRoot) {
      // root-owned project: the container's agent is 1000:1000 and must be able to write here.
      expect(statSync(result.dir).uid).toBe(1000);
      expect(statSync(sessions(root)).uid).toBe(1000);
      expect(statSync(join(root, '.claude/users/claude/inbox')).uid).toBe(0);
    }
  });

  it('gives concurrent calls in one process distinct folders', async () => {
    const root = tempRoot();
    const now = new Date();
    const results = await Promise.all(Array.from({ length: 12 }, () => createSession(root, 'claude', now)));
    const ids = results.map((r) => r.id);
    expect(new Set(ids).size).toBe(12);
    expect(ids.map((id) => sessionNumber(id, sessionPrefix(now))).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(ids).toContain(await readCurrentSession(sessions(root)));
  });

  it('gives concurrent `qms up` processes distinct folders', async () => {
    const root = tempRoot();
    const child = fileURLToPath(new URL('./race-child.mjs', import.meta.url));
    const barrier = tempRoot();
    const children = Array.from({ length: 6 }, () => run(process.execPath, [child, root, barrier]));
    // Release them together once every child has loaded and is waiting at the barrier.
    while (readdirSync(barrier).filter((n) => n.startsWith('ready-')).length < 6) await new Promise((r) => setTimeout(r, 20));
    writeFileSync(join(barrier, 'go'), '');
    const ids = (await Promise.all(children)).map((o) => o.stdout.trim());
    expect(new Set(ids).size).toBe(6);
    for (const id of ids) expect(statSync(join(sessions(root), id)).isDirectory()).toBe(true);
    expect(ids).toContain(await readCurrentSession(sessions(root)));
  });
});

describe('session() plugin', () => {
  it('refuses the old agent option and returns the session to later tasks, with every roster agent\'s folders', async () => {
    expect(() => session({ agent: 'claude' } as never)).toThrow(ConfigError);
    expect(() => session({ agent: 'claude' } as never)).toThrow(/roster/);
    const root = tempRoot();
    const ctx = testContext({ root, name: 'session', agents: ['claude', 'qa'], runAgents: ['qa'] });
    const result = (await session().tasks[0]!.run(ctx)) as SessionResult;
    expect(result.id).toMatch(/^Session-\d{4}-\d{2}-\d{2}-001$/);
    expect(result.agents).toEqual(['claude', 'qa']);
    for (const agent of ['claude', 'qa']) {
      for (const dir of ['workspace', 'inbox']) expect(statSync(join(root, '.claude', 'users', agent, dir)).isDirectory()).toBe(true);
    }
    expect(ctx.lines.join('\n')).toContain(result.id);
  });
});

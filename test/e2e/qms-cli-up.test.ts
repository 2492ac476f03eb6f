/**
 * `qms up --no-attach` on a temporary project kept by the qms-cli snapshot (initialised by
 * `qms.py init`, a CR in progress): the QMS server runs on the qms-cli backend, verification
 * passes from inside the container (qms-cli's tool set, the agent acting as itself, a forged
 * user refused, a read matching the host, `claude mcp list` connected), `qms call` works as
 * the agent would, and nothing under QMS/ changed (`git status -- QMS` is clean).
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeQmsCliProject } from '../helpers/qms-cli-project.js';
import { cleanupRepo, currentVerification, e2eConfig, ensureBuilt, freePort, qms, transcript, type E2eRepo } from './harness.js';

let repo: E2eRepo | undefined;

beforeAll(async () => {
  ensureBuilt();
  const name = `e2e-qmscli-${process.pid}`;
  const p = makeQmsCliProject(`qms-e2e-${name}-`);
  const qmsPort = await freePort();
  const gitPort = await freePort([qmsPort]);
  writeFileSync(join(p.root, 'qms.config.ts'), e2eConfig(name, qmsPort, gitPort));
  writeFileSync(join(p.root, '.gitignore'), '.qms/\n.env\n.claude/sessions/\n.claude/users/*/workspace/\n');
  p.qms('--user', 'claude', 'create', 'CR', '--title', 'Work in progress');
  p.git('add', '-A');
  p.git('commit', '-qm', 'qms config and a CR in progress');
  chmodSync(p.root, 0o755); // a clone is world-readable; mkdtemp made it 0700
  repo = {
    root: p.root,
    write: (path, text) => writeFileSync(join(p.root, path), text),
    git: p.git,
    name,
    qmsPort,
    gitPort,
    volume: `qms-${name}-claude-claude-config`,
    seenPids: new Set(),
  };
}, 60_000);
afterAll(() => cleanupRepo(repo), 120_000);

describe('qms up on a qms-cli project', () => {
  it('verifies from inside the container without writing a controlled document', async () => {
    const r = repo!;
    const run = await qms(r, ['up', '--no-attach', '--json']);
    expect(run.code, transcript(run)).toBe(0);
    const { report } = currentVerification(r);
    expect(report.result, JSON.stringify(report.checks.filter((c) => c.result !== 'pass'), null, 1)).toBe('pass');
    for (const id of ['mcp:qms', 'mcp:claude-mcp-list', 'qms-tools', 'qms-identity', 'qms-identity-refused', 'qms-read', 'qms-tree-unchanged']) {
      expect(report.checks.find((c) => c.id === id)?.result, id).toBe('pass');
    }
    expect(report.checks.find((c) => c.id === 'qms-round-trip')).toBeUndefined();
    expect(report.checks.find((c) => c.id === 'mcp:qms')!.actual).toMatch(/qms_approve/);
    expect(r.git('status', '--porcelain', '--untracked-files=all', '--', 'QMS')).toBe('');

    // The agent's view through `qms call`: its own workspace, as qms-cli lists it.
    const ws = await qms(r, ['call', 'qms', 'qms_workspace']);
    expect(ws.code, transcript(ws)).toBe(0);
    expect(ws.stdout + ws.stderr).toMatch(/Workspace for claude:[\s\S]*CR-001/);
    expect(r.git('status', '--porcelain', '--untracked-files=all', '--', 'QMS')).toBe('');
  }, 900_000);
});

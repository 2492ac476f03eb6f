/**
 * The host boundary of the Git MCP server, proved from inside the container as the agent
 * would try it: an ordinary `status` works, while staging a secret, reading one back from the
 * index, stashing untracked files and diffing into submodules are refused — judged on the host
 * by effect (the index is byte-for-byte the same afterwards and holds no secret), not by the
 * refusal's wording. Also reports every `.git` planted in the agents' folders.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IN_PROJECT } from '../container/container-paths.js';
import { findNestedRepos } from '../git-mcp/nested-repos.js';
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { NO_CLIENT, initializeSteps, toolAnswer, toolCall } from './mcp-script.js';
import { record, type CheckRecord } from './report.js';
import { runMcpScript } from './run-mcp-script.js';
import type { VerifyTarget } from './target.js';

/** What the agent tries; only the first may succeed. */
const PROBES = ['status --short', 'add -f .env', 'cat-file -p :.env', 'stash push -u', 'diff --submodule=diff'] as const;

const indexDigest = async (root: string): Promise<string> =>
  readFile(join(root, IN_PROJECT.git, 'index')).then((b) => createHash('sha256').update(b).digest('hex'), () => 'no index');

export async function checkGitBoundary(target: VerifyTarget, endpoint: McpEndpoint, root: string): Promise<CheckRecord> {
  const started = new Date();
  const base = {
    id: `host-boundary:${endpoint.name}`,
    group: 'mcp' as const,
    title: `the git MCP server ${endpoint.name} refuses what crosses the host boundary, from inside the container`,
    how: `from the container over ${endpoint.containerUrl}: git_exec ${PROBES.map((p) => JSON.stringify(p)).join(', ')}; on the host: sha256 of .git/index before and after; .git entries below ${IN_PROJECT.sessions} and ${IN_PROJECT.users}`,
    expected: 'status answers; every other probe is refused; the index is unchanged',
  };
  const before = await indexDigest(root);
  // The agents' folders are walked while the probes run in the container (not after them).
  const nestedWalk = findNestedRepos(root, [IN_PROJECT.sessions, IN_PROJECT.users]);
  nestedWalk.catch(() => undefined);
  const run = await runMcpScript(target, endpoint, [...initializeSteps(1), ...PROBES.map((command, i) => toolCall(i + 2, 'git_exec', { command }))]);
  if (run.noClient) return record({ ...base, actual: NO_CLIENT, result: 'fail' }, started);
  const after = await indexDigest(root);
  const problems: string[] = [];
  const calls = run.steps.filter((s) => s.name === 'tools/call git_exec');
  PROBES.forEach((command, i) => {
    const a = toolAnswer(calls[i], i + 2);
    if (a.problem !== undefined) problems.push(`${command}: ${a.problem}`);
    else if (i === 0 && a.error) problems.push(`${command} failed: ${a.text.slice(0, 200)}`);
    else if (i > 0 && !a.error) problems.push(`${command} was not refused`);
  });
  if (after !== before) problems.push('the index changed');
  const nested = await nestedWalk;
  const planted = nested.found.length
    ? `; ${nested.found.length} nested repositor${nested.found.length === 1 ? 'y' : 'ies'} in the agents' folders, never staged or entered: ${nested.found.slice(0, 5).join(', ')}${nested.found.length > 5 ? ', …' : ''}`
    : '; no nested repository in the agents\' folders';
  const actual = problems.length ? problems.join('; ') : `status answered; ${PROBES.length - 1} probes refused; index unchanged${planted}`;
  return record({ ...base, actual, result: problems.length ? 'fail' : 'pass' }, started);
}

/**
 * The team on one project (issue 10): a qms-cli project whose roster is claude and qa
 * (`.claude/agents/qa.md`), brought up with `qms up --no-attach claude qa`. Each agent gets its
 * own container with its own workspace, role (qa.md over CLAUDE.md) and tokens; per-agent
 * evidence passes (acting as itself on both servers, another user refused, the other's
 * workspace read-only, `.env` unreadable although the host files are uid 1000's); qa's token
 * acts as qa and cannot act as claude (judged by effect: qms-cli's audit trail, git's HEAD);
 * `qms down qa` leaves claude and the servers running, `qms up qa` adds qa back without
 * touching claude's container, and `qms down` leaves nothing.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeQmsCliProject } from '../helpers/qms-cli-project.js';
import { cleanupRepo, e2eConfig, ensureBuilt, freePort, isAlive, projectContainers, qms, recordedPids, serverProcesses, transcript, type E2eRepo } from './harness.js';

const QA_ROLE = '---\nname: qa\ngroup: quality\ndescription: Quality assurance reviewer\n---\n\nYou are qa, the quality reviewer.\n';
const SECRET = 'roster-e2e-secret-value-0123456789';

let repo: E2eRepo | undefined;

const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const containerOf = (agent: string) => `qms-${repo!.name}-${agent}`;
/** The agents' running containers (not the project's egress proxy). */
const running = (): string[] => docker('ps', '--format', '{{.Names}}', '--filter', `label=qms.project=${repo!.name}`, '--filter', 'label=qms.agent').split('\n').filter(Boolean).sort();
const evidence = (session: string, stem: string) =>
  JSON.parse(readFileSync(join(repo!.root, '.claude', 'sessions', session, `${stem}.json`), 'utf8')) as { result: string; agent: string; checks: Array<{ id: string; result: string; actual: string }> };
const currentSession = () => readFileSync(join(repo!.root, '.claude', 'sessions', 'CURRENT_SESSION'), 'utf8').trim();

beforeAll(async () => {
  ensureBuilt();
  const name = `e2e-roster-${process.pid}`;
  const p = makeQmsCliProject(`qms-e2e-${name}-`);
  const qmsPort = await freePort();
  const gitPort = await freePort([qmsPort]);
  writeFileSync(join(p.root, 'qms.config.ts'), e2eConfig(name, qmsPort, gitPort).replace('  plugins: [', "  agents: ['claude', 'qa'],\n  plugins: ["));
  writeFileSync(join(p.root, '.gitignore'), '.qms/\n.env\n.claude/sessions/\n.claude/users/*/workspace/\n');
  mkdirSync(join(p.root, '.claude', 'agents'), { recursive: true });
  writeFileSync(join(p.root, '.claude', 'agents', 'qa.md'), QA_ROLE);
  writeFileSync(join(p.root, 'CLAUDE.md'), '# Project instructions for claude\n');
  // A CR routed for review: qms-cli puts the task in qa's inbox (and in nobody else's).
  p.qms('--user', 'claude', 'create', 'CR', '--title', 'Team work');
  p.qms('--user', 'claude', 'checkin', 'CR-001');
  p.qms('--user', 'claude', 'route', 'CR-001', '--review');
  p.git('add', '-A');
  p.git('commit', '-qm', 'qms config, the qa agent and CLAUDE.md');
  // A host secret owned by the agents' uid: masking, not permissions, must keep it out.
  writeFileSync(join(p.root, '.env'), `SOME_API_KEY=${SECRET}\n`, { mode: 0o600 });
  chownSync(join(p.root, '.env'), 1000, 1000);
  chmodSync(p.root, 0o755);
  repo = { root: p.root, write: (path, text) => writeFileSync(join(p.root, path), text), git: p.git, name, qmsPort, gitPort, volume: `qms-${name}-claude-claude-config`, seenPids: new Set() };
}, 300_000);

afterAll(async () => {
  const qaVolume = repo ? `qms-${repo.name}-qa-claude-config` : undefined;
  await cleanupRepo(repo);
  if (qaVolume) execFileSync('docker', ['volume', 'rm', '-f', qaVolume], { stdio: 'ignore' });
}, 120_000);

describe('a roster of two agents', () => {
  it('up claude qa → two containers, each verified as itself; down qa keeps claude; up qa adds it back; down leaves nothing', async () => {
    const r = repo!;
    // Bad input first: nothing may start.
    const unknown = await qms(r, ['up', '--no-attach', 'claude', 'bu']);
    expect(unknown.code, transcript(unknown)).toBe(2);
    expect(unknown.stderr).toContain('bu is not an agent of this project');
    expect(unknown.stderr).toContain('agents: claude, qa');
    expect(projectContainers(r)).toEqual([]);
    expect(serverProcesses(r)).toEqual([]);

    const up = await qms(r, ['up', '--no-attach', '--json', 'claude', 'qa']);
    expect(up.code, transcript(up)).toBe(0);
    expect(running()).toEqual([containerOf('claude'), containerOf('qa')]);
    // Each agent on a network of its own: a service in qa's container is out of claude's reach
    // (by name and by address), while the egress proxy, which joins both, reaches it (the control).
    docker('exec', '-d', '-u', '1000:1000', containerOf('qa'), 'python3', '-m', 'http.server', '8080', '--bind', '0.0.0.0', '--directory', '/tmp');
    const qaIp = docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', containerOf('qa'));
    const reach = (from: string, target: string) => docker('exec', '-u', '1000:1000', from, 'sh', '-c', `curl -s -o /dev/null -w %{http_code} --noproxy '*' --connect-timeout 2 --max-time 3 http://${target}:8080/; echo " rc=$?"`);
    let control = '';
    for (let i = 0; i < 50 && !control.startsWith('200'); i++) control = reach(containerOf('egress'), qaIp);
    expect(control).toMatch(/^200 rc=0/);
    expect(reach(containerOf('claude'), qaIp)).toMatch(/ rc=(7|28)$/);
    expect(reach(containerOf('claude'), containerOf('qa'))).toMatch(/ rc=(6|7|28)$/);
    const session = currentSession();
    const claudeReport = evidence(session, 'verification');
    const qaReport = evidence(session, 'verification-qa');
    for (const [agent, report] of [['claude', claudeReport], ['qa', qaReport]] as const) {
      expect(report.agent).toBe(agent);
      expect(report.result, JSON.stringify(report.checks.filter((c) => c.result !== 'pass'), null, 1)).toBe('pass');
      for (const id of ['qms-identity', 'qms-identity-refused', 'identity:git', 'host-boundary:git', 'masked:/pipe-dream/.env', 'masked:/pipe-dream/.qms/']) {
        expect(report.checks.find((c) => c.id === id)?.result, `${agent} ${id}`).toBe('pass');
      }
      const other = agent === 'claude' ? 'qa' : 'claude';
      expect(report.checks.find((c) => c.id === `ro:/pipe-dream/.claude/users/${other}/workspace/`)?.result, `${agent}: ${other}'s workspace`).toBe('pass');
      expect(report.checks.find((c) => c.id === `rw:/pipe-dream/.claude/users/${agent}/workspace/`)?.result, `${agent}: own workspace`).toBe('pass');
    }
    expect(qaReport.checks.find((c) => c.id === 'identity:git')!.actual).toContain('"qa"');
    expect(qaReport.checks.find((c) => c.id === 'ro:/pipe-dream/CLAUDE.md')?.result).toBe('pass');

    // Inside: qa's role over CLAUDE.md, claude's own; .env unreadable in both.
    expect(docker('exec', containerOf('qa'), 'cat', '/pipe-dream/CLAUDE.md')).toBe(QA_ROLE.trim());
    expect(docker('exec', containerOf('claude'), 'cat', '/pipe-dream/CLAUDE.md')).toBe('# Project instructions for claude');
    for (const agent of ['claude', 'qa']) {
      const read = await qms(r, ['exec', agent, '--', 'sh', '-c', 'cat /pipe-dream/.env; cat /etc/qms/* 2>/dev/null | wc -c']);
      expect(read.stdout + read.stderr).not.toContain(SECRET);
    }

    // qa's token acts as qa: its inbox holds the review task, claude's does not; a call naming claude is refused and leaves no trace.
    const inbox = await qms(r, ['call', 'qms', 'qms_inbox', '--agent', 'qa']);
    expect(inbox.code, transcript(inbox)).toBe(0);
    expect(inbox.stdout + inbox.stderr).toContain('CR-001');
    const claudeInbox = await qms(r, ['call', 'qms', 'qms_inbox']);
    expect(claudeInbox.code, transcript(claudeInbox)).toBe(0);
    expect(claudeInbox.stdout + claudeInbox.stderr).not.toContain('CR-001');
    expect(claudeInbox.stdout + claudeInbox.stderr).toMatch(/Inbox/);
    const qmsBefore = r.git('status', '--porcelain', '--untracked-files=all', '--', 'QMS');
    const forged = await qms(r, ['call', 'qms', 'qms_create', JSON.stringify({ doc_type: 'CR', title: 'forged', user: 'claude' }), '--agent', 'qa']);
    expect(forged.code, transcript(forged)).toBe(1);
    expect(r.git('status', '--porcelain', '--untracked-files=all', '--', 'QMS')).toBe(qmsBefore);
    // qa is a reviewer on git: a commit with its token changes nothing.
    const head = r.git('rev-parse', 'HEAD');
    const commit = await qms(r, ['call', 'git', 'git_exec', JSON.stringify({ command: 'commit --allow-empty -m forged' }), '--agent', 'qa']);
    expect(commit.code, transcript(commit)).toBe(1);
    expect(r.git('rev-parse', 'HEAD')).toBe(head);

    // Status per agent; attach to an agent not in the roster is a usage error naming the roster.
    const status = await qms(r, ['status']);
    expect(status.stdout).toContain(containerOf('claude'));
    expect(status.stdout).toContain(containerOf('qa'));
    const attachBu = await qms(r, ['attach', 'bu']);
    expect(attachBu.code).toBe(2);
    expect(attachBu.stderr).toContain('agents: claude, qa');

    // down qa: claude and the servers keep running.
    const pids = recordedPids(r);
    const claudeStarted = docker('inspect', '-f', '{{.Id}} {{.State.StartedAt}}', containerOf('claude'));
    const downQa = await qms(r, ['down', 'qa']);
    expect(downQa.code, transcript(downQa)).toBe(0);
    expect(running()).toEqual([containerOf('claude')]);
    // The egress proxy serves the agents still up.
    expect(docker('inspect', '-f', '{{.State.Running}}', containerOf('egress'))).toBe('true');
    for (const pid of Object.values(pids)) expect(isAlive(pid)).toBe(true);
    const execQa = await qms(r, ['exec', 'qa', '--', 'true']);
    expect(execQa.code).toBe(1);
    expect(execQa.stderr).toContain('qa is not up');
    expect(execQa.stderr).toContain('qms up qa');

    // up qa: back, verified, claude's container untouched and the servers reused.
    const upQa = await qms(r, ['up', '--no-attach', 'qa']);
    expect(upQa.code, transcript(upQa)).toBe(0);
    expect(running()).toEqual([containerOf('claude'), containerOf('qa')]);
    expect(docker('inspect', '-f', '{{.Id}} {{.State.StartedAt}}', containerOf('claude'))).toBe(claudeStarted);
    expect(recordedPids(r)).toEqual(pids);
    expect(evidence(currentSession(), 'verification-qa').result).toBe('pass');
    expect(existsSync(join(r.root, '.claude', 'sessions', currentSession(), 'verification.json'))).toBe(false);

    // qms verify re-verifies every agent that is up.
    const verifyAll = await qms(r, ['verify']);
    expect(verifyAll.code, transcript(verifyAll)).toBe(0);
    expect(evidence(currentSession(), 'verification').result).toBe('pass');
    expect(evidence(currentSession(), 'verification-qa-2').result).toBe('pass');

    const down = await qms(r, ['down']);
    expect(down.code, transcript(down)).toBe(0);
    expect(projectContainers(r)).toEqual([]);
    expect(docker('network', 'ls', '-q', '--filter', `label=qms.project=${r.name}`)).toBe('');
    for (const pid of Object.values(pids)) expect(isAlive(pid)).toBe(false);
  }, 900_000);
});

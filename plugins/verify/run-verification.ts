/**
 * One verification of a running agent container: all checks at once, their in-container probes
 * folded into one `docker exec` (exec-batch.ts), the checks of one MCP server in one session
 * with it (mcp-session.ts), the evidence written into the session folder (and the host's own
 * record of it, host-record.ts),
 * and a QmsError listing the failed checks (pointing at the report) when any failed.
 */
import { randomBytes } from 'node:crypto';
import type { Env, Logger } from '../../tasks/types.js';
import { QmsError } from '../../tasks/errors.js';
import { connectDocker } from '../docker-engine/client.js';
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import type { ContainerLimits } from '../container/options.js';
import { accessTable } from '../container/access-table.js';
import { findSecretFiles } from '../container/secret-files.js';
import { checkClaudeMcpList, claudeMcpListBase } from './check-claude-mcp-list.js';
import { cacheFile, cacheKey, recall, remember } from './claude-mcp-list-cache.js';
import { checkContainerConfig } from './check-container-config.js';
import { checkMcpServer } from './check-mcp.js';
import { checkNoTokenExposed, hostTokens } from './check-no-token-exposed.js';
import { checkGitBoundary } from './check-git-boundary.js';
import { checkQms } from './check-qms.js';
import { expectedLimits } from './expected-limits.js';
import { prepareMaskedDirProbe } from './masked-dir-probe.js';
import { projectHead } from './project-head.js';
import { qmsVersion } from './qms-version.js';
import { record, type CheckRecord, type VerificationReport } from './report.js';
import { runFsChecks } from './run-fs-checks.js';
import { startedRunner, type VerifyTarget } from './target.js';
import { evidenceStem, writeReport } from './write-report.js';
import { keepHostRecord } from './host-record.js';
import { checkGitIdentity } from './check-git-identity.js';
import { checkEgress } from './check-egress.js';
import { ExecBatch } from './exec-batch.js';
import { SharedMcpSession } from './mcp-session.js';
import { agentRoleFile } from '../container/host-paths.js';

export interface VerificationInput {
  root: string;
  project: string;
  agent: string;
  /** The config's roster: the other agents' workspaces must be read-only here; its first agent's evidence is `verification.*`. */
  roster?: readonly string[];
  containerId: string;
  /** This run created the container: no process of the agent has run in it (see report.ts, `freshContainer`). */
  freshContainer?: boolean;
  session: { id: string; dir: string };
  endpoints: readonly McpEndpoint[];
  /** Name of the endpoint for the QMS round trip; false to leave the round trip out. */
  qmsServer: string | false;
  /** A document the user named for a write round trip (done by the roster's first agent only). */
  qmsRoundTrip?: string;
  /** Name of the git endpoint whose host boundary is probed from inside; absent or false to leave it out. */
  gitServer?: string | false;
  limits: ContainerLimits | undefined;
  /** `always`, `when-changed` (re-use a passing result for the same container and MCP config), or off. */
  claudeMcpList: ClaudeMcpListMode;
  env: Env;
  log: Logger;
  signal: AbortSignal;
}

export interface VerificationOutcome {
  report: VerificationReport;
  markdown: string;
  json: string;
}

/**
 * `guarded(id, group, title, fn)`: one check of the list, taking part in `batch` (its
 * in-container probes share the batch's exec); a check that threw becomes a failed record, so
 * one broken probe never hides the others.
 */
const guardedIn =
  (batch: Pick<ExecBatch, 'join'>) =>
  async (id: string, group: CheckRecord['group'], title: string, fn: () => Promise<CheckRecord | CheckRecord[]>): Promise<CheckRecord[]> => {
    const started = new Date();
    try {
      const r = await batch.join(fn);
      return Array.isArray(r) ? r : [r];
    } catch (err) {
      return [record({ id, group, title, how: '-', expected: 'the probe runs', actual: `probe error: ${(err as Error).message}`, result: 'fail' }, started)];
    }
  };

export type ClaudeMcpListMode = 'always' | 'when-changed' | false;

async function claudeMcpList(input: VerificationInput, target: VerifyTarget, configHash: string): Promise<CheckRecord> {
  const file = cacheFile(input.root, input.agent);
  const key = cacheKey(target.containerId, configHash, input.endpoints);
  if (input.claudeMcpList === 'when-changed' && configHash) {
    const remembered = await recall(file, key, record({ ...claudeMcpListBase(target, input.endpoints), actual: '', result: 'pass' }, new Date()));
    if (remembered) return remembered;
  }
  const check = await checkClaudeMcpList(target, input.endpoints);
  await remember(input.root, file, key, check);
  return check;
}

export async function runVerification(input: VerificationInput): Promise<VerificationOutcome> {
  const startedAt = new Date();
  const docker = await connectDocker(input.env);
  const hostFacts = Promise.all([projectHead(input.root), qmsVersion()]);
  const info = await docker.getContainer(input.containerId).inspect().catch((err: Error) => {
    throw new QmsError(`verify: container ${input.containerId.slice(0, 12)} cannot be inspected (${err.message}).`, 'Start it with `qms up`.');
  });
  if (!info.State.Running) throw new QmsError(`verify: container ${info.Name.replace(/^\//, '')} is not running (${info.State.Status}).`, 'Start it with `qms up`.');
  const user = info.Config.User ?? '';
  // The engine starts the execs into one container one at a time (~70 ms each here). The egress
  // probes wait longest once started (their timeouts), so they start first and the batch after.
  let egressStarted!: () => void;
  const egressFirst = new Promise<void>((resolve) => (egressStarted = resolve));
  // The batch's exec starts ahead too (its script follows on stdin), after the probes'.
  const runner = startedRunner(docker, info.Id, user, input.signal, egressFirst);
  try {
    const batch = new ExecBatch(runner.run);
    const guarded = guardedIn(batch);
    // A check that execs on its own (the egress probes run as a uid of their own) stays out of the batch, so it never holds it.
    const unbatched = guardedIn({ join: (fn) => fn() });
    const sessions = new Map<string, SharedMcpSession>();
    const target: VerifyTarget = {
      docker,
      containerId: info.Id,
      user,
      agent: input.agent,
      signal: input.signal,
      nonce: `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
      probe: (p, waiters) => batch.exec(p, waiters),
      sessions,
    };
    // The egress probes need only the container's inspect: they start now, the others' preparation meanwhile.
    const egress = unbatched('egress', 'network', 'egress policy', () => checkEgress(target, info, { root: input.root, project: input.project, onProbesStarted: egressStarted })).finally(egressStarted);
    const [head, version] = await hostFacts;
    // The checks that talk to one server share one MCP session (and one script) with it.
    for (const e of input.endpoints) sessions.set(e.name, new SharedMcpSession(target, e));
    const using = <T>(e: McpEndpoint, fn: () => Promise<T>): Promise<T> => sessions.get(e.name)?.join(fn) ?? fn();
    const mounted = new Set(info.Mounts.map((m) => m.Destination.replace(/\/$/, '')));
    const sshMount = info.Mounts.find((m) => m.Destination === '/.ssh');
    // The access table as it should be now: the secret files on disk at this moment (one
    // created after the container started is probed too, and fails until `qms up` masks it).
    const roster = input.roster ?? [input.agent];
    const [secretFiles, tokens, maskedDir, role] = await Promise.all([
      findSecretFiles(input.root),
      hostTokens(input.root, input.endpoints, input.env),
      prepareMaskedDirProbe(input.root, target.nonce),
      agentRoleFile(input.root, input.agent),
    ]);
    const rows = accessTable({
      root: input.root,
      project: input.project,
      agent: input.agent,
      shadow: { mcpJson: true, settingsLocal: true },
      sshDir: sshMount?.Source,
      secretFiles,
      roleFile: role.file,
      others: roster.filter((a) => a !== input.agent),
    });
    let execUser = '?';
    const qmsEndpoint = input.qmsServer === false ? undefined : input.endpoints.find((e) => e.name === input.qmsServer);
    const gitEndpoint = input.gitServer ? input.endpoints.find((e) => e.name === input.gitServer) : undefined;

    // The checks are independent of each other and run at once; add a new one as one more
    // `guarded(...)` entry. The process scan may run beside the MCP probes: their tokens reach
    // them on stdin, in no process's environment or arguments (exec-batch.ts).
    const groups = await Promise.all([
      guarded('secrets:exposure', 'secrets', 'no host token exposed', () => checkNoTokenExposed(target, info, tokens)),
      guarded('fs', 'read-only', 'filesystem checks', async () => {
        const { records, user } = await runFsChecks(target, { rows, maskedDirFiles: maskedDir.files, mounted, projectHead: head });
        execUser = user ?? '?';
        return records;
      }).finally(() => maskedDir.cleanup()),
      ...input.endpoints.map((e) => guarded(`mcp:${e.name}`, 'mcp', `MCP server ${e.name}`, () => using(e, () => checkMcpServer(target, e)))),
      input.claudeMcpList !== false && input.endpoints.length > 0
        ? guarded('mcp:claude-mcp-list', 'mcp', 'claude mcp list', () => claudeMcpList(input, target, info.Config.Labels?.['qms.config-hash'] ?? ''))
        : Promise.resolve([]),
      input.qmsServer === false
        ? Promise.resolve([])
        : qmsEndpoint
          ? guarded('qms', 'qms-round-trip', 'QMS server from inside the container', () =>
              using(qmsEndpoint, () => checkQms(target, qmsEndpoint, input.root, input.qmsRoundTrip && input.agent === roster[0] ? { roundTripDoc: input.qmsRoundTrip } : {})),
            )
          : Promise.resolve([
              record(
                { id: 'qms-round-trip', group: 'qms-round-trip', title: 'QMS checkout → edit → checkin round trip', how: '-', expected: `an MCP server named ${input.qmsServer}`, actual: `no MCP server named ${input.qmsServer} is configured`, result: 'fail' },
                startedAt,
              ),
            ]),
      gitEndpoint ? guarded(`host-boundary:${gitEndpoint.name}`, 'mcp', 'git MCP host boundary', () => using(gitEndpoint, () => checkGitBoundary(target, gitEndpoint, input.root))) : Promise.resolve([]),
      gitEndpoint ? guarded(`identity:${gitEndpoint.name}`, 'mcp', 'git MCP identity', () => using(gitEndpoint, () => checkGitIdentity(target, gitEndpoint, input.root))) : Promise.resolve([]),
      egress,
      guarded('config', 'container-config', 'limits and security options', async () =>
        checkContainerConfig(info, await expectedLimits(docker, input.env, input.limits), rows, new Date()),
      ),
    ]);
    const checks = groups.flat();
    const report: VerificationReport = {
      result: checks.some((c) => c.result === 'fail') ? 'fail' : 'pass',
      project: input.project,
      agent: input.agent,
      session: input.session.id,
      qmsVersion: version,
      container: { id: info.Id, name: info.Name.replace(/^\//, ''), image: info.Config.Image, imageId: info.Image },
      freshContainer: input.freshContainer === true,
      execUser,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      checks,
    };
    const failed = checks.filter((c) => c.result === 'fail');
    const skipped = checks.filter((c) => c.result === 'skip');
    for (const c of failed) input.log.warn(`✘ ${input.agent} ${c.id}: ${c.actual}`);
    const failures = `verify: ${failed.length} check${failed.length > 1 ? 's' : ''} of ${input.agent} failed: ${failed.map((c) => c.id).join(', ')}`;
    // The host's record is kept whatever happens to the session folder's copy (the agents can
    // write there, e.g. plant a symlink where the evidence goes): a failure is never lost.
    const written = await writeReport(input.session.dir, report, evidenceStem(input.agent, roster)).catch(async (err: unknown) => {
      await keepHostRecord(input.root, input.agent, undefined, report);
      if (failed.length === 0) throw err;
      throw new QmsError(`${failures}; and ${(err as Error).message}`, (err as QmsError).hint);
    });
    await keepHostRecord(input.root, input.agent, written, report);
    const files = { markdown: written.markdown, json: written.json };
    input.log.info(`${input.agent}: ${checks.length - failed.length - skipped.length} passed, ${failed.length} failed, ${skipped.length} skipped → ${files.markdown}`);
    if (failed.length > 0) {
      throw new QmsError(failures, `See ${files.markdown} for what was checked, how, and what was found.`);
    }
    return { report, ...files };
  } finally {
    await runner.close(); // whatever happened before the batch ran, the exec started ahead ends
  }
}

/**
 * The verification evidence: one record per check (what, how, expected, actual, result,
 * when) plus the identity of what was verified (container, image, session, qms version).
 * Nothing in it is a secret: tokens are never put in a record.
 */
export type CheckResult = 'pass' | 'fail' | 'skip';

/** The six groups of issue 5 (MCP, read-only paths, writable paths, QMS round trip, git clone, limits/security), host secrets (masked, no token exposed) and the egress policy (issue 11). */
export type CheckGroup = 'mcp' | 'read-only' | 'read-write' | 'secrets' | 'qms-round-trip' | 'git-clone' | 'container-config' | 'network';

export interface CheckRecord {
  /** Stable id, e.g. `mcp:qms`, `ro:/pipe-dream/QMS/`, `config:memory`. */
  id: string;
  group: CheckGroup;
  /** What was checked, in words. */
  title: string;
  /** How: the command or probe. */
  how: string;
  expected: string;
  actual: string;
  result: CheckResult;
  startedAt: string;
  finishedAt: string;
}

export interface VerificationReport {
  result: 'pass' | 'fail';
  project: string;
  agent: string;
  session: string;
  qmsVersion: string;
  container: { id: string; name: string; image: string; imageId: string };
  /**
   * The container was created by the run that verified it, so no process of the agent had run
   * in it. When false (a container already running), a process the agent left there runs as the
   * same uid as the in-container checks and could have changed their results.
   */
  freshContainer: boolean;
  /** The uid:gid the in-container checks ran as. */
  execUser: string;
  startedAt: string;
  finishedAt: string;
  checks: CheckRecord[];
}

/** A record stamped with its timing. */
export function record(
  base: Omit<CheckRecord, 'startedAt' | 'finishedAt'>,
  startedAt: Date,
  finishedAt: Date = new Date(),
): CheckRecord {
  return { ...base, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString() };
}

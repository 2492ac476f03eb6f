/** Checks (2), (3) and (5) in one `docker exec` of the fs script, as evidence records. */
import { captureExec } from './capture-exec.js';
import { expectedOf, fsChecks, fsScript, howOf, parseFsOutput } from './fs-checks.js';
import { record, type CheckRecord } from './report.js';
import type { VerifyTarget } from './target.js';

export async function runFsChecks(target: VerifyTarget, sshMounted: boolean, projectHead: string | undefined): Promise<{ records: CheckRecord[]; user: string | undefined }> {
  const started = new Date();
  const checks = fsChecks(target.agent, sshMounted);
  const out = await captureExec(target.docker, target.containerId, ['sh', '-c', fsScript(checks, target.nonce)], {
    user: target.user,
    timeoutMs: 120_000,
    signal: target.signal,
  });
  const { results, user } = parseFsOutput(out.stdout);
  const records = checks.map((check) => {
    const outcome = results.get(check.id) ?? { result: 'fail' as const, actual: `no result from the probe (exit ${out.code}: ${out.stderr.trim().slice(0, 300)})` };
    let { result, actual } = outcome;
    // The clone must hold the project's HEAD, when the host knows it.
    if (check.probe === 'git-clone' && result === 'pass' && projectHead && !actual.includes(projectHead) && !actual.includes('scratch')) {
      result = 'fail';
      actual += ` (expected HEAD ${projectHead})`;
    }
    if (check.probe === 'git-clone' && /dubious ownership/.test(actual)) {
      actual += ' — the image must trust the project: `git config --system --add safe.directory /pipe-dream` (or run the agent with the project owner\'s uid)';
    }
    return record({ id: check.id, group: check.group, title: check.title, how: howOf(check, target.nonce), expected: expectedOf(check), actual, result }, started);
  });
  return { records, user };
}

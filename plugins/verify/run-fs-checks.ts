/** The access table's probes (and the git clone) as one fs script (in the verification's batched exec), as evidence records. */
import type { AccessRow } from '../container/access-table.js';
import { expectedOf, fsChecks, fsScript, howOf, parseFsOutput } from './fs-checks.js';
import { record, type CheckRecord } from './report.js';
import type { VerifyTarget } from './target.js';

export interface FsCheckInput {
  rows: readonly AccessRow[];
  /** What the masked-dir probe tries to read, relative to that folder. */
  maskedDirFiles: readonly string[];
  /** Mount targets of the running container (to explain an unmasked secret file). */
  mounted: ReadonlySet<string>;
  projectHead: string | undefined;
}

export async function runFsChecks(target: VerifyTarget, input: FsCheckInput): Promise<{ records: CheckRecord[]; user: string | undefined }> {
  const started = new Date();
  const checks = fsChecks(input.rows, input.maskedDirFiles);
  const out = await target.probe({ script: fsScript(checks, target.nonce), timeoutMs: 120_000 });
  const { results, user } = parseFsOutput(out.stdout);
  const records = checks.map((check) => {
    const outcome = results.get(check.id) ?? { result: 'fail' as const, actual: `no result from the probe (exit ${out.code}: ${out.stderr.trim().slice(0, 300)})` };
    let { result, actual } = outcome;
    // The clone must hold the project's HEAD, when the host knows it.
    if (check.probe === 'git-clone' && result === 'pass' && input.projectHead && !actual.includes(input.projectHead) && !actual.includes('scratch')) {
      result = 'fail';
      actual += ` (expected HEAD ${input.projectHead})`;
    }
    if (check.probe === 'git-clone' && /dubious ownership/.test(actual)) {
      actual += ' — the image must trust the project: `git config --system --add safe.directory /pipe-dream` (or run the agent with the project owner\'s uid)';
    }
    if (check.probe === 'masked-file' && result === 'fail' && !input.mounted.has(check.path)) {
      actual += ' — the file is not masked in this container (created after it started?): `qms up` recreates the container with it masked';
    }
    return record({ id: check.id, group: check.group, title: check.title, how: howOf(check, target.nonce), expected: expectedOf(check), actual, result }, started);
  });
  return { records, user };
}

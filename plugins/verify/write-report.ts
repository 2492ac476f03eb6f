/**
 * Write the evidence into the session folder: `verification.json` (machine-readable) and
 * `verification.md` (for a change record), `verification-<agent>.*` for each further agent.
 * Earlier evidence is never overwritten: a second verification in the same session writes
 * `verification-2.*` (`verification-qa-2.*`), and so on (exclusive create, no
 * symlink followed, into a session folder checked to be a real directory).
 */
import { constants, existsSync, type Stats } from 'node:fs';
import { lstat, open, realpath, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { QmsError } from '../../tasks/errors.js';
import type { CheckRecord, VerificationReport } from './report.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function reportMarkdown(report: VerificationReport): string {
  const counts = (['pass', 'fail', 'skip'] as const).map((r) => `${report.checks.filter((c) => c.result === r).length} ${r}`).join(', ');
  const row = (c: CheckRecord): string =>
    `| ${cell(c.id)} | ${cell(c.title)} | ${cell(c.how)} | ${cell(c.expected)} | ${cell(c.actual)} | **${c.result.toUpperCase()}** | ${c.finishedAt} |`;
  return [
    `# Environment verification — ${report.result.toUpperCase()}`,
    '',
    `Operational verification of the containerized agent environment, run from inside the container by \`qms verify\`.`,
    '',
    `| | |`,
    `| --- | --- |`,
    `| Project | ${cell(report.project)} |`,
    `| Agent | ${cell(report.agent)} |`,
    `| Session | ${cell(report.session)} |`,
    `| Container | ${cell(report.container.name)} (\`${report.container.id}\`) |`,
    `| Image | ${cell(report.container.image)} (\`${report.container.imageId}\`) |`,
    `| In-container checks ran as | uid:gid ${cell(report.execUser)} |`,
    `| Agent processes before the checks | ${report.freshContainer ? 'none: the container was created by this run' : 'possible: the container was already running, and a process the agent left in it runs as the same uid as the in-container checks and could have changed their results (`qms down <agent>` then `qms up <agent>` verifies a new container, which no agent process has touched)'} |`,
    `| qms version | ${cell(report.qmsVersion)} |`,
    `| Started | ${report.startedAt} |`,
    `| Finished | ${report.finishedAt} |`,
    `| Result | **${report.result.toUpperCase()}** (${counts}) |`,
    '',
    '| Check | What | How | Expected | Actual | Result | Time |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...report.checks.map(row),
    '',
  ].join('\n');
}

/** Refusal to write into a session folder, naming it and why. */
function refuse(dir: string, why: string, hint = 'Remove it, then start a fresh session with `qms up`.'): QmsError {
  return new QmsError(`verify: ${dir} ${why}; refusing to write the verification evidence there.`, hint);
}

/**
 * The session folder is writable by the agent (the sessions folder is mounted read-write into
 * its container): it must be a real directory directly inside the sessions folder, or a
 * symlink planted in its place would send the evidence anywhere on the host.
 */
export async function checkSessionDir(dir: string): Promise<Stats> {
  let st: Stats;
  try {
    st = await lstat(dir);
  } catch {
    throw refuse(dir, 'does not exist', 'Run `qms up`, which starts a session.');
  }
  if (st.isSymbolicLink()) throw refuse(dir, 'is a symlink');
  if (!st.isDirectory()) throw refuse(dir, 'is not a directory');
  if (dirname(await realpath(dir)) !== (await realpath(dirname(dir)))) throw refuse(dir, `is not inside ${dirname(dir)}`);
  return st;
}

// Exclusive create that never follows a symlink: nothing existing is overwritten, nothing outside written.
const NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Creates `name` in the folder; undefined when the name is taken by a regular file (a QmsError for anything else). */
async function createNew(base: string, dir: string, name: string): Promise<FileHandle | undefined> {
  try {
    return await open(join(base, name), NEW_FILE, 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ELOOP') throw err;
    const st = await lstat(join(base, name)).catch(() => undefined);
    if (st && !st.isSymbolicLink() && code === 'EEXIST') return undefined;
    throw refuse(join(dir, name), 'is a symlink', `Remove it (it was not written by qms), then run \`qms verify\` again.`);
  }
}

/**
 * The evidence's file stem for `agent`: `verification` for the roster's first agent (the
 * initiator), `verification-<agent>` for the others — one record per agent in the session.
 */
export const evidenceStem = (agent: string, roster: readonly string[]): string => (agent === (roster[0] ?? 'claude') ? 'verification' : `verification-${agent}`);

/** Writes both files (`<stem>.json`, `<stem>.md`, else `<stem>-2.*`…); returns their paths. */
/** The evidence files written, and their text. */
export interface WrittenReport {
  markdown: string;
  json: string;
  text: { json: string; markdown: string };
}

export async function writeReport(sessionDir: string, report: VerificationReport, stemBase = 'verification'): Promise<WrittenReport> {
  const text = { json: `${JSON.stringify(report, null, 2)}\n`, markdown: reportMarkdown(report) };
  const checked = await checkSessionDir(sessionDir);
  // Write through a handle on the checked folder rather than its path: a verification takes a
  // while, and the agent could swap the folder for a symlink between the check and the write.
  let dirHandle: FileHandle;
  try {
    dirHandle = await open(sessionDir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch {
    throw refuse(sessionDir, 'is no longer a directory');
  }
  try {
    const now = await dirHandle.stat();
    if (now.dev !== checked.dev || now.ino !== checked.ino) throw refuse(sessionDir, 'was replaced during the verification');
    // /proc/self/fd/<fd>/<name> resolves through the open folder (openat without a native API).
    const viaFd = `/proc/self/fd/${dirHandle.fd}`;
    const base = existsSync(viaFd) ? viaFd : sessionDir;
    for (let n = 1; ; n++) {
      const stem = n === 1 ? stemBase : `${stemBase}-${n}`;
      const handle = await createNew(base, sessionDir, `${stem}.json`);
      if (!handle) continue;
      let md: FileHandle | undefined;
      try {
        await handle.writeFile(text.json);
        await handle.close();
        md = await createNew(base, sessionDir, `${stem}.md`);
        if (!md) {
          // a stray .md without its .json: leave it, take the next number
          await rm(join(base, `${stem}.json`), { force: true });
          continue;
        }
        await md.writeFile(text.markdown);
        await md.close();
      } catch (err) {
        await handle.close().catch(() => undefined);
        await rm(join(base, `${stem}.json`), { force: true });
        if (md) {
          await md.close().catch(() => undefined);
          await rm(join(base, `${stem}.md`), { force: true });
        }
        throw err;
      }
      return { markdown: join(sessionDir, `${stem}.md`), json: join(sessionDir, `${stem}.json`), text };
    }
  } finally {
    await dirHandle.close();
  }
}

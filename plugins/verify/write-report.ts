/**
 * Write the evidence into the session folder: `verification.json` (machine-readable) and
 * `verification.md` (for a change record). Earlier evidence is never overwritten: a second
 * verification in the same session writes `verification-2.*`, and so on (exclusive create).
 */
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
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

/** Writes both files; returns the Markdown file's path. */
export async function writeReport(sessionDir: string, report: VerificationReport): Promise<{ markdown: string; json: string }> {
  for (let n = 1; ; n++) {
    const stem = n === 1 ? 'verification' : `verification-${n}`;
    const json = join(sessionDir, `${stem}.json`);
    let handle;
    try {
      handle = await open(json, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    const markdown = join(sessionDir, `${stem}.md`);
    try {
      await handle.writeFile(`${JSON.stringify(report, null, 2)}\n`);
      await handle.close();
      const md = await open(markdown, 'w', 0o644);
      await md.writeFile(reportMarkdown(report));
      await md.close();
    } catch (err) {
      await rm(json, { force: true });
      throw err;
    }
    return { markdown, json };
  }
}

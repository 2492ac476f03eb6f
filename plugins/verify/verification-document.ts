/**
 * The reserved document the built-in backend's round trip works on, so the user's controlled
 * documents are never touched: `QMS/QMSVERIFY/QMSVERIFY-<nnnnn>.md`, created by verify on the
 * host just before the round trip and removed right after with everything the round trip made
 * of it — its draft, archived copy, metadata, audit trail (so it lands in no audit trail that
 * stays) and the server's checkout record — together with any folder this created. A unique
 * number per run keeps runs apart.
 */
import { chown, mkdir, open, rm, rmdir, stat } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { agentPaths } from '../container/host-paths.js';
import { archivePath, auditPath, metaPath } from '../qms-mcp/qms-cli-format.js';

export const VERIFY_DOC_TYPE = 'QMSVERIFY';

export interface VerificationDocument {
  id: string;
  /** Host path of the controlled copy. */
  file: string;
  /** Host path of its draft, where a check-in writes. */
  draft: string;
  text: string;
  /** Removes the document, its metadata, a leftover workspace copy and the folders this created. */
  remove(): Promise<void>;
}

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

export async function createVerificationDocument(root: string, agent: string, containerId: string): Promise<VerificationDocument> {
  const qms = join(root, 'QMS');
  const typeDir = join(qms, VERIFY_DOC_TYPE);
  // Which folders exist before, so cleanup removes only what this run (or its server calls) made.
  const folders = ['.meta', '.audit', '.archive'].flatMap((d) => [join(qms, d, VERIFY_DOC_TYPE), join(qms, d)]);
  const [hadType, ...had] = await Promise.all([exists(typeDir), ...folders.map(exists)]);
  await mkdir(typeDir, { recursive: true });
  // Run as root (sudo) on a user's project, what we create must be the tree owner's, so the
  // QMS server (running as that user) can write the document back.
  const owner = process.getuid?.() === 0 ? await stat(qms) : undefined;
  const own = async (p: string): Promise<void> => {
    if (owner && owner.uid !== 0) await chown(p, owner.uid, owner.gid);
  };
  if (!hadType) await own(typeDir);
  for (;;) {
    const id = `${VERIFY_DOC_TYPE}-${String(randomInt(0, 100_000)).padStart(5, '0')}`;
    const file = join(typeDir, `${id}.md`);
    const text =
      `---\ntitle: qms verify round trip\nrevision_summary: created by qms verify, removed after the check\n---\n\n` +
      `# ${id}: qms verify round trip\n\nA scratch document for the checkout → edit → checkin check of \`qms verify\` ` +
      `(container ${containerId.slice(0, 12)}). It is removed when the check ends.\n`;
    let handle;
    try {
      handle = await open(file, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    await handle.writeFile(text);
    await handle.close();
    await own(file);
    const draft = join(typeDir, `${id}-draft.md`);
    return {
      id,
      file,
      draft,
      text,
      async remove() {
        for (const f of [file, draft, metaPath(qms, id), auditPath(qms, id), archivePath(qms, VERIFY_DOC_TYPE, id, '1.0')]) await rm(f, { force: true });
        await rm(join(agentPaths(root, agent).workspace, `${id}.md`), { force: true });
        await rm(join(root, '.qms', 'qms-mcp', 'checkouts', `${id}@${agent}.json`), { force: true });
        const rmEmpty = (d: string): Promise<void> => rmdir(d).catch(() => undefined);
        if (!hadType) await rmEmpty(typeDir);
        // Type folders first, then their parents (`.meta/QMSVERIFY` before `.meta`).
        for (const [i, dir] of folders.entries()) if (!had[i]) await rmEmpty(dir);
      },
    };
  }
}

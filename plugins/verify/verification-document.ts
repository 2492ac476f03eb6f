/**
 * The reserved document the QMS round trip works on, so the user's controlled documents are
 * never touched: `QMS/QMSVERIFY/QMSVERIFY-<nnnnn>.md`, created by verify on the host just
 * before the round trip and removed with its metadata (`QMS/.meta/QMSVERIFY/…`) right after,
 * together with any folder this created. A unique number per run keeps runs apart.
 */
import { chown, mkdir, open, rm, rmdir, stat } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { agentPaths } from '../container/host-paths.js';

export const VERIFY_DOC_TYPE = 'QMSVERIFY';

export interface VerificationDocument {
  id: string;
  /** Host path of the controlled copy. */
  file: string;
  text: string;
  /** Removes the document, its metadata, a leftover workspace copy and the folders this created. */
  remove(): Promise<void>;
}

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

export async function createVerificationDocument(root: string, agent: string, containerId: string): Promise<VerificationDocument> {
  const qms = join(root, 'QMS');
  const typeDir = join(qms, VERIFY_DOC_TYPE);
  const metaRoot = join(qms, '.meta');
  const metaDir = join(metaRoot, VERIFY_DOC_TYPE);
  // Which folders exist before, so cleanup removes only what this run (or its server calls) made.
  const [hadType, hadMetaRoot, hadMeta] = await Promise.all([exists(typeDir), exists(metaRoot), exists(metaDir)]);
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
    return {
      id,
      file,
      text,
      async remove() {
        await rm(file, { force: true });
        await rm(join(metaDir, `${id}.json`), { force: true });
        await rm(join(agentPaths(root, agent).workspace, `${id}.md`), { force: true });
        const rmEmpty = (d: string): Promise<void> => rmdir(d).catch(() => undefined);
        if (!hadType) await rmEmpty(typeDir);
        if (!hadMeta) await rmEmpty(metaDir);
        if (!hadMetaRoot) await rmEmpty(metaRoot);
      },
    };
  }
}

/**
 * Whether a repository is kept by qms-cli, by what qms-cli leaves on disk: its CLI
 * (`qms-cli/qms.py`), its project marker (`qms.config.json`), its audit trail (`QMS/.audit/`)
 * and its metadata shape (`QMS/.meta/<TYPE>/<ID>.json` with `doc_type`, `status`, `version`).
 * The built-in backend refuses such a repository; `auto` picks the qms-cli backend for it.
 */
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** qms-cli's CLI relative to the project root, where a team keeps it (usually a submodule). */
export const DEFAULT_QMS_CLI_SCRIPT = 'qms-cli/qms.py';

const exists = (p: string): Promise<boolean> => lstat(p).then(() => true, () => false);

/** A `.meta` file written by qms-cli: a JSON object with its fields (read at most 64 KiB, never a non-regular file). */
async function isQmsCliMeta(file: string): Promise<boolean> {
  const st = await lstat(file).catch(() => undefined);
  if (!st?.isFile() || st.size > 65_536) return false;
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const meta = JSON.parse(await handle.readFile('utf8')) as Record<string, unknown>;
    return typeof meta === 'object' && meta !== null && typeof meta.doc_type === 'string' && typeof meta.status === 'string' && 'version' in meta;
  } catch {
    return false;
  } finally {
    await handle.close();
  }
}

/** The first qms-cli-shaped metadata file under `QMS/.meta/`, relative to the root, or undefined. */
async function qmsCliMetaFile(root: string): Promise<string | undefined> {
  const metaDir = join(root, 'QMS', '.meta');
  const types = await readdir(metaDir, { withFileTypes: true }).catch(() => []);
  for (const type of types) {
    if (!type.isDirectory()) continue;
    const files = await readdir(join(metaDir, type.name)).catch(() => [] as string[]);
    // A few per type are enough to tell the shape; a repository of hundreds stays quick.
    for (const f of files.filter((n) => n.endsWith('.json')).slice(0, 3)) {
      if (await isQmsCliMeta(join(metaDir, type.name, f))) return `QMS/.meta/${type.name}/${f}`;
    }
  }
  return undefined;
}

/** What marks `root` as a qms-cli repository, as paths relative to it (empty when none). */
export async function findQmsCliMarkers(root: string, script = DEFAULT_QMS_CLI_SCRIPT): Promise<string[]> {
  const found: string[] = [];
  if (await exists(join(root, script))) found.push(script);
  if (script !== DEFAULT_QMS_CLI_SCRIPT && (await exists(join(root, DEFAULT_QMS_CLI_SCRIPT)))) found.push(DEFAULT_QMS_CLI_SCRIPT);
  if (await exists(join(root, 'qms.config.json'))) found.push('qms.config.json');
  if (await exists(join(root, 'QMS', '.audit'))) found.push('QMS/.audit/');
  const meta = await qmsCliMetaFile(root);
  if (meta) found.push(`${meta} (qms-cli metadata)`);
  return found;
}

/**
 * Whether a repository is kept by qms-cli, by what qms-cli leaves on disk: its CLI
 * (`qms-cli/qms.py`), its project marker (`qms.config.json`), its audit trail (`QMS/.audit/`)
 * and its metadata shape (`QMS/.meta/<TYPE>/<ID>.json` with `doc_type`, `status`, `version`).
 * The built-in backend writes the same format, so audit trails and metadata count only when
 * qms-cli wrote them: an audit trail whose first event is not marked `via: qms-builtin`, a
 * metadata file whose document has no such trail. The built-in backend refuses such a
 * repository; `auto` picks the qms-cli backend for it.
 */
import { lstat, open, readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { BUILTIN_VIA } from './qms-cli-format.js';

/** qms-cli's CLI relative to the project root, where a team keeps it (usually a submodule). */
export const DEFAULT_QMS_CLI_SCRIPT = 'qms-cli/qms.py';

const exists = (p: string): Promise<boolean> => lstat(p).then(() => true, () => false);

/** The start (≤ 64 KiB) of a regular file, or undefined (missing, not regular: never opened). */
async function head(file: string): Promise<string | undefined> {
  const st = await lstat(file).catch(() => undefined);
  if (!st?.isFile()) return undefined;
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const buf = Buffer.alloc(Math.min(st.size, 65_536));
    await handle.read(buf, 0, buf.length, 0);
    return buf.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** An audit trail the built-in backend started: its first event is marked. */
async function builtinAudit(file: string): Promise<boolean> {
  const first = (await head(file))?.split('\n')[0];
  try {
    return first !== undefined && (JSON.parse(first) as { via?: unknown }).via === BUILTIN_VIA;
  } catch {
    return false;
  }
}

/** A `.meta` file in qms-cli's shape (read at most 64 KiB, never a non-regular file). */
async function isQmsCliShapedMeta(file: string): Promise<boolean> {
  try {
    const meta = JSON.parse((await head(file)) ?? 'null') as Record<string, unknown> | null;
    return typeof meta === 'object' && meta !== null && typeof meta.doc_type === 'string' && typeof meta.status === 'string' && 'version' in meta;
  } catch {
    return false;
  }
}

/** `<type>/<file>` entries under a folder, a few per type (enough to tell; a tree of hundreds stays quick). */
async function sample(dir: string, ext: string, perType = 5): Promise<Array<{ type: string; file: string }>> {
  const out: Array<{ type: string; file: string }> = [];
  for (const type of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (!type.isDirectory()) continue;
    const files = (await readdir(join(dir, type.name)).catch(() => [] as string[])).filter((n) => n.endsWith(ext)).sort();
    for (const f of files.slice(0, perType)) out.push({ type: type.name, file: f });
  }
  return out;
}

/** The first audit trail qms-cli (not the built-in backend) wrote, relative to the root, or undefined. */
async function qmsCliAuditFile(root: string): Promise<string | undefined> {
  const dir = join(root, 'QMS', '.audit');
  for (const { type, file } of await sample(dir, '.jsonl')) if (!(await builtinAudit(join(dir, type, file)))) return `QMS/.audit/${type}/${file}`;
  return undefined;
}

/** The first qms-cli metadata file (qms-cli's shape, no built-in audit trail beside it), relative to the root, or undefined. */
async function qmsCliMetaFile(root: string): Promise<string | undefined> {
  const dir = join(root, 'QMS', '.meta');
  for (const { type, file } of await sample(dir, '.json')) {
    if (!(await isQmsCliShapedMeta(join(dir, type, file)))) continue;
    if (!(await builtinAudit(join(root, 'QMS', '.audit', type, `${file.slice(0, -5)}.jsonl`)))) return `QMS/.meta/${type}/${file}`;
  }
  return undefined;
}

/** What marks `root` as a qms-cli repository, as paths relative to it (empty when none). */
export async function findQmsCliMarkers(root: string, script = DEFAULT_QMS_CLI_SCRIPT): Promise<string[]> {
  const found: string[] = [];
  // `script` may be relative to the root (the usual) or absolute (qmsMcp({ qmsCli: '/opt/…' })).
  if (await exists(resolve(root, script))) found.push(relative(root, resolve(root, script)));
  if (script !== DEFAULT_QMS_CLI_SCRIPT && (await exists(join(root, DEFAULT_QMS_CLI_SCRIPT)))) found.push(DEFAULT_QMS_CLI_SCRIPT);
  if (await exists(join(root, 'qms.config.json'))) found.push('qms.config.json');
  const audit = await qmsCliAuditFile(root);
  if (audit) found.push(`QMS/.audit/ (${audit})`);
  const meta = await qmsCliMetaFile(root);
  if (meta) found.push(`${meta} (qms-cli metadata)`);
  return found;
}

/**
 * qms-cli's on-disk format, as the built-in backend writes it (so qms-cli can take a repository
 * over later): the registry type of an id (from its shape, not its prefix), where its copies
 * live (`<ID>.md` effective, `<ID>-draft.md` working copy, `QMS/.archive/…/<ID>-v<ver>.md`),
 * its metadata `QMS/.meta/<type>/<ID>.json` and its append-only audit trail
 * `QMS/.audit/<type>/<ID>.jsonl`. See ../shared/QMS-CLI.md. Our audit events carry
 * `"via": "qms-builtin"` (qms-cli ignores unknown keys), which is how the marker check tells a
 * tree this backend keeps from one qms-cli keeps.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Marks the audit events the built-in backend writes. */
export const BUILTIN_VIA = 'qms-builtin';

/** Executable types (CR, INV, TP, ER, VAR and the newer ADD, VR): DRAFT … CLOSED. */
const EXECUTABLE = new Set(['CR', 'INV', 'TP', 'ER', 'VAR', 'ADD', 'VR']);

/** qms-cli's registry type of an id: `CR-043-VAR-001` → VAR, `CR-001-TP-ER-002` → ER, `SDLC-QMS-RS` → QMS-RS; else the prefix. */
export function registryType(id: string): string {
  const sdlc = /^SDLC-([A-Z0-9]+)-(RS|RTM)$/.exec(id);
  if (sdlc) return `${sdlc[1]}-${sdlc[2]}`;
  if (id.startsWith('SOP-')) return 'SOP';
  if (id.startsWith('TEMPLATE-')) return 'TEMPLATE';
  if (id.includes('-TP-ER-')) return 'ER';
  if (id.includes('-TP-')) return 'TP';
  if (id.includes('-VAR-')) return 'VAR';
  if (id.includes('-ADD-')) return 'ADD';
  if (id.includes('-VR-')) return 'VR';
  return id.slice(0, id.indexOf('-'));
}

export const isExecutable = (type: string): boolean => EXECUTABLE.has(type);

/**
 * The folder of a document relative to `QMS/`, where qms-cli keeps it: CR/INV one folder each,
 * their children in the parent's folder, SDLC documents in `SDLC-<NS>/`, the rest flat.
 */
export function documentFolder(id: string): string {
  const type = registryType(id);
  const sdlc = /^SDLC-([A-Z0-9]+)-/.exec(id);
  if (sdlc) return `SDLC-${sdlc[1]}`;
  if (type === 'CR' || type === 'INV') return `${type}/${id}`;
  if (['VAR', 'ADD', 'VR', 'TP', 'ER'].includes(type)) {
    const parent = /^((CR|INV)-\d+)/.exec(id);
    if (parent) return `${parent[2]}/${parent[1]}`;
  }
  return id.slice(0, id.indexOf('-'));
}

/** qms-cli's metadata of a document (`QMS/.meta/<type>/<ID>.json`); unknown fields are kept as they are. */
export interface QmsCliMeta {
  doc_id: string;
  doc_type: string;
  version: string;
  status: string;
  executable: boolean;
  execution_phase: 'pre_release' | 'post_release' | null;
  responsible_user: string | null;
  checked_out: boolean;
  checked_out_date: string | null;
  effective_version: string | null;
  pending_assignees: string[];
  [key: string]: unknown;
}

/** Metadata for a document found without any (an effective copy from before qms-cli / this backend). */
export function initialMeta(id: string, status: 'EFFECTIVE' | 'DRAFT', version: string): QmsCliMeta {
  const type = registryType(id);
  const executable = isExecutable(type);
  return {
    doc_id: id,
    doc_type: type,
    version,
    status,
    executable,
    execution_phase: executable ? 'pre_release' : null,
    responsible_user: null,
    checked_out: false,
    checked_out_date: null,
    effective_version: status === 'EFFECTIVE' ? version : null,
    pending_assignees: [],
  };
}

export const metaPath = (qmsDir: string, id: string): string => join(qmsDir, '.meta', registryType(id), `${id}.json`);
export const auditPath = (qmsDir: string, id: string): string => join(qmsDir, '.audit', registryType(id), `${id}.jsonl`);
/** `QMS/.archive/<folder>/<ID>-v<version>.md`, beside where the document lives (`folder` relative to QMS/). */
export const archivePath = (qmsDir: string, folder: string, id: string, version: string): string => join(qmsDir, '.archive', folder, `${id}-v${version}.md`);

/** qms-cli's timestamp: UTC, ISO to the second, `+00:00`. */
export const auditTimestamp = (d = new Date()): string => `${d.toISOString().slice(0, 19)}+00:00`;
/** qms-cli's date: `YYYY-MM-DD` (local date, as Python's date.today()). */
export function today(d = new Date()): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Appends one event (ts, event, user, version, extras) to the document's audit trail. */
export async function appendAudit(qmsDir: string, id: string, event: string, user: string, version: string, extra: Record<string, unknown> = {}): Promise<void> {
  const file = auditPath(qmsDir, id);
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, `${JSON.stringify({ ts: auditTimestamp(), event, user, version, ...extra, via: BUILTIN_VIA })}\n`, { encoding: 'utf8', mode: 0o644 });
}

/** Metadata serialised as qms-cli writes it (json.dump, indent 2, no trailing newline). */
export const serializeMeta = (meta: QmsCliMeta): string => JSON.stringify(meta, null, 2);

/** The version a checkout of an effective N.x makes: N.1 (qms-cli's rule). */
export function draftVersionFrom(effective: string): string {
  const major = Number.parseInt(effective.split('.')[0] ?? '1', 10);
  return `${Number.isFinite(major) ? major : 1}.1`;
}

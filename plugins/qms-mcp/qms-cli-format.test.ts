/**
 * The built-in backend's idea of qms-cli's layout agrees with qms-cli's own: for each id the
 * registry type and the effective, draft and archive paths are asked of the snapshot's
 * `qms_paths` (Python, in a project it initialised) and compared. ADD and VR (newer qms-cli)
 * are checked against QMS-CLI.md's rule only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { makeQmsCliProject, type QmsCliProject } from '../../test/helpers/qms-cli-project.js';
import { validateDocId } from './doc-id.js';
import { archivePath, documentFolder, registryType } from './qms-cli-format.js';

const IDS = ['SOP-001', 'CR-043', 'INV-008', 'CR-043-VAR-001', 'INV-008-VAR-002', 'CR-001-TP-001', 'CR-001-TP-ER-002', 'TEMPLATE-CR', 'SDLC-QMS-RS', 'SDLC-FLOW-RTM'];

describe("qms-cli's layout", () => {
  let p: QmsCliProject;
  beforeAll(() => {
    p = makeQmsCliProject('qms-layout-test-');
  });
  afterAll(async () => {
    await rm(p.root, { recursive: true, force: true });
  });

  it('types and paths agree with the qms-cli snapshot for every kind of id', () => {
    const script = [
      'import json, sys',
      "sys.path.insert(0, 'qms-cli')",
      'from qms_paths import get_doc_type, get_doc_path, get_archive_path',
      `ids = ${JSON.stringify(IDS)}`,
      "print(json.dumps({i: [get_doc_type(i), str(get_doc_path(i)), str(get_doc_path(i, draft=True)), str(get_archive_path(i, '1.0'))] for i in ids}))",
    ].join('\n');
    const theirs = JSON.parse(execFileSync('python3', ['-c', script], { cwd: p.root, encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } })) as Record<string, [string, string, string, string]>;
    const qms = join(p.root, 'QMS');
    for (const id of IDS) {
      const [type, effective, draft, archive] = theirs[id]!;
      expect(validateDocId(id), id).toBe(id);
      expect(registryType(id), id).toBe(type);
      const folder = documentFolder(id);
      expect(join('QMS', folder, `${id}.md`), id).toBe(relative(p.root, effective));
      expect(join('QMS', folder, `${id}-draft.md`), id).toBe(relative(p.root, draft));
      expect(relative(p.root, archivePath(qms, folder, id, '1.0')), id).toBe(relative(p.root, archive));
    }
  });

  it('places the newer child types (ADD, VR) in their parent folder and accepts four suffix groups', () => {
    expect(registryType('CR-046-ADD-001')).toBe('ADD');
    expect(documentFolder('CR-046-ADD-001')).toBe('CR/CR-046');
    expect(registryType('CR-091-VR-001')).toBe('VR');
    expect(documentFolder('INV-003-VR-002')).toBe('INV/INV-003');
    expect(validateDocId('CR-043-VAR-001-ADD-001')).toBe('CR-043-VAR-001-ADD-001');
  });
});

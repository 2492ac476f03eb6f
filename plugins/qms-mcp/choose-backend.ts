/**
 * Which backend the QMS MCP server uses for a project: qms-cli when the project has it
 * (`auto`, the default), or the built-in one — which refuses a repository qms-cli keeps, so
 * the two never write the same `QMS/` tree. Decided once, at start, with a clear error.
 */
import { QmsError } from '../../tasks/errors.js';
import { DEFAULT_QMS_CLI_SCRIPT, findQmsCliMarkers } from './qms-cli-markers.js';
import { checkQmsCliRuns, locateQmsCli, type QmsCli } from './qms-cli-run.js';

export type BackendName = 'auto' | 'qms-cli' | 'builtin';
export type Backend = { kind: 'qms-cli'; cli: QmsCli } | { kind: 'builtin' };

export interface BackendOptions {
  backend: BackendName;
  /** `qms.py` relative to the root; default `qms-cli/qms.py`. */
  script?: string;
  python?: string;
}

export function parseBackendName(v: string | undefined): BackendName {
  if (v === undefined) return 'auto';
  if (v === 'auto' || v === 'qms-cli' || v === 'builtin') return v;
  throw new QmsError(`invalid --backend ${v}`, 'Use --backend auto, qms-cli or builtin.');
}

export async function chooseBackend(root: string, o: BackendOptions): Promise<Backend> {
  const script = o.script ?? DEFAULT_QMS_CLI_SCRIPT;
  if (o.backend !== 'builtin') {
    const cli = await locateQmsCli({ root, script, ...(o.python ? { python: o.python } : {}) });
    if (cli) {
      await checkQmsCliRuns(cli);
      return { kind: 'qms-cli', cli };
    }
    if (o.backend === 'qms-cli') {
      throw new QmsError(`qms-cli backend: no ${script} in ${root}`, 'Add qms-cli there (usually a git submodule: git submodule update --init), or point at it: qmsMcp({ qmsCli: "path/to/qms.py" }).');
    }
  }
  const markers = await findQmsCliMarkers(root, script);
  if (markers.length > 0) {
    const fix =
      o.backend === 'builtin'
        ? `Use the qms-cli backend (leave qmsMcp({ backend }) out, or backend: "qms-cli"${markers.includes(script) ? '' : ` with qmsCli: "path/to/qms.py"`}); the built-in backend never writes a qms-cli repository.`
        : `qms-cli's qms.py is not at ${script}: make it available there (git submodule update --init) or point at it with qmsMcp({ qmsCli: "path/to/qms.py" }).`;
    throw new QmsError(`this repository is kept by qms-cli (found ${markers.join(', ')}); the built-in QMS backend refuses to work on it`, fix);
  }
  return { kind: 'builtin' };
}

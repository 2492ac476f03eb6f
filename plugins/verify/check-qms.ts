/**
 * Check (4), the QMS server from inside the container, on either backend: the tool set is
 * offered (qms-cli's whole set when the project is kept by qms-cli), the agent acts as itself
 * (`qms_inbox` / `qms_workspace` answer for it — on qms-cli, exactly what `qms.py --user
 * <agent>` prints on the host), a call naming another user is refused, and a read of an
 * existing document matches the host's file. On qms-cli no controlled document is written
 * unless the user names one for a round trip (`verify({ qmsRoundTrip: 'CR-099' })`); on the
 * built-in backend the scratch-document round trip follows (or the named document's). Around
 * it all, `git status -- QMS` on the host must not change — but for the named document.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { jsonRpcResponse } from '../mcp-server/jsonrpc-body.js';
import { IN_PROJECT, inContainer } from '../container/container-paths.js';
import { agentPaths } from '../container/host-paths.js';
import { metaPath } from '../qms-mcp/qms-cli-format.js';
import { findQmsCliMarkers } from '../qms-mcp/qms-cli-markers.js';
import { locateQmsCli, runOnce } from '../qms-mcp/qms-cli-run.js';
import { refuseNonRegularUserFiles } from '../qms-mcp/user-folders-guard.js';
import { prepareScratchRoundTrip, type ScratchRoundTrip } from './check-qms-round-trip.js';
import { NO_CLIENT, initializeSteps, type StepOutput, toolAnswer, toolCall } from './mcp-script.js';
import { shq } from './shell-quote.js';
import { record, type CheckRecord } from './report.js';
import { runMcpScript } from './run-mcp-script.js';
import type { VerifyTarget } from './target.js';

/** The tools a team's allowlist names: qms-cli's MCP set. */
export const QMS_CLI_TOOLS = [
  'qms_inbox', 'qms_workspace', 'qms_status', 'qms_read', 'qms_history', 'qms_comments', 'qms_create', 'qms_checkout', 'qms_checkin', 'qms_cancel',
  'qms_route', 'qms_assign', 'qms_review', 'qms_approve', 'qms_reject', 'qms_withdraw', 'qms_release', 'qms_revert', 'qms_close', 'qms_interact', 'qms_fix',
] as const;
const BUILTIN_TOOLS = ['qms_inbox', 'qms_workspace', 'qms_status', 'qms_read', 'qms_checkout', 'qms_checkin'] as const;


/** `git status --porcelain -- QMS` on the host, or undefined when the project is no git repository. */
function qmsGitStatus(root: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    // --no-optional-locks: a plain status refreshes the index's stat data and rewrites the
    // user's .git/index (taking index.lock while the user may be running git).
    execFile('git', ['--no-optional-locks', '-C', root, 'status', '--porcelain', '--untracked-files=all', '--', 'QMS'], { timeout: 15_000 }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}

const DOC_FILE = /^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\.md$/;

/** An existing controlled document to read: its id and host path (SOPs first, drafts never). */
async function pickDocument(root: string): Promise<{ id: string; file: string } | undefined> {
  const qms = join(root, 'QMS');
  const walk = async (dir: string, depth: number): Promise<string | undefined> => {
    if (depth > 4) return undefined;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const sorted = entries.filter((e) => !e.name.startsWith('.')).sort((a, b) => (a.name === 'SOP' ? -1 : b.name === 'SOP' ? 1 : a.name.localeCompare(b.name)));
    for (const e of sorted) if (e.isFile() && DOC_FILE.test(e.name) && !e.name.endsWith('-draft.md')) return join(dir, e.name);
    for (const e of sorted) {
      if (!e.isDirectory()) continue;
      const found = await walk(join(dir, e.name), depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  const file = await walk(qms, 0);
  return file ? { id: file.slice(file.lastIndexOf('/') + 1, -3), file } : undefined;
}

/**
 * The round trip on a document the user named (a write the user asked for): checkout, an
 * in-place append in the container, checkin, then the draft (as the server reads it) holds the
 * line, the document is no longer checked out (its `.meta` on the host) and the workspace copy
 * is gone. Works on both backends: both keep qms-cli's `.meta`.
 */
async function namedRoundTrip(target: VerifyTarget, endpoint: McpEndpoint, root: string, docId: string): Promise<CheckRecord> {
  const started = new Date();
  const workspaceFile = `${inContainer(IN_PROJECT.workspace(target.agent))}/${docId}.md`;
  const line = `Edited inside container ${target.containerId.slice(0, 12)} by qms verify ${target.nonce}.`;
  const base = {
    id: 'qms-round-trip',
    group: 'qms-round-trip' as const,
    title: `QMS checkout → edit in the workspace → checkin of ${docId} (named for verification)`,
    how: `in the container over ${endpoint.containerUrl}: qms_checkout("${docId}"), append one line to ${workspaceFile} in place, qms_checkin, qms_read (draft); on the host: its .meta and the workspace`,
    expected: 'the draft holds the appended line, the document is no longer checked out and the workspace copy is gone',
  };
  const run = await runMcpScript(target, endpoint, [
    ...initializeSteps(1),
    toolCall(2, 'qms_checkout', { doc_id: docId }),
    { kind: 'sh', name: 'edit', script: `printf '%s\\n' ${shq(line)} >> ${shq(workspaceFile)}` },
    toolCall(3, 'qms_checkin', { doc_id: docId }),
    toolCall(4, 'qms_read', { doc_id: docId, draft: true }),
  ]);
  if (run.noClient) return record({ ...base, actual: NO_CLIENT, result: 'fail' }, started);
  const find = (name: string): StepOutput | undefined => run.steps.find((s) => s.name === name);
  const problems: string[] = [];
  const co = toolAnswer(find('tools/call qms_checkout'), 2);
  if (co.error) problems.push(`qms_checkout failed: ${(co.problem ?? co.text).slice(0, 300)}`);
  const edit = find('edit');
  if (!co.error && (!edit || edit.exit !== 0)) problems.push(`editing ${workspaceFile} failed: ${edit?.body.trim() || 'not run'}`);
  const ci = toolAnswer(find('tools/call qms_checkin'), 3);
  if (!co.error && ci.error) problems.push(`qms_checkin failed: ${(ci.problem ?? ci.text).slice(0, 300)}`);
  const rd = toolAnswer(find('tools/call qms_read'), 4);
  if (!co.error && !rd.text.includes(line)) problems.push(rd.error ? `qms_read failed: ${(rd.problem ?? rd.text).slice(0, 300)}` : 'the draft does not hold the appended line');
  const meta = await readFile(metaPath(join(root, 'QMS'), docId), 'utf8').then((t) => JSON.parse(t) as { checked_out?: unknown }, () => undefined);
  if (!co.error && meta?.checked_out !== false) problems.push(`the document is ${meta ? 'still checked out' : 'without metadata'} on the host`);
  const leftover = await readFile(join(agentPaths(root, target.agent).workspace, `${docId}.md`)).then(() => true, () => false);
  if (!co.error && leftover) problems.push('the workspace copy was left behind');
  const actual = problems.length ? problems.join('; ') : `checked out, edited in place, checked in: the draft holds the line; ${docId} is no longer checked out; workspace copy removed`;
  return record({ ...base, actual, result: problems.length ? 'fail' : 'pass' }, started);
}

/** `git status --porcelain` lines that are not about `docId` (its draft, archive, .meta, .audit). */
const otherChanges = (status: string, docId: string | undefined): string =>
  status.split('\n').filter((l) => l && !(docId && new RegExp(`/${docId}(?:-draft|-v[\\d.]+)?\\.(?:md|json|jsonl)$`).test(l.trim()))).join('\n');

export interface QmsCheckOptions {
  /** A document the user named for a write round trip (else none on qms-cli, the scratch document on the built-in backend). */
  roundTripDoc?: string;
}

export async function checkQms(target: VerifyTarget, endpoint: McpEndpoint, root: string, options: QmsCheckOptions = {}): Promise<CheckRecord[]> {
  const [treeBefore, markers, doc] = await Promise.all([qmsGitStatus(root), findQmsCliMarkers(root), pickDocument(root)]);
  // The built-in backend's scratch round trip rides in the same script (one exec, one session).
  const scratch = !options.roundTripDoc && markers.length === 0 ? await prepareScratchRoundTrip(target, endpoint, root, 7) : undefined;
  try {
    return await qmsChecks(target, endpoint, root, options, { treeBefore, markers, doc, scratch });
  } finally {
    await scratch?.remove();
  }
}

interface Prepared {
  treeBefore: string | undefined;
  markers: string[];
  doc: { id: string; file: string } | undefined;
  scratch: ScratchRoundTrip | undefined;
}

async function qmsChecks(target: VerifyTarget, endpoint: McpEndpoint, root: string, options: QmsCheckOptions, { treeBefore, markers, doc, scratch }: Prepared): Promise<CheckRecord[]> {
  const started = new Date();
  const agent = target.agent;
  const other = agent === 'lead' ? 'qa' : 'lead';
  const onQmsCli = markers.length > 0;
  const expectedTools: readonly string[] = onQmsCli ? QMS_CLI_TOOLS : BUILTIN_TOOLS;
  const via = `from the container over ${endpoint.containerUrl} with the agent's token`;

  const run = await runMcpScript(target, endpoint, [
    ...initializeSteps(1),
    { kind: 'rpc', name: 'tools/list', body: { jsonrpc: '2.0', id: 2, method: 'tools/list' } },
    toolCall(3, 'qms_inbox', {}),
    toolCall(4, 'qms_workspace', {}),
    { ...toolCall(5, 'qms_inbox', { user: other }), name: 'tools/call qms_inbox as other' },
    ...(doc ? [toolCall(6, 'qms_read', { doc_id: doc.id })] : []),
    ...(scratch?.steps ?? []),
  ]);
  const records: CheckRecord[] = [];
  const add = (id: string, title: string, how: string, expected: string, actual: string, result: CheckRecord['result']): void => {
    records.push(record({ id, group: 'qms-round-trip', title, how, expected, actual, result }, started));
  };
  if (run.noClient) {
    add('qms-tools', `QMS server ${endpoint.name} from inside the container`, via, 'bash in the image', NO_CLIENT, 'fail');
    return records;
  }
  const find = (name: string): StepOutput | undefined => run.steps.find((s) => s.name === name);

  // The tool set.
  const listStep = find('tools/list');
  const listed = listStep?.status === 200 ? ((jsonRpcResponse(listStep.body, 2)?.result?.tools as Array<{ name?: string }> | undefined) ?? []).map((t) => String(t.name)) : [];
  const missing = expectedTools.filter((t) => !listed.includes(t));
  add(
    'qms-tools',
    `QMS server ${endpoint.name} offers ${onQmsCli ? "qms-cli's tool set" : 'the built-in tool set'}`,
    `${via}: tools/list${onQmsCli ? ` (the project is kept by qms-cli: ${markers.join(', ')})` : ''}`,
    `${expectedTools.length} tools: ${expectedTools.join(', ')}`,
    missing.length ? `missing: ${missing.join(', ')} (offered: ${listed.join(', ') || 'none'})` : `${listed.length} tools offered, all expected ones among them`,
    missing.length ? 'fail' : 'pass',
  );

  // Acting as itself. An empty inbox and workspace read the same for everyone, so the identity
  // the server states when it refuses another user's name counts too.
  const forged = toolAnswer(find('tools/call qms_inbox as other'), 5);
  const actsAs = /acts as ([a-z][a-z0-9_-]*)/.exec(forged.text)?.[1];
  const inbox = toolAnswer(find('tools/call qms_inbox'), 3);
  const ws = toolAnswer(find('tools/call qms_workspace'), 4);
  let identityProblem: string | undefined;
  let identityHow = `${via}: qms_inbox, qms_workspace (no user argument)`;
  if (actsAs !== undefined && actsAs !== agent) identityProblem = `the server says this connection acts as ${actsAs}, not ${agent}`;
  else if (inbox.error || ws.error) identityProblem = `qms_inbox: ${inbox.error ? (inbox.problem ?? inbox.text) : 'ok'}; qms_workspace: ${ws.error ? (ws.problem ?? ws.text) : 'ok'}`;
  else if (onQmsCli) {
    const cli = await locateQmsCli({ root });
    if (cli) {
      identityHow += `; on the host: ${relative(root, cli.script)} --user ${agent} inbox / workspace, compared`;
      // What the agent planted must not make the host's qms-cli block (a FIFO) or read elsewhere (a link).
      const planted = await refuseNonRegularUserFiles(root, agent).then(() => undefined, (e: Error) => e.message);
      if (planted) identityProblem = `not compared on the host: ${planted}`;
      else {
        const [hostInbox, hostWs] = await Promise.all([runOnce(cli, [cli.script, '--user', agent, 'inbox']), runOnce(cli, [cli.script, '--user', agent, 'workspace'])]);
        if (hostInbox.output.trim() !== inbox.text.trim()) identityProblem = `qms_inbox differs from qms-cli's inbox for ${agent} on the host`;
        else if (hostWs.output.trim() !== ws.text.trim()) identityProblem = `qms_workspace differs from qms-cli's workspace for ${agent} on the host`;
      }
    } else if (!/(for \S+:|is empty)/.test(inbox.text) || (inbox.text.includes(' for ') && !inbox.text.includes(`for ${agent}:`))) {
      identityProblem = `qms_inbox did not answer for ${agent}: ${inbox.text.slice(0, 200)}`;
    }
  } else {
    const users = [inbox.text, ws.text].map((t) => {
      try {
        return (JSON.parse(t) as { user?: unknown }).user;
      } catch {
        return undefined;
      }
    });
    if (users.some((u) => u !== agent)) identityProblem = `answered for ${users.map(String).join(' / ')}, not ${agent}`;
  }
  add(
    'qms-identity',
    `the agent acts as its own QMS user (${agent})`,
    identityHow,
    onQmsCli ? `both answer, exactly as qms-cli answers ${agent} on the host` : `both answer for user ${agent}`,
    identityProblem ?? `qms_inbox and qms_workspace answered for ${agent}`,
    identityProblem ? 'fail' : 'pass',
  );

  const refused = forged.error && forged.text.includes(`acts as ${agent}`);
  add(
    'qms-identity-refused',
    `a call naming another user (${other}) is refused`,
    `${via}: qms_inbox {"user": "${other}"}`,
    `a tool error saying the connection acts as ${agent}`,
    refused ? forged.text.split('\n')[0]!.slice(0, 200) : `not refused: ${(forged.problem ?? forged.text).slice(0, 200)}`,
    refused ? 'pass' : 'fail',
  );

  if (doc) {
    const read = toolAnswer(find('tools/call qms_read'), 6);
    const host = await readFile(doc.file, 'utf8').catch(() => undefined);
    const same = !read.error && host !== undefined && read.text.trimEnd() === host.trimEnd();
    add(
      'qms-read',
      `qms_read of ${doc.id} matches the host's file`,
      `${via}: qms_read {"doc_id": "${doc.id}"}; on the host: read ${relative(root, doc.file)}`,
      'the same text (up to trailing newlines)',
      same ? `identical (${host!.length} characters)` : read.error ? `qms_read failed: ${read.problem ?? read.text.slice(0, 200)}` : 'the text differs from the host file',
      same ? 'pass' : 'fail',
    );
  } else {
    add('qms-read', 'qms_read of an existing document matches the host file', '-', 'a controlled document in QMS/', 'no controlled document found under QMS/', 'skip');
  }

  // A round trip on the document the user named; else the built-in backend's scratch-document
  // one (on qms-cli no controlled document is written).
  const named = options.roundTripDoc;
  if (named) records.push(await namedRoundTrip(target, endpoint, root, named));
  else if (scratch) {
    records.push(await scratch.judge(run));
    await scratch.remove(); // before the tree is looked at again
  }

  const treeAfter = await qmsGitStatus(root);
  if (treeBefore === undefined || treeAfter === undefined) {
    add('qms-tree-unchanged', 'verification leaves QMS/ as it found it', 'git status --porcelain -- QMS on the host, before and after', 'no change', 'the project is not a git repository', 'skip');
  } else {
    const same = otherChanges(treeBefore, named) === otherChanges(treeAfter, named);
    add(
      'qms-tree-unchanged',
      named ? `verification leaves QMS/ as it found it, but for ${named}` : 'verification leaves QMS/ as it found it',
      'git status --porcelain --untracked-files=all -- QMS on the host, before and after the QMS checks',
      named ? `the same before and after, apart from ${named}'s own files (draft, archive, .meta, .audit)` : 'the same before and after',
      same ? (treeBefore === '' && treeAfter === '' ? 'clean before and after' : 'unchanged' + (named ? ` apart from ${named}` : ' (the same local changes before and after)')) : `changed: before ${JSON.stringify(treeBefore.slice(0, 200))}, after ${JSON.stringify(treeAfter.slice(0, 200))}`,
      same ? 'pass' : 'fail',
    );
  }
  return records;
}

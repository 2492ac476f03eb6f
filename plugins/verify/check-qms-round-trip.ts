/**
 * Check (4) on the built-in backend: a QMS checkout → edit in the workspace from inside the
 * container → checkin round trip through the QMS MCP server writes the document's draft as
 * expected (qms-cli's format: `<ID>-draft.md`; the effective copy is left alone). It works on
 * a reserved scratch document (see verification-document.ts), removed afterwards with all it
 * left: the user's documents are never checked out or changed. The edit is an in-place append,
 * as an agent's editor would do.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { agentPaths } from '../container/host-paths.js';
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { IN_PROJECT, inContainer } from '../container/container-paths.js';
import { initializeSteps, type StepOutput, toolAnswer, toolCall } from './mcp-script.js';
import { record, type CheckRecord } from './report.js';
import { runMcpScript } from './run-mcp-script.js';
import { shq } from './shell-quote.js';
import type { VerifyTarget } from './target.js';
import { createVerificationDocument } from './verification-document.js';


export async function checkQmsRoundTrip(target: VerifyTarget, endpoint: McpEndpoint, root: string): Promise<CheckRecord> {
  const started = new Date();
  const doc = await createVerificationDocument(root, target.agent, target.containerId);
  const workspaceFile = `${inContainer(IN_PROJECT.workspace(target.agent))}/${doc.id}.md`;
  const line = `Edited inside container ${target.containerId.slice(0, 12)} by qms verify ${target.nonce}.`;
  const expectedText = `${doc.text}${line}\n`;
  const base = {
    id: 'qms-round-trip',
    group: 'qms-round-trip' as const,
    title: `QMS checkout → edit in the workspace → checkin through MCP server ${endpoint.name}`,
    how:
      `on the host: create the scratch document QMS/${doc.id.split('-')[0]}/${doc.id}.md; in the container: qms_checkout("${doc.id}") over ${endpoint.containerUrl}, ` +
      `append one line to ${workspaceFile} in place, qms_checkin("${doc.id}"), qms_read (draft), qms_status; on the host: compare the draft and the effective copy; remove the scratch document with its draft, archive, metadata and audit trail`,
    expected: 'the draft equals the original plus the appended line and qms_read returns it; the effective copy is unchanged; the document is no longer checked out and the workspace copy is gone',
  };
  try {
    const run = await runMcpScript(target, endpoint, [
      ...initializeSteps(1),
      toolCall(2, 'qms_checkout', { doc_id: doc.id }),
      { kind: 'sh', name: 'edit', script: `printf '%s\\n' ${shq(line)} >> ${shq(workspaceFile)}` },
      toolCall(3, 'qms_checkin', { doc_id: doc.id }),
      toolCall(4, 'qms_read', { doc_id: doc.id, draft: true }),
      toolCall(5, 'qms_status', { doc_id: doc.id }),
    ]);
    if (run.noCurl) return record({ ...base, actual: 'curl is not installed in the image', result: 'fail' }, started);
    const find = (name: string): StepOutput | undefined => run.steps.find((s) => s.name === name);
    const problems: string[] = [];
    const co = toolAnswer(find('tools/call qms_checkout'), 2);
    if (co.error) problems.push(`qms_checkout failed: ${co.problem ?? co.text}`);
    const edit = find('edit');
    if (!edit || edit.exit !== 0) problems.push(`editing ${workspaceFile} failed: ${edit?.body.trim() || 'not run'}`);
    const ci = toolAnswer(find('tools/call qms_checkin'), 3);
    if (ci.error) problems.push(`qms_checkin failed: ${ci.problem ?? ci.text}`);
    const rd = toolAnswer(find('tools/call qms_read'), 4);
    if (rd.error || rd.text !== expectedText) problems.push(rd.error ? `qms_read failed: ${rd.problem ?? rd.text}` : 'qms_read did not return the edited text');
    const st = toolAnswer(find('tools/call qms_status'), 5);
    let status: { checked_out?: unknown; version?: unknown } = {};
    try {
      status = JSON.parse(st.text) as typeof status;
    } catch {
      problems.push(`qms_status gave no status: ${st.problem ?? st.text.slice(0, 200)}`);
    }
    if (status.checked_out) problems.push('the document is still checked out');
    const draft = await readFile(doc.draft, 'utf8').catch(() => '<missing>');
    if (draft !== expectedText) problems.push(`the draft is not the original plus the line (${draft === doc.text ? 'unchanged' : draft === '<missing>' ? 'missing' : 'different'})`);
    const effective = await readFile(doc.file, 'utf8').catch(() => '<missing>');
    if (effective !== doc.text) problems.push('the effective copy changed (a check-in must write the draft only)');
    const leftover = await stat(join(agentPaths(root, target.agent).workspace, `${doc.id}.md`)).then(() => true, () => false);
    if (leftover) problems.push('the workspace copy was left behind');
    const actual = problems.length
      ? problems.join('; ')
      : `checked out, edited in place, checked in as draft v${String(status.version ?? '?')}; the draft and qms_read show the appended line, the effective copy is unchanged; not checked out; workspace copy removed`;
    return record({ ...base, actual, result: problems.length ? 'fail' : 'pass' }, started);
  } finally {
    await doc.remove();
  }
}

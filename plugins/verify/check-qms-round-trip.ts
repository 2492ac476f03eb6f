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
import { NO_CLIENT, initializeSteps, type McpStep, type StepOutput, toolAnswer, toolCall } from './mcp-script.js';
import { record, type CheckRecord } from './report.js';
import { runMcpScript, type ScriptRun } from './run-mcp-script.js';
import { shq } from './shell-quote.js';
import type { VerifyTarget } from './target.js';
import { createVerificationDocument } from './verification-document.js';


/** Step names of the round trip, apart from the QMS check's own requests in the same session. */
const RT = 'round trip:';

export interface ScratchRoundTrip {
  /** The round trip's requests (no initialize: they follow the QMS check's in its session). */
  steps: McpStep[];
  /** The record, from the script's answers and the host's files. */
  judge(run: ScriptRun): Promise<CheckRecord>;
  /** Removes the scratch document with all the round trip made of it. */
  remove(): Promise<void>;
}

/**
 * Creates the scratch document and says what to send: the QMS check appends these steps to its
 * own script (one exec, one MCP session), then judges and removes.
 */
export async function prepareScratchRoundTrip(target: VerifyTarget, endpoint: McpEndpoint, root: string, firstId: number): Promise<ScratchRoundTrip> {
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
  const id = { checkout: firstId, checkin: firstId + 1, read: firstId + 2, status: firstId + 3 };
  const named = (step: McpStep): McpStep => ({ ...step, name: `${RT} ${step.name}` });
  const steps: McpStep[] = [
    named(toolCall(id.checkout, 'qms_checkout', { doc_id: doc.id })),
    { kind: 'sh', name: `${RT} edit`, script: `printf '%s\\n' ${shq(line)} >> ${shq(workspaceFile)}` },
    named(toolCall(id.checkin, 'qms_checkin', { doc_id: doc.id })),
    named(toolCall(id.read, 'qms_read', { doc_id: doc.id, draft: true })),
    named(toolCall(id.status, 'qms_status', { doc_id: doc.id })),
  ];
  const judge = async (run: ScriptRun): Promise<CheckRecord> => {
    if (run.noClient) return record({ ...base, actual: NO_CLIENT, result: 'fail' }, started);
    const find = (name: string): StepOutput | undefined => run.steps.find((s) => s.name === `${RT} ${name}`);
    const problems: string[] = [];
    const co = toolAnswer(find('tools/call qms_checkout'), id.checkout);
    if (co.error) problems.push(`qms_checkout failed: ${co.problem ?? co.text}`);
    const edit = find('edit');
    if (!edit || edit.exit !== 0) problems.push(`editing ${workspaceFile} failed: ${edit?.body.trim() || 'not run'}`);
    const ci = toolAnswer(find('tools/call qms_checkin'), id.checkin);
    if (ci.error) problems.push(`qms_checkin failed: ${ci.problem ?? ci.text}`);
    const rd = toolAnswer(find('tools/call qms_read'), id.read);
    if (rd.error || rd.text !== expectedText) problems.push(rd.error ? `qms_read failed: ${rd.problem ?? rd.text}` : 'qms_read did not return the edited text');
    const st = toolAnswer(find('tools/call qms_status'), id.status);
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
  };
  return { steps, judge, remove: () => doc.remove() };
}

/** The round trip on its own (its own script and MCP session). */
export async function checkQmsRoundTrip(target: VerifyTarget, endpoint: McpEndpoint, root: string): Promise<CheckRecord> {
  const rt = await prepareScratchRoundTrip(target, endpoint, root, 2);
  try {
    return await rt.judge(await runMcpScript(target, endpoint, [...initializeSteps(1), ...rt.steps]));
  } finally {
    await rt.remove();
  }
}

/**
 * One MCP session per server for the checks of one verification pass: the checks that talk to
 * the same server (its handshake, the QMS or git probes, the identity probe) hand over their
 * steps, and the session runs them all as ONE script — one `initialize`, one connection —
 * instead of a script and a handshake per check.
 *
 * Like the exec batch it is a barrier (barrier.ts): it runs once every joined check is waiting
 * for its answers or done. The requests get session-wide JSON-RPC ids (MCP forbids
 * reusing one in a session) and each check gets its answers back under its own ids, with the
 * shared handshake's answers in place of its own `initialize` steps (and one `tools/list` for
 * all the checks that ask for it). A check asking after the
 * session ran (a second round) gets a script of its own.
 */
import type { McpEndpoint } from '../mcp-server/endpoint.js';
import { jsonRpcResponse } from '../mcp-server/jsonrpc-body.js';
import { Barrier } from './barrier.js';
import { initializeSteps, type McpStep, type StepOutput } from './mcp-script.js';
import { runMcpScriptAlone, type ScriptRun } from './run-mcp-script.js';
import type { VerifyTarget } from './target.js';

interface Request {
  steps: readonly McpStep[];
  resolve: (r: ScriptRun) => void;
  reject: (e: unknown) => void;
}

const HANDSHAKE = new Set(['initialize', 'notifications/initialized']);
const isHandshake = (s: McpStep): boolean => s.kind === 'rpc' && HANDSHAKE.has(String(s.body.method));
/** Requests without effects: one asked by several checks with the same params is sent once, its answer given to each. */
const READ_ONLY = new Set(['tools/list', 'resources/list', 'prompts/list']);
const sharedKey = (s: McpStep): string | undefined => (s.kind === 'rpc' && READ_ONLY.has(String(s.body.method)) ? JSON.stringify([s.body.method, s.body.params ?? null]) : undefined);

/** An answer read under the session's id `sent`, written back as plain JSON under the check's `own` id. */
function underOwnId(step: StepOutput, sent: number, own: unknown): StepOutput {
  const answer = jsonRpcResponse(step.body, sent);
  return answer ? { ...step, body: JSON.stringify({ ...answer, id: own }) } : step;
}

export class SharedMcpSession {
  private pending: Request[] = [];
  private ran = false;
  private readonly barrier = new Barrier(
    () => (this.ran ? 0 : this.pending.length),
    () => void this.flush(),
  );

  constructor(
    private readonly target: VerifyTarget,
    private readonly endpoint: McpEndpoint,
  ) {}

  /** Runs `fn` (a check using this server) as a participant: the session waits for its steps or its end. */
  join<T>(fn: () => Promise<T>): Promise<T> {
    return this.barrier.join(fn);
  }

  /** The answers to `steps` (a check's own script: its handshake, then its requests). */
  run(steps: readonly McpStep[]): Promise<ScriptRun> {
    if (this.ran) return runMcpScriptAlone(this.target, this.endpoint, steps);
    return new Promise<ScriptRun>((resolve, reject) => {
      this.pending.push({ steps, resolve, reject });
      this.barrier.check();
    });
  }

  private async flush(): Promise<void> {
    this.ran = true;
    const requests = this.pending;
    this.pending = [];
    // The shared handshake takes id 1; each check's requests follow under fresh ids.
    const merged: McpStep[] = initializeSteps(1);
    let nextId = 2;
    const asked = new Map<string, { at: number; sent: number }>();
    const plans = requests.map((r) =>
      r.steps.map((step): { step: McpStep; at: number; sent?: number; own?: unknown } => {
        if (isHandshake(step)) return { step, at: step.kind === 'rpc' && step.body.method === 'initialize' ? 0 : 1 };
        const key = sharedKey(step);
        const earlier = key === undefined ? undefined : asked.get(key);
        if (earlier && step.kind === 'rpc') return { step, ...earlier, own: step.body.id };
        const at = merged.length;
        if (step.kind === 'rpc' && step.body.id !== undefined) {
          const sent = nextId++;
          merged.push({ ...step, body: { ...step.body, id: sent } });
          if (key !== undefined) asked.set(key, { at, sent });
          return { step, at, sent, own: step.body.id };
        }
        merged.push(step);
        return { step, at };
      }),
    );
    try {
      const run = await runMcpScriptAlone(this.target, this.endpoint, merged, requests.length);
      requests.forEach((r, i) =>
        r.resolve({
          ...run,
          steps: plans[i]!.map((p) => {
            const out = run.steps[p.at] ?? { name: p.step.name, exit: -1, status: undefined, body: '', stderr: 'no answer' };
            return p.sent === undefined ? { ...out, name: p.step.name } : underOwnId({ ...out, name: p.step.name }, p.sent, p.own);
          }),
        }),
      );
    } catch (err) {
      for (const r of requests) r.reject(err);
    }
  }
}

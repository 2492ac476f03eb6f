/**
 * `POST /api/agents/{agent}/exec` with `{ "cmd": ["ls", "/pipe-dream"] }`: the CLI's
 * `qms exec` (container plugin's execCommand: stdout and stderr kept apart) streamed as NDJSON,
 * one line per chunk as it arrives — `{"stream":"stdout","data":"…"}` / `{"stream":"stderr",…}`
 * — and `{"exit":<code>}` last (seed 004's stream_command). A client that goes away hangs the
 * command up in the container, as Ctrl-C does for `qms exec`.
 */
import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { execCommand } from '../container/operations.js';
import type { PluginContext } from '../../tasks/types.js';
import { ApiError } from './api-error.js';

/** The command from a request body; 400 naming what is wrong. */
export function parseExecBody(body: unknown): string[] {
  const cmd = typeof body === 'object' && body !== null ? (body as { cmd?: unknown }).cmd : undefined;
  const ok = Array.isArray(cmd) && cmd.length > 0 && cmd.length <= 256 && cmd.every((a) => typeof a === 'string' && a.length <= 65536 && !a.includes('\0'));
  if (!ok) throw new ApiError(400, 'bad-request', 'exec needs a body {"cmd": ["program", "arg", …]}: a non-empty array of strings (at most 256)', 'e.g. {"cmd": ["ls", "/pipe-dream"]}; for a shell line use ["sh", "-c", "…"].');
  return cmd as string[];
}

function lineStream(res: ServerResponse, stream: 'stdout' | 'stderr'): Writable {
  const decoder = new StringDecoder('utf8'); // a chunk may end inside a UTF-8 character
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      const data = decoder.write(chunk);
      if (data) res.write(`${JSON.stringify({ stream, data })}\n`);
      done();
    },
    final(done) {
      const rest = decoder.end();
      if (rest) res.write(`${JSON.stringify({ stream, data: rest })}\n`);
      done();
    },
  });
}

/** Runs the command (the agent must be up: 404 otherwise, before any output) and streams it. */
export async function streamExec(ctx: PluginContext, agent: string, cmd: readonly string[], res: ServerResponse, findRunning: () => Promise<unknown>): Promise<void> {
  await findRunning();
  const abort = new AbortController();
  let finished = false;
  res.on('close', () => {
    if (!finished) abort.abort(new Error('client went away'));
  });
  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
  const stdout = lineStream(res, 'stdout');
  const stderr = lineStream(res, 'stderr');
  try {
    const code = await execCommand({ ...ctx, signal: abort.signal }, agent, cmd, { stdout, stderr, signal: abort.signal });
    await Promise.all([new Promise((r) => stdout.end(r)), new Promise((r) => stderr.end(r))]);
    res.end(`${JSON.stringify({ exit: code })}\n`);
  } catch (err) {
    if (!abort.signal.aborted) res.end(`${JSON.stringify({ error: { code: 'failed', message: err instanceof Error ? err.message : String(err) } })}\n`);
  } finally {
    finished = true;
  }
}

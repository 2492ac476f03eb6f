/** `--json`: one NDJSON event per line on stdout, for scripts and CI. Events arrive redacted. */
import type { Renderer, RunEvent } from '../run/events.js';

export function createJsonRenderer(out: NodeJS.WritableStream = process.stdout): Renderer {
  return {
    event: (e: RunEvent) => void out.write(`${JSON.stringify(e)}\n`),
    async close() {},
  };
}

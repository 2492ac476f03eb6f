/** Picks the renderer: NDJSON with `--json`, listr2 on a TTY, plain lines otherwise or when `CI` is set. */
import type { Renderer } from '../run/events.js';
import type { ResolvedTask } from '../types.js';
import { createJsonRenderer } from './json-renderer.js';
import { createLineRenderer } from './line-renderer.js';
import type { OutputMode } from './output-mode.js';

export type RendererKind = 'json' | 'listr' | 'lines';

export function rendererKind(options: { json?: boolean; stdout?: NodeJS.WriteStream; env?: NodeJS.ProcessEnv }): RendererKind {
  if (options.json) return 'json';
  const stdout = options.stdout ?? process.stdout;
  const env = options.env ?? process.env;
  return stdout.isTTY && !env.CI && env.TERM !== 'dumb' ? 'listr' : 'lines';
}

export async function chooseRenderer(options: {
  json?: boolean;
  /** `--output`: default `failed` on a terminal, `full` otherwise; `--json` has every event. */
  output?: OutputMode;
  tasks: ReadonlyMap<string, ResolvedTask>;
  stdout?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}): Promise<Renderer> {
  const stdout = options.stdout ?? process.stdout;
  switch (rendererKind(options)) {
    case 'json':
      return createJsonRenderer(stdout);
    case 'listr': {
      const { createListrRenderer } = await import('./listr-renderer.js');
      return createListrRenderer(options.tasks, stdout, { output: options.output ?? 'failed' });
    }
    case 'lines':
      return createLineRenderer(stdout, { output: options.output ?? 'full' });
  }
}

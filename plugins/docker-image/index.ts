/**
 * The docker-image plugin: task `build` builds the agent image from a context folder with
 * dockerode, skipping it when the image already carries the context's content hash.
 * The factory is cheap: validation only; the engine client and build code load on first run.
 */
import type { Plugin, TaskDef } from '../../tasks/types.js';
import { validateOptions, type DockerImageOptions, type DockerImageResult } from './options.js';

export type { DockerImageOptions, DockerImageResult } from './options.js';

export function dockerImage(options?: DockerImageOptions): Plugin {
  const opts = { ...validateOptions(options) };
  const task: TaskDef<DockerImageResult> = {
    name: opts.taskName ?? 'build',
    description: `Build the image ${opts.tag ?? 'qms-agent:latest'} from ${opts.context ?? 'docker'}/${opts.dockerfile ?? 'Dockerfile'}`,
    awaitedConsole: true,
    run: async (ctx) => (await import('./task.js')).buildTask(opts, ctx),
  };
  return { name: 'docker-image', tasks: [task] };
}

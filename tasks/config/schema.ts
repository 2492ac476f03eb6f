/**
 * The shape of a user config (`qms.config.ts`) and of a plugin, checked with zod before
 * anything runs. Only the shape is checked here; names and the graph are checked when the
 * config is resolved. Functions are checked with `typeof` (zod's `z.function()` would wrap them).
 * The schemas are made when a config is checked (once per load): this module keeps no state,
 * so the start-up bundles may copy it into the file that uses it (scripts/startup-bundles.mjs).
 */
import { loadZod } from '../cjs.js';
import { AGENT_NAME } from './qms-users.js';

export function configSchemas() {
  const { z } = loadZod();
  const fn = (what: string) => z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: `expected ${what} to be a function` });

  const taskSchema = z
    .object({
      name: z.string().min(1, 'expected a non-empty task name'),
      description: z.string().optional(),
      dependsOn: z.array(z.string().min(1)).optional(),
      timeout: z.number().int().positive().optional(),
      retries: z.number().int().nonnegative().optional(),
      upToDate: fn('upToDate').optional(),
      run: fn('run'),
      interactive: z.boolean().optional(),
      awaitedConsole: z.boolean().optional(),
      preflight: fn('preflight').optional(),
      sources: z.array(z.string().min(1)).optional(),
      outputs: z.array(z.string().min(1)).optional(),
      inputs: z.unknown().optional(),
    })
    .strict();

  const pluginSchema = z
    .object({
      name: z.string().min(1, 'expected a non-empty plugin name'),
      tasks: z.array(taskSchema),
      status: fn('status').optional(),
      commands: z
        .record(
          z
            .object({
              description: z.string(),
              usage: z.string().optional(),
              options: z.array(z.object({ flags: z.string().min(1), description: z.string() })).optional(),
              run: fn('run'),
            })
            .passthrough(),
        )
        .optional(),
    })
    .passthrough();

  const userConfigSchema = z
    .object({
      name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'expected letters, digits, ".", "_" or "-" (it names containers)').optional(),
      plugins: z.array(z.union([pluginSchema, z.literal(false), z.null(), z.undefined()])).optional(),
      tasks: z.array(taskSchema).optional(),
      chains: z.record(z.array(z.string().min(1))).optional(),
      envFiles: z.array(z.string().min(1)).optional(),
      concurrency: z.number().int().positive().optional(),
      agents: z
        .array(z.string().regex(AGENT_NAME, 'expected an agent name of lowercase letters, digits, "-" or "_" (it names containers)'))
        .min(1, 'expected at least one agent, e.g. ["claude"]')
        .refine((a) => new Set(a).size === a.length, 'expected each agent once')
        .optional(),
    })
    .strict();

  return { taskSchema, pluginSchema, userConfigSchema, configKeys: Object.keys(userConfigSchema.shape), taskKeys: Object.keys(taskSchema.shape) };
}

/**
 * `api({ port, host })`: `qms up` starts the project API (what `qms serve api` serves) as a
 * supervised background service — task `api` (start, or reuse it while it runs with the same
 * launch) and `api:stop` (what `qms down` runs) — and `qms status` shows it. Cheap to create:
 * the supervisor loads on use. Options are checked by the zod helper.
 */
import { checkPluginOptions, z } from '../../tasks/config/plugin-options.js';
import type { Plugin } from '../../tasks/types.js';
import { API_PLUGIN, API_STOP_TASK, API_TASK } from './names.js';
import type { ApiServiceResult } from './service.js';

export interface ApiOptions {
  /** TCP port; default 9000. */
  port?: number;
  /** Address(es) to listen on; default 127.0.0.1 (loopback only). */
  host?: string | string[];
  /** How long `qms up` waits for it to answer; default 15000. */
  readyTimeoutMs?: number;
}

/** The options' schema, made when api() is called (no zod at this module's load: the start-up bundles may copy it). */
function shape() {
  const hostSchema = z.string().min(1).regex(/^[^\s/]+$/, 'an address such as 127.0.0.1 (no spaces or slashes)');
  return {
    port: z.number().int().min(1).max(65535).optional(),
    host: z.union([hostSchema, z.array(hostSchema).min(1)]).optional(),
    readyTimeoutMs: z.number().int().min(100).optional(),
  };
}

export function api(options: ApiOptions = {}): Plugin {
  const o = checkPluginOptions('api', shape(), options);
  const service = { port: o.port ?? 9000, hosts: o.host === undefined ? ['127.0.0.1'] : typeof o.host === 'string' ? [o.host] : o.host, ...(o.readyTimeoutMs ? { readyTimeoutMs: o.readyTimeoutMs } : {}) };
  const supervisor = () => import('./service.js');
  return {
    name: API_PLUGIN,
    tasks: [
      {
        name: API_TASK,
        description: `Start the project API and dashboard on ${service.hosts.join(', ')}:${service.port} (or reuse it when it answers)`,
        run: async (ctx): Promise<ApiServiceResult> => (await supervisor()).startApi(ctx, service),
      },
      {
        name: API_STOP_TASK,
        description: 'Stop the project API (SIGTERM, grace period, SIGKILL)',
        run: async (ctx) => {
          const { AGENTS_NAMED } = await import('../../tasks/run/agent-flags.js');
          // `qms down qa`: the API serves the whole roster, so it stays; `qms down` stops it.
          if (ctx.options.flags[AGENTS_NAMED] === true) ctx.skip('the project API serves every agent (`qms down` stops it)');
          const outcome = await (await supervisor()).stopApi(ctx);
          if (outcome === 'not-running') ctx.skip('the project API is not running');
          ctx.log.info(outcome === 'stopped' ? 'stopped the project API' : 'cleaned the stale record of the project API');
        },
      },
    ],
    status: async (ctx) => (await supervisor()).inspectApi(ctx),
  };
}

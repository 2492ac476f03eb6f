/**
 * The docker-engine plugin: task `engine` makes sure a Docker engine answers before anything
 * else runs — its preflight starts one when none does, with consent (asks on a terminal;
 * `qms up --start-engine` in CI or without a terminal; otherwise the hint), and records what it
 * started; task `engine:down` says what `qms down` leaves running. client.ts is the engine
 * client every plugin shares.
 */
import type { Plugin, PreflightContext, StatusRow, TaskDef } from '../../tasks/types.js';

export interface DockerEngineResult {
  /** dockerd's pid when qms started the engine (this run or an earlier one) and it still runs. */
  startedPid?: number;
}

async function preflight(ctx: PreflightContext): Promise<void> {
  const { ensureEngine } = await import('./ensure-engine.js');
  const { askYesNo } = await import('./ask.js');
  const { recordEngine } = await import('./engine-record.js');
  const consent = ctx.flags.startEngine === true ? 'yes' : ctx.terminal ? 'ask' : 'no';
  const started = await ensureEngine(ctx.env, consent, { info: (l) => ctx.log.info(l), ask: (q) => askYesNo(q, ctx.signal) });
  if (started) await recordEngine(ctx.state, started);
}

export function dockerEngine(): Plugin {
  const engine: TaskDef<DockerEngineResult> = {
    name: 'engine',
    description: 'Make sure a Docker engine answers (on a terminal, asks before starting one; --start-engine elsewhere)',
    preflight,
    async run(ctx) {
      const { engineAnswers } = await import('./engine-ping.js');
      const { readEngineRecord } = await import('./engine-record.js');
      const { connectDocker } = await import('./client.js');
      const { isAlive } = await import('../../tasks/state/lock.js');
      // A run without preflights (the engine API) still gets the client's clear error.
      if (!(await engineAnswers(ctx.env))) await connectDocker(ctx.env);
      const record = await readEngineRecord(ctx.state);
      if (record && isAlive(record.pid)) {
        ctx.skip(`the Docker engine qms started answers (dockerd pid ${record.pid}, log ${record.log})`, { startedPid: record.pid });
      }
      return ctx.skip('the Docker engine answers', {});
    },
  };
  const down: TaskDef = {
    name: 'engine:down',
    description: 'Say whether the Docker engine qms started keeps running (it does: other containers may use it)',
    async run(ctx) {
      const { readEngineRecord, ENGINE_ENTRY } = await import('./engine-record.js');
      const { isAlive } = await import('../../tasks/state/lock.js');
      const record = await readEngineRecord(ctx.state);
      if (!record) return ctx.skip('qms started no Docker engine here');
      if (!isAlive(record.pid)) {
        await ctx.state.remove(ENGINE_ENTRY);
        return ctx.skip(`the Docker engine qms started (dockerd pid ${record.pid}) has stopped`);
      }
      ctx.log.info(
        `leaves running: the Docker engine qms started ${record.createdAt} (dockerd pid ${record.pid}, log ${record.log}); ` +
          `other projects' containers may use it. Stop it with \`${record.via === 'sudo' ? 'sudo ' : ''}kill ${record.pid}\`.`,
      );
    },
  };
  return {
    name: 'docker-engine',
    tasks: [engine as TaskDef, down],
    async status(ctx): Promise<StatusRow[]> {
      const { readEngineRecord, ENGINE_ENTRY } = await import('./engine-record.js');
      const record = await readEngineRecord(ctx.state);
      if (!record) return [];
      const { isAlive } = await import('../../tasks/state/lock.js');
      const running = isAlive(record.pid);
      if (!running) await ctx.state.remove(ENGINE_ENTRY);
      return [
        {
          plugin: 'docker-engine',
          id: ENGINE_ENTRY,
          kind: 'docker-engine',
          state: running ? 'running' : 'stale',
          healthy: running,
          details: { pid: record.pid, log: record.log, startedAt: record.createdAt },
        },
      ];
    },
  };
}

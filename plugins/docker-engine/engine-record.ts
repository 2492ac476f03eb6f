/**
 * The state record of an engine qms started (`.qms/state.json`, id `docker-engine`), so
 * `qms status` shows it and `qms down` can say it leaves it running.
 */
import type { StateEntry, StateStore } from '../../tasks/types.js';
import type { StartedEngine } from './start-engine.js';

export const ENGINE_ENTRY = 'docker-engine';
export const PLUGIN = 'docker-engine';

export interface EngineRecord {
  pid: number;
  log: string;
  command: string;
  via: string;
}

export async function recordEngine(state: StateStore, started: StartedEngine): Promise<void> {
  const data: EngineRecord = { pid: started.pid, log: started.log, command: started.command, via: started.via };
  const entry: StateEntry = { id: ENGINE_ENTRY, kind: 'docker-engine', plugin: PLUGIN, createdAt: new Date().toISOString(), data: { ...data } };
  await state.put(entry);
}

export async function readEngineRecord(state: StateStore): Promise<(EngineRecord & { createdAt: string }) | undefined> {
  const entry = await state.get(ENGINE_ENTRY);
  if (!entry) return undefined;
  const d = entry.data as Partial<EngineRecord>;
  if (typeof d.pid !== 'number') return undefined;
  return { pid: d.pid, log: String(d.log ?? ''), command: String(d.command ?? 'dockerd'), via: String(d.via ?? 'root'), createdAt: entry.createdAt };
}

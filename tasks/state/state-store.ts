/**
 * `.qms/state.json`: what a run started and meant to leave running (MCP servers, the
 * container), so later `qms status`/`qms down` processes find it. The folder is 0700, the
 * file 0600, every change is a read-modify-write under the `state` lock with an atomic
 * write. A corrupt file is moved aside (`state.json.corrupt-<time>`) and treated as empty.
 */
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { StateEntry, StateStore } from '../types.js';
import { atomicWrite } from './atomic-write.js';
import { withFileLock } from './lock.js';
import { ensureQmsDir, qmsDir } from './qms-dir.js';

interface StateFile {
  version: 1;
  entries: Record<string, StateEntry>;
}

export interface StateStoreOptions {
  root: string;
  /** Where warnings go (e.g. the corrupt file was moved aside). */
  warn?: (message: string) => void;
  /** Default wait for the `state` lock. */
  lockTimeoutMs?: number;
}

export const stateDir = qmsDir;

export function createStateStore(options: StateStoreOptions): StateStore {
  const dir = stateDir(options.root);
  const file = join(dir, 'state.json');
  const warn = options.warn ?? ((m: string) => process.stderr.write(`qms: warning: ${m}\n`));
  const lockFile = (name: string) => join(dir, 'locks', `${name.replace(/[^\w.-]/g, '_')}.lock`);

  const load = async (): Promise<string | undefined> => {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  };

  const parse = (text: string | undefined): StateFile | Error => {
    if (text === undefined) return { version: 1, entries: {} };
    try {
      const parsed = JSON.parse(text) as Partial<StateFile>;
      if (parsed && typeof parsed === 'object' && parsed.entries && typeof parsed.entries === 'object' && !Array.isArray(parsed.entries)) {
        return { version: 1, entries: parsed.entries };
      }
      return new Error('not a qms state file');
    } catch (err) {
      return err as Error;
    }
  };

  /** Under the `state` lock: move the file aside only if it still holds the same bad text. */
  const moveAside = async (bad: string, why: Error): Promise<void> => {
    if ((await load()) !== bad) return; // another process already recovered or rewrote it
    const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(file, aside);
    warn(`${file} was unreadable (${why.message}); moved it to ${aside} and started with an empty state`);
  };

  /** `locked`: the caller already holds the `state` lock (a read-modify-write). */
  const read = async (locked = false): Promise<StateFile> => {
    const text = await load();
    const state = parse(text);
    if (!(state instanceof Error)) return state;
    const recover = () => moveAside(text!, state);
    await (locked ? recover() : withLock('state', recover));
    const now = parse(await load());
    return now instanceof Error ? { version: 1, entries: {} } : now;
  };

  const write = async (state: StateFile): Promise<void> => {
    await ensureQmsDir(options.root);
    await atomicWrite(file, `${JSON.stringify(state, null, 2)}\n`, 0o600);
  };

  // Callers queue in call order (the lock creates `.qms/locks`, 0700, when it first needs it);
  // `.qms/.gitignore` is written alongside and awaited before `fn` runs.
  const withLock = <T>(name: string, fn: () => Promise<T>, opts?: { timeoutMs?: number }): Promise<T> => {
    const ready = ensureQmsDir(options.root);
    ready.catch(() => undefined); // surfaced through `fn` below, or moot if the lock failed
    return withFileLock(
      lockFile(name),
      async () => {
        await ready;
        return fn();
      },
      { timeoutMs: opts?.timeoutMs ?? options.lockTimeoutMs, description: options.root },
    );
  };

  // An update that changes nothing (a reused container's or server's entry, as it was) writes
  // nothing: no temp file, fsync and rename on every warm run.
  const update = (fn: (s: StateFile) => void): Promise<void> =>
    withLock('state', async () => {
      const s = await read(true);
      const before = JSON.stringify(s);
      fn(s);
      if (JSON.stringify(s) !== before) await write(s);
    });

  return {
    file,
    async list(filter) {
      const { entries } = await read();
      return Object.values(entries).filter((e) => (!filter?.kind || e.kind === filter.kind) && (!filter?.plugin || e.plugin === filter.plugin));
    },
    async get(id) {
      return (await read()).entries[id];
    },
    put: (entry) =>
      update((s) => {
        s.entries[entry.id] = entry;
      }),
    remove: (id) =>
      update((s) => {
        delete s.entries[id];
      }),
    withLock,
  };
}

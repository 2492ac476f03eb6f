import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStateStore } from '../../tasks/state/state-store.js';
import type { StateEntry } from '../../tasks/types.js';
import { ensureBuilt } from '../cli/built.js';
import { tempDir } from './harness.js';

const entry = (id: string, data: Record<string, unknown> = {}): StateEntry => ({ id, kind: 'process', plugin: 'mcp-server', createdAt: new Date(0).toISOString(), data });

let tmp: ReturnType<typeof tempDir>;
afterEach(() => tmp?.cleanup());

describe('state store', () => {
  it('puts, lists, filters and removes entries in a private .qms/state.json', async () => {
    tmp = tempDir();
    const store = createStateStore({ root: tmp.dir });
    await store.put(entry('mcp:qms', { pid: 1 }));
    await store.put({ ...entry('container:claude'), kind: 'container', plugin: 'container' });
    expect((await store.list()).map((e) => e.id)).toEqual(['mcp:qms', 'container:claude']);
    expect((await store.list({ kind: 'container' })).map((e) => e.id)).toEqual(['container:claude']);
    expect(await store.get('mcp:qms')).toEqual(entry('mcp:qms', { pid: 1 }));
    await store.remove('mcp:qms');
    expect(await store.get('mcp:qms')).toBeUndefined();
    expect(statSync(join(tmp.dir, '.qms')).mode & 0o777).toBe(0o700);
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(tmp.dir, '.qms')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('an update that changes nothing leaves the file as it is (no rewrite on a warm run); a change is written', async () => {
    tmp = tempDir();
    const store = createStateStore({ root: tmp.dir });
    await store.put(entry('container:claude', { id: 'c1' }));
    const first = statSync(store.file);
    await store.put(entry('container:claude', { id: 'c1' }));
    await store.remove('not-there');
    const again = statSync(store.file);
    expect([again.ino, again.mtimeMs]).toEqual([first.ino, first.mtimeMs]); // atomicWrite renames a new file over it
    await store.put(entry('container:claude', { id: 'c2' }));
    expect(statSync(store.file).ino).not.toBe(first.ino);
    expect(await store.get('container:claude')).toEqual(entry('container:claude', { id: 'c2' }));
  });

  it('moves a corrupt file aside, warns and starts empty', async () => {
    tmp = tempDir();
    mkdirSync(join(tmp.dir, '.qms'));
    writeFileSync(join(tmp.dir, '.qms', 'state.json'), '{"entries": {"half');
    const warnings: string[] = [];
    const store = createStateStore({ root: tmp.dir, warn: (m) => warnings.push(m) });
    expect(await store.list()).toEqual([]);
    expect(warnings[0]).toMatch(/unreadable .*moved it to .*state\.json\.corrupt-/);
    const aside = readdirSync(join(tmp.dir, '.qms')).filter((f) => f.startsWith('state.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(tmp.dir, '.qms', aside[0]!), 'utf8')).toBe('{"entries": {"half');
    await store.put(entry('x'));
    expect((await store.list()).map((e) => e.id)).toEqual(['x']);
  });

  it('recovers a corrupt file once when several readers and a writer meet it at the same time', async () => {
    tmp = tempDir();
    mkdirSync(join(tmp.dir, '.qms'));
    writeFileSync(join(tmp.dir, '.qms', 'state.json'), 'not json');
    const warnings: string[] = [];
    const store = createStateStore({ root: tmp.dir, warn: (m) => warnings.push(m) });
    await Promise.all([store.list(), store.get('x'), store.put(entry('y')), store.list()]);
    expect(warnings).toHaveLength(1);
    expect(readdirSync(join(tmp.dir, '.qms')).filter((f) => f.startsWith('state.json.corrupt-'))).toHaveLength(1);
    // The entry written meanwhile is never moved aside by a slower reader.
    expect((await store.list()).map((e) => e.id)).toEqual(['y']);
  });

  it('serialises named locks within a process', async () => {
    tmp = tempDir();
    const store = createStateStore({ root: tmp.dir });
    const log: string[] = [];
    const job = (n: string) => store.withLock('up', async () => {
      log.push(`+${n}`);
      await new Promise((r) => setTimeout(r, 5));
      log.push(`-${n}`);
    });
    await Promise.all([job('a'), job('b'), job('c')]);
    expect(log).toEqual(['+a', '-a', '+b', '-b', '+c', '-c']);
  });

  it('breaks the lock of a dead process, and names a live holder when giving up', async () => {
    tmp = tempDir();
    const store = createStateStore({ root: tmp.dir });
    mkdirSync(join(tmp.dir, '.qms', 'locks'), { recursive: true });
    const lock = join(tmp.dir, '.qms', 'locks', 'up.lock');
    // A pid that cannot be alive (above the kernel's pid_max).
    writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 1, startedAt: 'long ago', name: 'up' }));
    expect(await store.withLock('up', async () => 'got it', { timeoutMs: 500 })).toBe('got it');
    expect(existsSync(lock)).toBe(false);

    writeFileSync(lock, JSON.stringify({ pid: process.ppid, startedAt: '2026-01-01T00:00:00.000Z', name: 'up' }));
    await expect(store.withLock('up', async () => 'never', { timeoutMs: 50 })).rejects.toThrow(
      `qms process ${process.ppid} (since 2026-01-01T00:00:00.000Z) holds the lock "up" on ${tmp.dir}; gave up after 50 ms`,
    );
  });
});

describe('state store across processes', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('never loses an update when two processes write under the lock', async () => {
    tmp = tempDir();
    const script = `
      import { createStateStore } from ${JSON.stringify(new URL('../../dist/tasks/state/state-store.js', import.meta.url).href)};
      const store = createStateStore({ root: process.argv[1], lockTimeoutMs: 30000 });
      for (let i = 0; i < 40; i++) {
        await store.withLock('counter', async () => {
          const e = await store.get('counter');
          const n = (e?.data.n ?? 0) + 1;
          await new Promise((r) => setImmediate(r));
          await store.put({ id: 'counter', kind: 'test', plugin: 'test', createdAt: '', data: { n } });
        });
      }`;
    const child = () =>
      new Promise<number>((resolve) => {
        const p = spawn(process.execPath, ['--input-type=module', '-e', script, tmp.dir], { stdio: ['ignore', 'inherit', 'inherit'] });
        p.on('exit', (code) => resolve(code ?? -1));
      });
    expect(await Promise.all([child(), child(), child()])).toEqual([0, 0, 0]);
    const store = createStateStore({ root: tmp.dir });
    expect((await store.get('counter'))?.data.n).toBe(120);
  });
});

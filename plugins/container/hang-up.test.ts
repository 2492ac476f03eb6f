/**
 * hangUp signals only a process of the exec's own container. The pid an engine reports is in the
 * engine's pid namespace: a remote or VM engine (Docker Desktop), or a daemon whose socket is
 * mounted into a dev container, reports a number that here may be any process group at all.
 * (The positive case, a real exec hung up with its child, is in container.test.ts.)
 */
import { spawn } from 'node:child_process';
import type Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { hangUp } from './hang-up.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('hangUp', () => {
  const started: number[] = [];
  afterEach(() => {
    for (const pid of started.splice(0)) if (alive(pid)) process.kill(-pid, 'SIGKILL');
  });

  it('leaves alone a process group here whose id is the pid an engine reports for another container', async () => {
    // An unrelated process group on this machine (its own leader), as a user's job would be.
    const victim = spawn('sh', ['-c', 'sleep 300'], { detached: true, stdio: 'ignore' });
    const pid = victim.pid!;
    started.push(pid);
    const exec = { inspect: async () => ({ Running: true, Pid: pid, ContainerID: 'f'.repeat(64) }) } as unknown as Docker.Exec;
    let exited = false;
    victim.on('exit', () => (exited = true));
    await hangUp(exec);
    await new Promise((r) => setTimeout(r, 200));
    expect(exited).toBe(false);
    expect(alive(pid)).toBe(true);
  });
});

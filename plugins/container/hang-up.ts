/**
 * Docker keeps an exec's process running when its client goes away (a closed terminal, an
 * interrupted or timed-out qms): hang it up ourselves, so nothing is left behind in the container.
 */
import type Docker from 'dockerode';
import { readFile } from 'node:fs/promises';

/**
 * SIGHUP, then SIGTERM after 2 s, to an exec's process group (the engine makes an exec's process
 * the leader of its own group): a shell's children (a probe's sleep or curl) go with it, not on
 * as orphans. The pid is the engine's: only when this machine's /proc shows that pid in the
 * exec's container is it ours to signal. A remote or VM engine (Docker Desktop), or a daemon in
 * another pid namespace (its socket mounted into a dev container), reports a number that here
 * may be any process group, a user's job; the engine keeps such an exec.
 */
export async function hangUp(exec: Docker.Exec): Promise<void> {
  const pidOf = async (): Promise<number | undefined> => {
    const info = await exec.inspect().catch(() => undefined);
    if (!info?.Running || !info.Pid || !info.ContainerID) return undefined;
    const cgroup = await readFile(`/proc/${info.Pid}/cgroup`, 'utf8').catch(() => '');
    return cgroup.includes(info.ContainerID) ? info.Pid : undefined;
  };
  for (const signal of ['SIGHUP', 'SIGTERM'] as const) {
    const pid = await pidOf();
    if (!pid) return;
    try {
      try {
        process.kill(-pid, signal);
      } catch {
        process.kill(pid, signal); // not a group leader after all
      }
    } catch {
      return; // not ours to signal (a remote engine, another user): the engine keeps it
    }
    for (let i = 0; i < 20 && (await pidOf()); i++) await new Promise((r) => setTimeout(r, 100));
  }
}

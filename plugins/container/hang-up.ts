/**
 * Docker keeps an exec's process running when its client goes away (a closed terminal, an
 * interrupted or timed-out qms): hang it up ourselves, so nothing is left behind in the container.
 */
import type Docker from 'dockerode';

/**
 * SIGHUP, then SIGTERM after 2 s, to an exec's process group (its host pid: the engine is local;
 * the engine makes an exec's process the leader of its own group): a shell's children (a
 * probe's sleep or curl) go with it, not on as orphans.
 */
export async function hangUp(exec: Docker.Exec): Promise<void> {
  const pidOf = async (): Promise<number | undefined> => {
    const info = await exec.inspect().catch(() => undefined);
    return info?.Running && info.Pid ? info.Pid : undefined;
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

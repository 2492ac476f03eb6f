/** Small process and port helpers shared by the tests that start real servers. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A port nobody listens on (the kernel's pick), avoiding the dogfood servers' 8000/8001. */
export function freePort(avoid: readonly number[] = []): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => (port === 8000 || port === 8001 || avoid.includes(port) ? resolve(freePort(avoid)) : resolve(port)));
    });
  });
}

/** Running, not a zombie (a killed process may wait a while here for pid 1 to reap it). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

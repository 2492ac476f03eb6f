/**
 * Watches every process's arguments on this machine (`ps -eo args`, which also shows the
 * processes of local containers) while something runs, so a test can assert that no secret
 * ever appeared in a command line, not just at one instant.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ArgsWatch {
  /** Stops sampling; every distinct command line seen, and how many samples were taken. */
  stop(): Promise<{ lines: Set<string>; samples: number }>;
}

export function watchProcessArgs(): ArgsWatch {
  const lines = new Set<string>();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { stdout } = await run('ps', ['-eo', 'args', '--no-headers'], { maxBuffer: 32 * 1024 * 1024 });
      for (const line of stdout.split('\n')) if (line) lines.add(line);
      samples++;
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { lines, samples };
    },
  };
}

/** The lines holding any of the secrets, with each secret replaced by its name (safe to print). */
export function linesWithSecrets(lines: Iterable<string>, secrets: Record<string, string>): string[] {
  const hits: string[] = [];
  for (const line of lines) {
    let shown = line;
    let hit = false;
    for (const [name, value] of Object.entries(secrets)) {
      if (value && line.includes(value)) {
        hit = true;
        shown = shown.split(value).join(`<${name}>`);
      }
    }
    if (hit) hits.push(shown);
  }
  return hits;
}

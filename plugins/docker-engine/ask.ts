/** One yes/no question on the terminal (stdin, the question on stderr); anything but yes is no. */
import { createInterface } from 'node:readline/promises';

export async function askYesNo(question: string, signal?: AbortSignal): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `, signal ? { signal } : {});
    return /^\s*y(es)?\s*$/i.test(answer);
  } catch {
    return false;
  } finally {
    rl.close();
  }
}

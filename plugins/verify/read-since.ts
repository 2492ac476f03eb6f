/**
 * What an append-only log gained since it was `from` bytes long, so a check reads the lines its
 * own probes made and not the whole history (logs grow with every verification).
 */
import { open } from 'node:fs/promises';

/** The file's text from byte `from` on; '' when unreadable. */
async function readFrom(file: string, from: number): Promise<{ text: string; size: number }> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return { text: '', size: 0 };
  try {
    const { size } = await handle.stat();
    const start = Math.min(from, size);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    return { text: buffer.toString('utf8'), size };
  } finally {
    await handle.close();
  }
}

/**
 * The text `file` gained since it was `from` bytes long. When it is shorter now it was replaced
 * meanwhile: its previous generation `rotated` (if the log rotates) is read from `from` on, and
 * the new file whole.
 */
export async function readSince(file: string, from: number, rotated?: string): Promise<string> {
  const now = await readFrom(file, from);
  if (now.size >= from) return now.text;
  const [before, all] = await Promise.all([rotated ? readFrom(rotated, from) : { text: '', size: 0 }, readFrom(file, 0)]);
  return before.text + all.text;
}

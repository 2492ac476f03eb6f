/** Parse a dotenv file if it exists (undefined when it does not); dotenv is loaded lazily. */
import { readFile } from 'node:fs/promises';

export async function readDotenv(file: string): Promise<Record<string, string> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const { parse } = await import('dotenv');
  return parse(text);
}

/**
 * A streaming tar (ustar, with PAX headers for long names) of the context entries, the body of
 * Docker's build request. Owner is root (0:0), as the Docker CLI sends it; contents are read
 * file by file, so memory stays flat whatever the context's size.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ContextEntry } from './context-files.js';

const BLOCK = 512;

/** The context as a tar stream. */
export function tarContext(entries: readonly ContextEntry[]): Readable {
  return Readable.from(generate(entries), { objectMode: false });
}

async function* generate(entries: readonly ContextEntry[]): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    const name = entry.type === 'dir' ? `${entry.path}/` : entry.path;
    const link = entry.linkTarget ?? '';
    const pax: Record<string, string> = {};
    if (!fitsUstarName(name)) pax.path = name;
    if (Buffer.byteLength(link) > 100) pax.linkpath = link;
    if (Object.keys(pax).length > 0) {
      const body = paxBody(pax);
      yield header({ name: 'PaxHeader', type: 'x', mode: 0o644, size: body.length, mtime: 0, link: '' });
      yield padded(body);
    }
    const size = entry.type === 'file' ? entry.size : 0;
    yield header({
      name: pax.path ? name.slice(0, 99) : name,
      type: entry.type === 'file' ? '0' : entry.type === 'dir' ? '5' : '2',
      mode: entry.mode,
      size,
      mtime: Math.floor(entry.mtimeMs / 1000),
      link: pax.linkpath ? link.slice(0, 99) : link,
    });
    if (entry.type === 'file') {
      let written = 0;
      for await (const chunk of createReadStream(entry.source)) {
        const buf = chunk as Buffer;
        written += buf.length;
        yield buf;
      }
      if (written !== size) throw new Error(`${entry.source} changed size while the build context was sent; run the build again`);
      const rest = size % BLOCK;
      if (rest) yield Buffer.alloc(BLOCK - rest);
    }
  }
  yield Buffer.alloc(BLOCK * 2);
}

interface Header {
  name: string;
  type: string;
  mode: number;
  size: number;
  mtime: number;
  link: string;
}

function fitsUstarName(name: string): boolean {
  return Buffer.byteLength(name) <= 100 || splitPrefix(name) !== undefined;
}

/** ustar can hold a 155-byte prefix and a 100-byte name, split at a `/`. */
function splitPrefix(name: string): [string, string] | undefined {
  if (Buffer.byteLength(name) <= 100) return ['', name];
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return [prefix, rest];
  }
  return undefined;
}

function header(h: Header): Buffer {
  const buf = Buffer.alloc(BLOCK);
  const [prefix, name] = splitPrefix(h.name) ?? ['', h.name];
  buf.write(name, 0, 100, 'utf8');
  octal(buf, 100, 8, h.mode);
  octal(buf, 108, 8, 0);
  octal(buf, 116, 8, 0);
  octal(buf, 124, 12, h.size);
  octal(buf, 136, 12, h.mtime);
  buf.write('        ', 148, 8, 'ascii'); // checksum placeholder: spaces while summing
  buf.write(h.type, 156, 1, 'ascii');
  buf.write(h.link, 157, 100, 'utf8');
  buf.write('ustar\u000000', 257, 8, 'binary');
  buf.write('root', 265, 32, 'ascii');
  buf.write('root', 297, 32, 'ascii');
  buf.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of buf) sum += byte;
  buf.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return buf;
}

function octal(buf: Buffer, offset: number, length: number, value: number): void {
  if (value >= 8 ** (length - 1)) throw new Error(`tar field too large: ${value}`);
  buf.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'ascii');
}

/** PAX records: `<length> <key>=<value>\n`, the length counting itself. */
function paxBody(records: Record<string, string>): Buffer {
  let text = '';
  for (const [key, value] of Object.entries(records)) {
    const core = ` ${key}=${value}\n`;
    const coreLength = Buffer.byteLength(core);
    const digits = String(coreLength).length;
    let length = coreLength + digits;
    if (String(length).length !== digits) length = coreLength + String(length).length;
    text += `${length}${core}`;
  }
  return Buffer.from(text, 'utf8');
}

function padded(body: Buffer): Buffer {
  const rest = body.length % BLOCK;
  return rest ? Buffer.concat([body, Buffer.alloc(BLOCK - rest)]) : body;
}
